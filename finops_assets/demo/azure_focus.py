"""Demo Azure Cost Management FOCUS exports: manifest.json runs with Parquet or CSV.gz blobs.

Rows are computed by DuckDB SQL from hashes of (seed, month, run, row) like the AWS demo, and use the same
environments, teams, services and cost centers (as the FOCUS `Tags` JSON), so downstream facts show both
clouds side by side. Every third calendar month is delivered as CSV.gz, the rest as Parquet; the newest month is
exported twice (month-to-date re-export), the later run with more rows. Azure OpenAI rows carry token meters
(OPENAI_METERS: x_SkuMeterName, ConsumedQuantity in `1K Tokens` / `1M Tokens`) costing tokens x price exactly,
and customer_id / project_id tags.
"""

from __future__ import annotations

import json
import shutil
import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

import duckdb

from finops_assets.demo.dimensions import (
    APP_SERVICES,
    COST_CENTERS,
    CUSTOMERS,
    ENVIRONMENTS,
    LLM_PROJECTS,
    TEAMS,
    decimal_text,
    next_month,
    sql_list,
)

SERVICES = [
    ("Virtual Machines", "Compute"), ("Storage", "Storage"), ("Azure SQL Database", "Databases"),
    ("Azure Functions", "Compute"), ("Azure OpenAI Service", "AI and Machine Learning"),
    ("Azure Cosmos DB", "Databases"), ("Azure Front Door", "Networking"),
]
REGIONS = [("eastus", "East US"), ("westus2", "West US 2"), ("westeurope", "West Europe"),
           ("germanywestcentral", "Germany West Central"), ("southeastasia", "Southeast Asia")]
CHARGE_CATEGORIES = [("Usage", 80), ("Purchase", 88), ("Tax", 93), ("Credit", 97), ("Adjustment", 100)]
# Azure OpenAI meters as Cost Management names them (x_SkuMeterName; meter category Cognitive Services,
# subcategory Azure OpenAI), with their unit of measure (x_PricingUnitDescription: "1K" or "1M" tokens, both
# occur side by side) and price per token in 1e-11 USD. ConsumedQuantity is in that unit ("1K Tokens").
OPENAI_METERS = [
    ("gpt-4o-0806-Inp-glbl Tokens", "1K", 250000),  # $0.0025 per 1K tokens
    ("gpt-4o-0806-Outp-glbl Tokens", "1K", 1000000),  # $0.01 per 1K
    ("gpt 4o 1120 cached Inp glbl Tokens", "1K", 125000),  # $0.00125 per 1K
    ("gpt-4o-mini-0718-Inp-glbl Tokens", "1M", 15000),  # $0.15 per 1M
    ("gpt-4o-mini-0718-Outp-glbl Tokens", "1M", 60000),  # $0.60 per 1M
]
ROOT_FOLDER = "exports/focus"
EXPORT_NAME = "finops-demo-focus"


@dataclass(frozen=True)
class GeneratedRun:
    billing_month: date
    run_id: str
    manifest_key: str
    data_keys: tuple[str, ...]
    row_count: int
    file_format: str


