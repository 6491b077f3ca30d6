"""Demo GCP detailed billing export stand-in: NDJSON.gz files with the export's nested shape, one folder per
invoice month, written by DuckDB from hashes of (seed, month, row) like the other clouds' demo data.

Costs and credits are written as JSON numbers (the export stores FLOAT64); labels carry the same environments,
teams and services as the AWS and Azure demo data. About a third of the rows carry credits (sustained use,
committed use, promotions), so EffectiveCost = cost + sum(credits) has something to prove.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import duckdb

from finops_assets.demo.dimensions import APP_SERVICES, COST_CENTERS, ENVIRONMENTS, TEAMS, next_month, sql_list

SERVICES = [
    ("6F81-5844-456A", "Compute Engine"), ("95FF-2EF5-5EA1", "Cloud Storage"), ("9662-B51E-5089", "Cloud SQL"),
    ("29E7-DA93-CA13", "Cloud Run"), ("C7E2-9256-1C43", "Vertex AI"), ("E505-1604-58F8", "Networking"),
]
REGIONS = [("us-east1", "US"), ("us-west1", "US"), ("europe-west1", "BE"), ("europe-west3", "DE"), ("asia-southeast1", "SG")]
CREDIT_TYPES = ["SUSTAINED_USAGE_DISCOUNT", "COMMITTED_USAGE_DISCOUNT", "PROMOTION"]


@dataclass(frozen=True)
class GeneratedMonth:
    invoice_month: date
    data_keys: tuple[str, ...]
    row_count: int


def _select(month: date, seed: int, version: int) -> str:
    h = lambda k: f"hash(i, {seed}, {month.year * 12 + month.month}, {version}, {k})"  # noqa: E731
    pick = lambda values, k: f"{sql_list(values)}[1 + ({h(k)} % {len(values)})::INTEGER]"  # noqa: E731
    hours = (next_month(month) - month).days * 24
    label = lambda key, values, k: f"{{'key': '{key}', 'value': {pick(values, k)}}}"  # noqa: E731
    return f"""
        SELECT
            '0000AA-BBBBBB-CCCCCC' AS billing_account_id,
            {{'id': {pick([s for s, _ in SERVICES], 1)}, 'description': {pick([d for _, d in SERVICES], 1)}}} AS service,
            {{'id': upper(substr(md5(({h(2)} % 40)::VARCHAR), 1, 4) || '-' || substr(md5(({h(2)} % 40)::VARCHAR), 5, 4)),
              'description': {pick([d for _, d in SERVICES], 1)} || ' usage'}} AS sku,
            strftime(ts, '%Y-%m-%d %H:%M:%S+00:00') AS usage_start_time,
            strftime(ts + INTERVAL 1 HOUR, '%Y-%m-%d %H:%M:%S+00:00') AS usage_end_time,
            {{'id': 'demo-' || {pick(TEAMS, 4)}, 'number': (100000 + {h(4)} % 5)::VARCHAR, 'name': 'demo ' || {pick(TEAMS, 4)},
              'labels': [{label('team', TEAMS, 4)}], 'ancestry_numbers': '/123456/'}} AS project,
            CASE WHEN {h(5)} % 10 = 0 THEN [] ELSE [{label('environment', ENVIRONMENTS, 6)}, {label('service', APP_SERVICES, 7)},
                 {label('cost-center', COST_CENTERS, 8)}] END AS labels,
            [{{'key': 'goog-resource-type', 'value': 'instance'}}] AS system_labels,
            {{'location': region, 'country': country, 'region': region, 'zone': region || '-' || chr(98 + ({h(9)} % 3)::INTEGER)}} AS location,
            {{'name': 'res-' || ({h(10)} % 400)::VARCHAR, 'global_name': '//compute.googleapis.com/projects/demo/zones/' || region || '/instances/res-' || ({h(10)} % 400)::VARCHAR}} AS resource,
            strftime(TIMESTAMP '{next_month(month):%Y-%m-%d}' + INTERVAL 2 DAY, '%Y-%m-%d %H:%M:%S+00:00') AS export_time,
            cost,
            'USD' AS currency,
            1.0 AS currency_conversion_rate,
            {{'amount': (({h(11)} % 3600000) / 1000.0)::DOUBLE, 'unit': 'seconds',
              'amount_in_pricing_units': (({h(11)} % 3600000) / 3600000.0)::DOUBLE, 'pricing_unit': 'hour'}} AS usage,
            CASE WHEN {h(12)} % 3 = 0
                 THEN [{{'name': 'Demo credit', 'amount': -round(cost * (({h(13)} % 40) / 100.0), 10)::DOUBLE,
                         'full_name': NULL, 'id': 'credit-' || ({h(13)} % 7)::VARCHAR, 'type': {pick(CREDIT_TYPES, 14)}}}]
                 ELSE [] END AS credits,
            {{'month': '{month:%Y%m}', 'publisher_type': NULL}} AS invoice,
            CASE WHEN {h(15)} % 50 = 0 THEN 'tax' WHEN {h(15)} % 60 = 1 THEN 'adjustment' ELSE 'regular' END AS cost_type,
            {{'effective_price': (({h(16)} % 1000000) / 10000000.0)::DOUBLE, 'tier_start_amount': 0.0, 'unit': 'hour',
              'pricing_unit_quantity': 1.0}} AS price
        FROM (
            SELECT i,
                TIMESTAMP '{month:%Y-%m-%d}' + to_hours(({h(3)} % {hours})::INTEGER) AS ts,
                CASE WHEN {h(17)} % 20 = 0 THEN round(({h(18)} % 100000000000) / 1e8, 10)
                     ELSE round(({h(18)} % 5000000000) / 1e9, 10) END::DOUBLE AS cost,
                {pick([r for r, _ in REGIONS], 19)} AS region,
                {sql_list([c for _, c in REGIONS])}[1 + ({h(19)} % {len(REGIONS)})::INTEGER] AS country
            FROM range(?, ?) t(i)
        )
        ORDER BY i
    """


def generate_gcp_billing(landing_root: Path, months: list[date], rows_per_month: int, seed: int, *,
                         prefix: str = "gcp_billing", parts: int = 2, version: int = 1) -> list[GeneratedMonth]:
    """Write (or, with a new `version`, rewrite as a newer export) one folder per invoice month."""
    written = []
    con = duckdb.connect()
    try:
        con.execute("SET TimeZone='UTC'")
        for month in sorted(months):
            folder = Path(landing_root) / prefix / f"invoice_month={month:%Y%m}"
            if folder.exists():
                shutil.rmtree(folder)
            folder.mkdir(parents=True)
            rows = rows_per_month + (version - 1) * (rows_per_month // 25 + 1)
            bounds = [rows * p // parts for p in range(parts + 1)]
            keys = []
            for part in range(parts):
                path = folder / f"billing_export-{part:05d}.jsonl.gz"
                con.execute(
                    f"COPY ({_select(month, seed, version)}) TO '{path}' (FORMAT json, COMPRESSION gzip)",
                    [bounds[part], bounds[part + 1]],
                )
                keys.append(path.relative_to(landing_root).as_posix())
            written.append(GeneratedMonth(month, tuple(keys), rows))
    finally:
        con.close()
    return written
