"""Demo GCP detailed billing export stand-in: NDJSON.gz files with the export's nested shape, one folder per
invoice month, written by DuckDB from hashes of (seed, month, row) like the other clouds' demo data.

Costs and credits are written as JSON numbers (the export stores FLOAT64); labels carry the same environments,
teams and services as the AWS and Azure demo data. About a third of the rows carry credits (sustained use,
committed use, promotions), so EffectiveCost = cost + sum(credits) has something to prove. Vertex AI rows are Gemini
token SKUs (VERTEX_SKUS: usage.amount in tokens, usage.unit `count`) costing tokens x price, labelled with
customer_id and project_id.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import duckdb

from finops_assets.demo.dimensions import (
    APP_SERVICES,
    COST_CENTERS,
    CUSTOMERS,
    ENVIRONMENTS,
    LLM_PROJECTS,
    TEAMS,
    next_month,
    sql_list,
)

SERVICES = [
    ("6F81-5844-456A", "Compute Engine"), ("95FF-2EF5-5EA1", "Cloud Storage"), ("9662-B51E-5089", "Cloud SQL"),
    ("29E7-DA93-CA13", "Cloud Run"), ("C7E2-9256-1C43", "Vertex AI"), ("E505-1604-58F8", "Networking"),
]
REGIONS = [("us-east1", "US"), ("us-west1", "US"), ("europe-west1", "BE"), ("europe-west3", "DE"), ("asia-southeast1", "SG")]
CREDIT_TYPES = ["SUSTAINED_USAGE_DISCOUNT", "COMMITTED_USAGE_DISCOUNT", "PROMOTION"]
# Vertex AI (service C7E2-9256-1C43) Gemini SKUs as the billing export names them: one SKU per model, modality
# and direction; usage.unit `count` (tokens), priced per 1M tokens. (SKU id, description, price in 1e-9 USD a token;
# the Gemini 2.0 Flash ids are the published ones, the others stand-ins)
VERTEX_SKUS = [
    ("1127-99B9-1860", "Gemini 2.0 Flash Text Input - Predictions", 150),  # $0.15 per 1M tokens
    ("DFB0-8442-43A8", "Gemini 2.0 Flash Text Output - Predictions", 600),  # $0.60
    ("A1F3-25C9-7E0B", "Gemini 2.5 Flash GA Text Input - Predictions", 300),  # $0.30
    ("5C2D-8B41-E7A6", "Gemini 2.5 Flash GA Text Output - Predictions", 2500),  # $2.50
    ("9E07-3D5A-41BC", "Gemini 2.5 Flash GA Input Text Caching", 30),  # $0.03
]


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
    # Draws made only on Vertex AI rows hash once more: `vertex` fixes h(1) % 6, and the parity of hash(.., k) is
    # shared across k, so an even modulus of a plain h(k) would see half its values.
    rehash = lambda k: f"hash({h(k)})"  # noqa: E731
    sku = f"1 + ({rehash(21)} % {len(VERTEX_SKUS)})::INTEGER"
    llm_label = lambda key, values, k: f"{{'key': '{key}', 'value': {sql_list(values)}[1 + ({rehash(k)} % {len(values)})::INTEGER]}}"  # noqa: E731
    common_labels = f"{label('environment', ENVIRONMENTS, 6)}, {label('service', APP_SERVICES, 7)}, {label('cost-center', COST_CENTERS, 8)}"
    return f"""
        SELECT
            '0000AA-BBBBBB-CCCCCC' AS billing_account_id,
            {{'id': {pick([s for s, _ in SERVICES], 1)}, 'description': {pick([d for _, d in SERVICES], 1)}}} AS service,
            CASE WHEN vertex THEN {{'id': {sql_list([i for i, _, _ in VERTEX_SKUS])}[{sku}], 'description': {sql_list([d for _, d, _ in VERTEX_SKUS])}[{sku}]}}
                 ELSE {{'id': upper(substr(md5(({h(2)} % 40)::VARCHAR), 1, 4) || '-' || substr(md5(({h(2)} % 40)::VARCHAR), 5, 4)),
                        'description': {pick([d for _, d in SERVICES], 1)} || ' usage'}} END AS sku,
            strftime(ts, '%Y-%m-%d %H:%M:%S+00:00') AS usage_start_time,
            strftime(ts + INTERVAL 1 HOUR, '%Y-%m-%d %H:%M:%S+00:00') AS usage_end_time,
            {{'id': 'demo-' || {pick(TEAMS, 4)}, 'number': (100000 + {h(4)} % 5)::VARCHAR, 'name': 'demo ' || {pick(TEAMS, 4)},
              'labels': [{label('team', TEAMS, 4)}], 'ancestry_numbers': '/123456/'}} AS project,
            CASE WHEN {h(5)} % 10 = 0 THEN []
                 WHEN vertex THEN [{common_labels}, {llm_label('customer_id', CUSTOMERS, 22)}, {llm_label('project_id', LLM_PROJECTS, 23)}]
                 ELSE [{common_labels}] END AS labels,
            [{{'key': 'goog-resource-type', 'value': 'instance'}}] AS system_labels,
            {{'location': region, 'country': country, 'region': region, 'zone': region || '-' || chr(98 + ({h(9)} % 3)::INTEGER)}} AS location,
            {{'name': 'res-' || ({h(10)} % 400)::VARCHAR, 'global_name': '//compute.googleapis.com/projects/demo/zones/' || region || '/instances/res-' || ({h(10)} % 400)::VARCHAR}} AS resource,
            strftime(TIMESTAMP '{next_month(month):%Y-%m-%d}' + INTERVAL 2 DAY, '%Y-%m-%d %H:%M:%S+00:00') AS export_time,
            cost,
            'USD' AS currency,
            1.0 AS currency_conversion_rate,
            CASE WHEN vertex THEN {{'amount': llm_tokens::DOUBLE, 'unit': 'count',
                                    'amount_in_pricing_units': (llm_tokens / 1000000.0)::DOUBLE, 'pricing_unit': '1M tokens'}}
                 ELSE {{'amount': (({h(11)} % 3600000) / 1000.0)::DOUBLE, 'unit': 'seconds',
                       'amount_in_pricing_units': (({h(11)} % 3600000) / 3600000.0)::DOUBLE, 'pricing_unit': 'hour'}} END AS usage,
            CASE WHEN {h(12)} % 3 = 0
                 THEN [{{'name': 'Demo credit', 'amount': -round(cost * (({h(13)} % 40) / 100.0), 10)::DOUBLE,
                         'full_name': NULL, 'id': 'credit-' || ({h(13)} % 7)::VARCHAR, 'type': {pick(CREDIT_TYPES, 14)}}}]
                 ELSE [] END AS credits,
            {{'month': '{month:%Y%m}', 'publisher_type': NULL}} AS invoice,
            CASE WHEN {h(15)} % 50 = 0 THEN 'tax' WHEN {h(15)} % 60 = 1 THEN 'adjustment' ELSE 'regular' END AS cost_type,
            CASE WHEN vertex THEN {{'effective_price': (llm_price / 1000.0)::DOUBLE, 'tier_start_amount': 0.0, 'unit': '1M tokens',
                                    'pricing_unit_quantity': 1000000.0}}
                 ELSE {{'effective_price': (({h(16)} % 1000000) / 10000000.0)::DOUBLE, 'tier_start_amount': 0.0, 'unit': 'hour',
                       'pricing_unit_quantity': 1.0}} END AS price
        FROM (
        -- a Vertex AI line costs its tokens times the SKU's price (10 decimals, written as a JSON number like the rest)
        SELECT *, CASE WHEN vertex THEN round(llm_tokens * llm_price / 1e9, 10)::DOUBLE ELSE raw_cost END AS cost
        FROM (
            SELECT i,
                TIMESTAMP '{month:%Y-%m-%d}' + to_hours(({h(3)} % {hours})::INTEGER) AS ts,
                CASE WHEN {h(17)} % 20 = 0 THEN round(({h(18)} % 100000000000) / 1e8, 10)
                     ELSE round(({h(18)} % 5000000000) / 1e9, 10) END::DOUBLE AS raw_cost,
                {pick([d for _, d in SERVICES], 1)} = 'Vertex AI' AS vertex,
                1 + {rehash(20)} % 3000000 AS llm_tokens,  -- up to 3M tokens a line
                [{', '.join(str(p) for _, _, p in VERTEX_SKUS)}][{sku}]::BIGINT AS llm_price,
                {pick([r for r, _ in REGIONS], 19)} AS region,
                {sql_list([c for _, c in REGIONS])}[1 + ({h(19)} % {len(REGIONS)})::INTEGER] AS country
            FROM range(?, ?) t(i)
        )
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