def _select(month: date, seed: int, version: int) -> str:
    h = lambda k: f"hash(i, {seed}, {month.year * 12 + month.month}, {version}, {k})"  # noqa: E731
    pick = lambda values, k: f"{sql_list(values)}[1 + ({h(k)} % {len(values)})::INTEGER]"  # noqa: E731
    hours = (next_month(month) - month).days * 24
    category = "CASE " + " ".join(f"WHEN {h(1)} % 100 < {cut} THEN '{name}'" for name, cut in CHARGE_CATEGORIES) + " END"
    cost = f"CASE WHEN {h(2)} % 20 = 0 THEN {decimal_text(f'{h(3)} % 100000000000000', 11)} ELSE {decimal_text(f'{h(3)} % 500000000000', 11)} END"
    key_space = f"CASE WHEN {h(9)} % 7 = 0 THEN ' team' ELSE 'team' END"  # EA-style stray spaces in some keys
    tags = (
        f"CASE WHEN {h(8)} % 10 = 0 THEN '{{}}' WHEN openai THEN json_object('environment', {pick(ENVIRONMENTS, 10)}, {key_space}, "
        f"{pick(TEAMS, 11)}, 'service', {pick(APP_SERVICES, 12)}, 'cost-center', {pick(COST_CENTERS, 13)}, "
        f"'customer_id', {pick(CUSTOMERS, 20)}, 'project_id', {pick(LLM_PROJECTS, 21)})::VARCHAR "
        f"ELSE json_object('environment', {pick(ENVIRONMENTS, 10)}, {key_space}, "
        f"{pick(TEAMS, 11)}, 'service', {pick(APP_SERVICES, 12)}, 'cost-center', {pick(COST_CENTERS, 13)})::VARCHAR END"
    )
    meter = f"1 + ({h(19)} % {len(OPENAI_METERS)})::INTEGER"
    block = f"CASE WHEN {sql_list([u for _, u, _ in OPENAI_METERS])}[{meter}] = '1M' THEN 1000000 ELSE 1000 END"
    price = f"[{', '.join(str(p) for _, _, p in OPENAI_METERS)}][{meter}]::BIGINT"
    tokens = f"(1 + {h(22)} % 3000000)"  # up to 3M tokens a line
    # quantity in the meter's unit: thousands (3 decimals) or millions (6 decimals) of tokens, exact
    openai_quantity = (
        f"CASE WHEN llm_unit = '1M' THEN {decimal_text('llm_tokens', 6)} ELSE {decimal_text('llm_tokens', 3)} END"
    )
    usage_quantity = f"CASE WHEN openai_usage THEN {openai_quantity} WHEN cat = 'Usage' THEN {decimal_text(f'{h(16)} % 100000000', 6)} ELSE NULL END"
    unit_price = f"CASE WHEN openai_usage THEN {decimal_text('llm_price * llm_block', 11)} WHEN cat = 'Usage' THEN {decimal_text(f'{h(18)} % 10000000000', 11)} ELSE NULL END"
    return f"""
        SELECT
            CASE WHEN cat = 'Credit' THEN '-' || cost ELSE cost END::DECIMAL(38,11) AS BilledCost,
            CASE WHEN cat = 'Purchase' THEN '0' WHEN cat = 'Credit' THEN '-' || cost ELSE cost END::DECIMAL(38,11) AS EffectiveCost,
            CASE WHEN cat = 'Usage' THEN cost ELSE NULL END::DECIMAL(38,11) AS ListCost,
            CASE WHEN cat = 'Usage' THEN cost ELSE NULL END::DECIMAL(38,11) AS ContractedCost,
            TIMESTAMP '{month:%Y-%m-%d}' AS BillingPeriodStart,
            TIMESTAMP '{next_month(month):%Y-%m-%d}' AS BillingPeriodEnd,
            ts AS ChargePeriodStart,
            ts + INTERVAL 1 HOUR AS ChargePeriodEnd,
            cat AS ChargeCategory,
            CASE WHEN cat = 'Adjustment' THEN 'Correction' ELSE NULL END AS ChargeClass,
            CASE WHEN cat = 'Purchase' THEN 'One-Time' ELSE 'Usage-Based' END AS ChargeFrequency,
            service || ' ' || lower(cat) || ', ' || region_name AS ChargeDescription,
            'USD' AS BillingCurrency,
            '0000-1111-2222' AS BillingAccountId,
            'Demo Billing Account' AS BillingAccountName,
            sub_id AS SubAccountId,
            'demo-' || sub_id AS SubAccountName,
            'Microsoft' AS ProviderName, 'Microsoft' AS PublisherName, 'Microsoft' AS InvoiceIssuerName,
            service AS ServiceName,
            service_category AS ServiceCategory,
            region AS RegionId,
            region_name AS RegionName,
            CASE WHEN cat IN ('Tax', 'Credit') THEN NULL ELSE '/subscriptions/' || sub_id || '/resourceGroups/rg-' || ({h(14)} % 20)::VARCHAR || '/providers/microsoft.compute/res-' || ({h(15)} % 500)::VARCHAR END AS ResourceId,
            CASE WHEN cat IN ('Tax', 'Credit') THEN NULL ELSE 'res-' || ({h(15)} % 500)::VARCHAR END AS ResourceName,
            CASE WHEN service = 'Virtual Machines' THEN 'Virtual machine' ELSE service END AS ResourceType,
            ({usage_quantity})::DECIMAL(38,6) AS ConsumedQuantity,
            CASE WHEN openai_usage THEN llm_unit || ' Tokens' WHEN cat = 'Usage' AND service = 'Azure Front Door' THEN 'GB' WHEN cat = 'Usage' THEN 'Hours' ELSE NULL END AS ConsumedUnit,
            ({usage_quantity})::DECIMAL(38,6) AS PricingQuantity,
            CASE WHEN openai_usage THEN llm_unit || ' Tokens' WHEN cat = 'Usage' AND service = 'Azure Front Door' THEN 'GB' WHEN cat = 'Usage' THEN 'Hours' ELSE NULL END AS PricingUnit,
            CASE WHEN {h(17)} % 5 = 0 THEN 'Committed' ELSE 'Standard' END AS PricingCategory,
            ({unit_price})::DECIMAL(38,11) AS ListUnitPrice,
            ({unit_price})::DECIMAL(38,11) AS ContractedUnitPrice,
            CASE WHEN openai_usage THEN upper(substr(md5(llm_meter), 1, 12)) ELSE upper(substr(md5(service), 1, 12)) END AS SkuId,
            upper(substr(md5(service || region), 1, 12)) AS SkuPriceId,
            NULL AS CommitmentDiscountCategory, NULL AS CommitmentDiscountId, NULL AS CommitmentDiscountName,
            NULL AS CommitmentDiscountStatus, NULL AS CommitmentDiscountType, NULL AS AvailabilityZone,
            {tags} AS Tags,
            'rg-' || ({h(14)} % 20)::VARCHAR AS x_ResourceGroupName,
            CASE WHEN openai THEN 'Cognitive Services' ELSE service END AS x_SkuMeterCategory,
            CASE WHEN openai THEN 'Azure OpenAI' ELSE NULL END AS x_SkuMeterSubcategory,
            CASE WHEN openai_usage THEN llm_meter ELSE NULL END AS x_SkuMeterName,
            CASE WHEN openai_usage THEN llm_unit WHEN cat = 'Usage' THEN '1 Hour' ELSE NULL END AS x_PricingUnitDescription,
            CASE WHEN openai_usage THEN llm_block WHEN cat = 'Usage' THEN 1 ELSE NULL END::DECIMAL(38,0) AS x_PricingBlockSize,
            CASE WHEN cat = 'Credit' THEN '-' || cost ELSE cost END::DECIMAL(38,11) AS x_BilledCostInUsd
        FROM (
        -- Azure OpenAI pay-as-you-go usage: one meter per model and token direction, costing tokens x price exactly.
        SELECT *,
            CASE WHEN openai_usage THEN {decimal_text('llm_tokens * llm_price', 11)} ELSE raw_cost END AS cost
        FROM (
        SELECT *,
            CASE WHEN openai AND raw_cat NOT IN ('Tax', 'Credit') THEN 'Usage' ELSE raw_cat END AS cat,
            openai AND raw_cat NOT IN ('Tax', 'Credit') AS openai_usage,
            {sql_list([m for m, _, _ in OPENAI_METERS])}[{meter}] AS llm_meter,
            {sql_list([u for _, u, _ in OPENAI_METERS])}[{meter}] AS llm_unit,
            {block} AS llm_block,
            {price} AS llm_price,
            {tokens} AS llm_tokens
        FROM (
            SELECT i, {category} AS raw_cat, {cost} AS raw_cost,
                TIMESTAMP '{month:%Y-%m-%d}' + to_hours(({h(4)} % {hours})::INTEGER) AS ts,
                {pick([s for s, _ in SERVICES], 5)} AS service,
                {sql_list([c for _, c in SERVICES])}[1 + ({h(5)} % {len(SERVICES)})::INTEGER] AS service_category,
                {pick([r for r, _ in REGIONS], 6)} AS region,
                {sql_list([n for _, n in REGIONS])}[1 + ({h(6)} % {len(REGIONS)})::INTEGER] AS region_name,
                ['a1b2c3d4-0001', 'a1b2c3d4-0002'][1 + ({h(7)} % 2)::INTEGER] AS sub_id,
                {pick([s for s, _ in SERVICES], 5)} = 'Azure OpenAI Service' AS openai
            FROM range(?, ?) t(i)
        )
        )
        )
        ORDER BY i
    """


def _write_run(con, landing_root: Path, prefix: str, month: date, version: int, rows: int, seed: int,
               file_format: str, submitted: datetime, parts: int = 2) -> GeneratedRun:
    period = f"{month:%Y%m%d}-{next_month(month):%Y%m%d}"
    run_id = str(uuid.uuid5(uuid.NAMESPACE_URL, f"finops-demo-azure/{seed}/{month:%Y-%m}/{version}"))
    folder = landing_root / prefix / ROOT_FOLDER / EXPORT_NAME / period / run_id
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    bounds = [rows * p // parts for p in range(parts + 1)]
    blobs, keys = [], []
    for part in range(parts):
        extension = "snappy.parquet" if file_format == "Parquet" else "csv.gz"
        path = folder / f"part_0_{part + 1:04d}.{extension}"
        options = "(FORMAT parquet, COMPRESSION snappy)" if file_format == "Parquet" else "(FORMAT csv, HEADER true, COMPRESSION gzip)"
        con.execute(f"COPY ({_select(month, seed, version)}) TO '{path}' {options}", [bounds[part], bounds[part + 1]])
        blob_name = f"{ROOT_FOLDER}/{EXPORT_NAME}/{period}/{run_id}/{path.name}"
        blobs.append({"blobName": blob_name, "byteCount": path.stat().st_size, "dataRowCount": bounds[part + 1] - bounds[part]})
        keys.append(path.relative_to(landing_root).as_posix())
    manifest = {
        "manifestVersion": "2024-04-01",
        "byteCount": sum(b["byteCount"] for b in blobs),
        "blobCount": len(blobs),
        "dataRowCount": rows,
        "exportConfig": {
            "exportName": EXPORT_NAME,
            "resourceId": f"/providers/Microsoft.Billing/billingAccounts/0000-1111-2222/providers/Microsoft.CostManagement/exports/{EXPORT_NAME}",
            "dataVersion": "1.0", "apiVersion": "2023-07-01-preview", "type": "FocusCost",
            "timeFrame": "MonthToDate", "granularity": "Daily",
        },
        "deliveryConfig": {
            "partitionData": True, "dataOverwriteBehavior": "CreateNewReport", "fileFormat": file_format,
            "compressionMode": "Snappy" if file_format == "Parquet" else "Gzip",
            "containerUri": "/subscriptions/a1b2c3d4-0001/resourceGroups/finops/providers/Microsoft.Storage/storageAccounts/finopsexports",
            "rootFolderPath": ROOT_FOLDER,
        },
        "runInfo": {
            "executionType": "Scheduled",
            "submittedTime": submitted.strftime("%Y-%m-%dT%H:%M:%S.%f") + "1Z",  # Azure writes 7 fractional digits
            "runId": run_id,
            "startDate": f"{month:%Y-%m-%d}T00:00:00",  # no zone, as Azure writes it
            "endDate": f"{(next_month(month) - timedelta(days=1)):%Y-%m-%d}T00:00:00Z",
        },
        "blobs": blobs,
    }
    manifest_path = folder / "manifest.json"
    manifest_path.write_text(json.dumps(manifest, indent=2))  # last: the run is complete once it is there
    return GeneratedRun(month, run_id, manifest_path.relative_to(landing_root).as_posix(), tuple(keys), rows, file_format)


def _file_format(month: date) -> str:
    return "Csv" if month.month % 3 == 0 else "Parquet"  # an export's format is fixed per month here


def _first_submission(month: date) -> datetime:
    return datetime(month.year, month.month, 3, 6, 12, 45, 123456)


def generate_azure_focus(landing_root: Path, months: list[date], rows_per_month: int, seed: int, *,
                         prefix: str = "azure_focus", rerun_months: int = 1) -> list[GeneratedRun]:
    """One run per month (CSV.gz every third month, Parquet otherwise); the newest `rerun_months` months get
    a later, larger re-export run that supersedes the first."""
    ordered = sorted(months)
    written = []
    con = duckdb.connect()
    try:
        con.execute("SET TimeZone='UTC'")
        for month in ordered:
            file_format = _file_format(month)
            first = _first_submission(month)
            written.append(_write_run(con, Path(landing_root), prefix, month, 1, rows_per_month, seed, file_format, first))
            if month in ordered[len(ordered) - rerun_months :]:
                written.append(_write_run(
                    con, Path(landing_root), prefix, month, 2, rows_per_month + rows_per_month // 20 + 1, seed,
                    file_format, first + timedelta(days=2),
                ))
    finally:
        con.close()
    return written


def rerun_azure_focus(landing_root: Path, months: list[date], rows_per_month: int, seed: int, *,
                      prefix: str = "azure_focus") -> list[GeneratedRun]:
    """A later month-to-date re-export of months already generated: a new run that supersedes the first."""
    ordered = sorted(months)
    con = duckdb.connect()
    try:
        con.execute("SET TimeZone='UTC'")
        return [
            _write_run(
                con, Path(landing_root), prefix, month, 2, rows_per_month + rows_per_month // 20 + 1, seed,
                _file_format(month), _first_submission(month) + timedelta(days=2),
            )
            for month in ordered
        ]
    finally:
        con.close()
