"""Demo AWS CUR v1 exports, written the way AWS delivers them, fast enough for benchmark volumes.

Every cell is computed by DuckDB SQL from a hash of (seed, month, row, field), so output is reproducible
whatever the thread count, and 10 million rows take minutes, not hours: no row passes through Python.
The text is deliberately awkward where real exports are: costs with 10 decimals and some in E-notation,
empty numeric cells, descriptions holding commas, quotes and newlines, untagged rows, several line item
types, several CSV.gz parts per month, and restated months (a second assembly, by default with one more tag column).

Dimension values (services, regions, environments, teams) are shared with the other clouds' demo data.
Amazon Bedrock lines are LLM usage as CUR writes it (BEDROCK_USAGE): one usage type per model and token type, in
thousands of tokens priced per `1K tokens` (or per image), costing quantity x rate exactly, tagged with the
customer and project they served (user:CustomerId, user:ProjectId).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import uuid
from concurrent.futures import ThreadPoolExecutor
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
    decimal_text,
    next_month,
    sql_list,
)

SERVICES = ["AmazonEC2", "AmazonS3", "AmazonRDS", "AWSLambda", "AmazonCloudFront", "AmazonBedrock", "AmazonDynamoDB"]
REGIONS = ["us-east-1", "us-west-2", "eu-west-1", "eu-central-1", "ap-southeast-1"]
REGION_NAMES = ["US East (N. Virginia)", "US West (Oregon)", "EU (Ireland)", "EU (Frankfurt)", "Asia Pacific (Singapore)"]
_FIELD_DRAW = re.compile(r"\bh\((\d+)\)")
# Amazon Bedrock on-demand usage as CUR names it: the usage type is `<region prefix>-<model>-<token type>`
# (`USE1-Claude3Sonnet-input-tokens`, `-output-tokens`, `-cache-read-input-token-count`), priced per
# `1K tokens`, with lineItem/UsageAmount in thousands of tokens; image models bill per image
# (`USE1-NovaCanvas-T2I-1024-Standard`). (usage type after the prefix, pricing/unit, rate in 1e-7 USD per unit)
BEDROCK_USAGE = [
    ("Claude3Sonnet-input-tokens", "1K tokens", 30000),  # $0.003 per 1K input tokens
    ("Claude3Sonnet-output-tokens", "1K tokens", 150000),  # $0.015
    ("Claude3Haiku-input-tokens", "1K tokens", 2500),  # $0.00025
    ("Claude3Haiku-output-tokens", "1K tokens", 12500),  # $0.00125
    ("NovaPro-input-tokens", "1K tokens", 8000),  # $0.0008
    ("NovaPro-output-tokens", "1K tokens", 32000),  # $0.0032
    ("NovaPro-cache-read-input-token-count", "1K tokens", 2000),  # $0.0002
    ("NovaCanvas-T2I-1024-Standard", "Image", 400000),  # $0.04 per image
]
# Cumulative percent thresholds of the line item type mix.
LINE_ITEM_TYPES = [
    ("Usage", 68), ("DiscountedUsage", 76), ("SavingsPlanCoveredUsage", 84), ("Tax", 88),
    ("Credit", 92), ("RIFee", 96), ("SavingsPlanRecurringFee", 100),
]


@dataclass(frozen=True)
class GeneratedAssembly:
    billing_month: date
    assembly_id: str
    manifest_key: str  # landing-relative key of the month-level manifest
    data_keys: tuple[str, ...]
    row_count: int








def _pick(values: list[str], field: int) -> str:
    return f"{sql_list(values)}[1 + (h({field}) % {len(values)})::INTEGER]"




def _columns(extra_tag: bool) -> list[tuple[str, str, str, str]]:
    """(category, name, manifest type, SQL expression) in manifest order. `lt` is the line item type,
    `cost` the unblended cost text, `ts` the usage start; defined in the row CTE."""
    tag = lambda field, values: f"CASE WHEN untagged THEN NULL ELSE {_pick(values, field)} END"  # noqa: E731
    usage = "lt IN ('Usage', 'DiscountedUsage', 'SavingsPlanCoveredUsage')"
    # Bedrock's rate is its price per unit; other services draw one.
    rate = f"CASE WHEN bedrock THEN {decimal_text('llm_rate * 1000', 10)} ELSE {decimal_text('h(11) % 10000000000', 10)} END"
    columns = [
        ("identity", "LineItemId", "String", "md5(concat(seed, '-', month_index, '-', version, '-', i))"),
        ("identity", "TimeInterval", "Interval", "strftime(ts, '%Y-%m-%dT%H:00:00Z') || '/' || strftime(ts + INTERVAL 1 HOUR, '%Y-%m-%dT%H:00:00Z')"),
        ("bill", "InvoiceId", "String", "CASE WHEN month_closed THEN 'EUINUS' || (1000000 + month_index)::VARCHAR ELSE NULL END"),
        ("bill", "InvoicingEntity", "String", "'Amazon Web Services, Inc.'"),
        ("bill", "BillingEntity", "String", "CASE WHEN service = 'AmazonBedrock' AND h(40) % 5 = 0 THEN 'AWS Marketplace' ELSE 'AWS' END"),
        ("bill", "BillType", "String", "'Anniversary'"),
        ("bill", "PayerAccountId", "String", "payer"),
        ("bill", "BillingPeriodStartDate", "DateTime", "strftime(month_start, '%Y-%m-%dT%H:%M:%S.000Z')"),
        ("bill", "BillingPeriodEndDate", "DateTime", "strftime(month_end, '%Y-%m-%dT%H:%M:%S.000Z')"),
        ("lineItem", "UsageAccountId", "String", "['111122223333', '444455556666', '777788889999'][1 + (h(41) % 3)::INTEGER]"),
        ("lineItem", "LineItemType", "String", "lt"),
        ("lineItem", "UsageStartDate", "DateTime", "strftime(ts, '%Y-%m-%dT%H:%M:%S.000Z')"),
        ("lineItem", "UsageEndDate", "DateTime", "strftime(ts + INTERVAL 1 HOUR, '%Y-%m-%dT%H:%M:%S.000Z')"),
        ("lineItem", "ProductCode", "String", "service"),
        ("lineItem", "UsageType", "String", "CASE WHEN lt = 'Tax' THEN 'Tax' ELSE usage_type END"),
        ("lineItem", "Operation", "String", "CASE WHEN lt = 'Tax' THEN '' WHEN service = 'AmazonEC2' THEN 'RunInstances' WHEN service = 'AmazonBedrock' THEN 'InvokeModel' ELSE 'Operation' END"),
        ("lineItem", "AvailabilityZone", "String", f"CASE WHEN {usage} AND service IN ('AmazonEC2', 'AmazonRDS') THEN region || chr(97 + (h(42) % 3)::INTEGER) ELSE NULL END"),
        ("lineItem", "ResourceId", "String", f"CASE WHEN {usage} THEN resource_id ELSE NULL END"),
        ("lineItem", "UsageAmount", "BigDecimal", f"CASE WHEN bedrock AND {usage} THEN {decimal_text('llm_milli', 3)} WHEN {usage} THEN {decimal_text('h(10) % 100000000', 6)} ELSE '1' END"),
        ("lineItem", "NormalizationFactor", "OptionalBigDecimal", "CASE WHEN service = 'AmazonEC2' AND lt <> 'Tax' THEN ['0.5', '1', '4', '8'][1 + (h(43) % 4)::INTEGER] ELSE NULL END"),
        ("lineItem", "NormalizedUsageAmount", "OptionalBigDecimal", f"CASE WHEN service = 'AmazonEC2' AND {usage} THEN {decimal_text('h(10) % 100000000', 6)} ELSE NULL END"),
        ("lineItem", "CurrencyCode", "String", "'USD'"),
        ("lineItem", "UnblendedRate", "OptionalBigDecimal", f"CASE WHEN {usage} THEN {rate} ELSE NULL END"),
        ("lineItem", "UnblendedCost", "BigDecimal", "cost"),
        ("lineItem", "BlendedRate", "OptionalBigDecimal", f"CASE WHEN {usage} THEN {rate} ELSE NULL END"),
        ("lineItem", "BlendedCost", "BigDecimal", "cost"),
        ("lineItem", "LineItemDescription", "String", "description"),
        ("lineItem", "TaxType", "String", "CASE WHEN lt = 'Tax' THEN 'VAT' ELSE NULL END"),
        ("lineItem", "LegalEntity", "String", "'Amazon Web Services, Inc.'"),
        ("product", "ProductName", "String", "product_name"),
        ("product", "productFamily", "String", "CASE WHEN lt = 'Tax' THEN NULL WHEN service = 'AmazonEC2' THEN 'Compute Instance' WHEN service = 'AmazonS3' THEN 'Storage' WHEN service = 'AmazonBedrock' THEN 'Generative AI' ELSE 'Service' END"),
        ("product", "region", "String", "region"),
        ("product", "regionCode", "String", "region"),
        ("product", "location", "String", "region_name"),
        ("product", "fromRegionCode", "String", "CASE WHEN service = 'AmazonCloudFront' THEN region ELSE NULL END"),
        ("product", "toRegionCode", "String", "CASE WHEN service = 'AmazonCloudFront' THEN 'global' ELSE NULL END"),
        ("product", "instanceType", "String", "CASE WHEN service IN ('AmazonEC2', 'AmazonRDS') THEN ['m5.large', 'c6g.xlarge', 'r6i.2xlarge', 't3.micro'][1 + (h(44) % 4)::INTEGER] ELSE NULL END"),
        ("product", "operatingSystem", "String", "CASE WHEN service = 'AmazonEC2' THEN 'Linux' ELSE NULL END"),
        ("product", "servicecode", "String", "service"),
        ("product", "sku", "String", "upper(substr(md5(service || usage_kind), 1, 16))"),
        ("product", "usagetype", "String", "usage_type"),
        ("pricing", "RateCode", "String", "upper(substr(md5(service || usage_kind), 1, 16)) || '.JRTCKXETXF.6YS6EN2CT7'"),
        ("pricing", "RateId", "String", "(100000000 + h(45) % 900000000)::VARCHAR"),
        ("pricing", "currency", "String", "'USD'"),
        ("pricing", "publicOnDemandCost", "OptionalBigDecimal", f"CASE WHEN {usage} THEN on_demand ELSE NULL END"),
        ("pricing", "publicOnDemandRate", "OptionalBigDecimal", f"CASE WHEN {usage} THEN {rate} ELSE NULL END"),
        ("pricing", "term", "String", "CASE WHEN lt IN ('DiscountedUsage', 'RIFee') THEN 'Reserved' WHEN lt = 'Tax' THEN NULL ELSE 'OnDemand' END"),
        ("pricing", "unit", "String", "CASE WHEN service = 'AmazonS3' THEN 'GB-Mo' WHEN service = 'AmazonCloudFront' THEN 'GB' WHEN bedrock THEN llm_unit ELSE 'Hrs' END"),
        ("reservation", "AmortizedUpfrontCostForUsage", "OptionalBigDecimal", f"CASE WHEN lt = 'DiscountedUsage' THEN {decimal_text('h(20) % 10000000000', 10)} ELSE NULL END"),
        ("reservation", "AmortizedUpfrontFeeForBillingPeriod", "OptionalBigDecimal", f"CASE WHEN lt = 'RIFee' THEN {decimal_text('h(21) % 100000000000000', 10)} ELSE NULL END"),
        ("reservation", "EffectiveCost", "OptionalBigDecimal", f"CASE WHEN lt = 'DiscountedUsage' THEN {decimal_text('h(22) % 30000000000', 10)} ELSE NULL END"),
        ("reservation", "RecurringFeeForUsage", "OptionalBigDecimal", f"CASE WHEN lt = 'DiscountedUsage' THEN {decimal_text('h(23) % 10000000000', 10)} ELSE NULL END"),
        ("reservation", "UnusedAmortizedUpfrontFeeForBillingPeriod", "OptionalBigDecimal", f"CASE WHEN lt = 'RIFee' THEN {decimal_text('h(24) % 2000000000', 10)} ELSE NULL END"),
        ("reservation", "UnusedRecurringFee", "OptionalBigDecimal", f"CASE WHEN lt = 'RIFee' THEN {decimal_text('h(25) % 2000000000', 10)} ELSE NULL END"),
        ("reservation", "ReservationARN", "String", "CASE WHEN lt IN ('DiscountedUsage', 'RIFee') THEN 'arn:aws:ec2:' || region || ':' || payer || ':reserved-instances/' || substr(md5(region || (h(26) % 4)::VARCHAR), 1, 12) ELSE NULL END"),
        ("reservation", "NumberOfReservations", "OptionalString", "CASE WHEN lt = 'RIFee' THEN (1 + h(27) % 8)::VARCHAR ELSE NULL END"),
        ("savingsPlan", "SavingsPlanARN", "String", "CASE WHEN lt IN ('SavingsPlanCoveredUsage', 'SavingsPlanRecurringFee') THEN 'arn:aws:savingsplans::' || payer || ':savingsplan/' || substr(md5((h(28) % 3)::VARCHAR), 1, 12) ELSE NULL END"),
        ("savingsPlan", "SavingsPlanRate", "OptionalBigDecimal", f"CASE WHEN lt = 'SavingsPlanCoveredUsage' THEN {decimal_text('h(29) % 10000000000', 10)} ELSE NULL END"),
        ("savingsPlan", "SavingsPlanEffectiveCost", "OptionalBigDecimal", f"CASE WHEN lt = 'SavingsPlanCoveredUsage' THEN {decimal_text('h(30) % 30000000000', 10)} ELSE NULL END"),
        # The commitment is the fee itself; 90% of it was used (exact decimal arithmetic, no float).
        ("savingsPlan", "TotalCommitmentToDate", "OptionalBigDecimal", "CASE WHEN lt = 'SavingsPlanRecurringFee' THEN cost ELSE NULL END"),
        ("savingsPlan", "UsedCommitment", "OptionalBigDecimal", "CASE WHEN lt = 'SavingsPlanRecurringFee' THEN (cost::DECIMAL(38,10) * 0.9)::DECIMAL(38,11)::VARCHAR ELSE NULL END"),
        ("savingsPlan", "AmortizedUpfrontCommitmentForBillingPeriod", "OptionalBigDecimal", "CASE WHEN lt = 'SavingsPlanRecurringFee' THEN '0' ELSE NULL END"),
        ("savingsPlan", "RecurringCommitmentForBillingPeriod", "OptionalBigDecimal", "CASE WHEN lt = 'SavingsPlanRecurringFee' THEN cost ELSE NULL END"),
        ("resourceTags", "aws:createdBy", "OptionalString", "CASE WHEN untagged OR h(33) % 4 <> 0 THEN NULL ELSE 'AssumedRole:AROAEXAMPLE:deployer' END"),
        ("resourceTags", "user:Cost Center", "OptionalString", tag(34, COST_CENTERS)),
        ("resourceTags", "user:Environment", "OptionalString", tag(35, ENVIRONMENTS)),
        ("resourceTags", "user:Service", "OptionalString", tag(36, APP_SERVICES)),
        ("resourceTags", "user:Team", "OptionalString", tag(37, TEAMS)),
        # Bedrock application inference profiles tagged per customer and project.
        ("resourceTags", "user:CustomerId", "OptionalString", f"CASE WHEN bedrock THEN {tag(46, CUSTOMERS)} ELSE NULL END"),
        ("resourceTags", "user:ProjectId", "OptionalString", f"CASE WHEN bedrock THEN {tag(48, LLM_PROJECTS)} ELSE NULL END"),
    ]
    if extra_tag:
        columns.append(("resourceTags", "user:Project", "OptionalString", tag(38, ["apollo", "gemini", "mercury"])))
    return columns


def _row_cte(seed: int, month: date, month_index: int, version: int, closed: bool, payer: str = "123456789012") -> str:
    """Per-row derived values every column expression can use."""
    hours = (next_month(month) - month).days * 24
    lt_case = "CASE " + " ".join(f"WHEN h(1) % 100 < {cut} THEN '{name}'" for name, cut in LINE_ITEM_TYPES) + " END"
    # Mostly cents to dollars, one row in twenty up to $1,000; always 10 decimals.
    cost = f"CASE WHEN h(19) % 20 = 0 THEN {decimal_text('h(12) % 10000000000000', 10)} ELSE {decimal_text('h(12) % 50000000000', 10)} END"
    tiny = "((1 + h(13) % 9)::VARCHAR || '.' || lpad((h(14) % 1000)::VARCHAR, 3, '0') || 'E-' || (5 + h(15) % 4)::VARCHAR)"
    # Bedrock usage costs exactly its quantity (1e-3 units) times its rate (1e-7 USD): 10 decimals.
    llm_cost = decimal_text("llm_milli * llm_rate", 10)
    bedrock_kinds = sql_list([k for k, _, _ in BEDROCK_USAGE])
    bedrock_pick = f"1 + (h(47) % {len(BEDROCK_USAGE)})::INTEGER"
    return f"""
        SELECT *,
            CASE
                WHEN lt = 'DiscountedUsage' THEN '0'
                WHEN lt = 'Credit' THEN '-' || {decimal_text('h(12) % 100000000000', 10)}
                WHEN bedrock AND lt = 'Usage' THEN {llm_cost}
                WHEN h(16) % 25 = 0 THEN {tiny}
                WHEN lt = 'Tax' THEN {decimal_text('h(12) % 20000000000', 10)}
                ELSE {cost}
            END AS cost,
            CASE WHEN bedrock THEN {llm_cost} ELSE {cost} END AS on_demand,
            CASE
                WHEN h(17) % 20 = 0 THEN '$' || {decimal_text('h(11) % 10000000000', 10)} || ' per ' || usage_kind || ', "' || region_name || '" rate,' || chr(10) || 'continued'
                WHEN lt = 'Tax' THEN 'Tax for product code ' || service
                WHEN lt = 'Credit' THEN 'AWS Credits, promotional'
                ELSE usage_kind || ' in ' || region_name
            END AS description
        FROM (
        -- Bedrock has no reservations or savings plans: its usage is on demand (or tax / credit lines).
        SELECT *,
            CASE WHEN bedrock AND raw_lt NOT IN ('Tax', 'Credit') THEN 'Usage' ELSE raw_lt END AS lt,
            CASE WHEN bedrock THEN {bedrock_kinds}[{bedrock_pick}] ELSE base_kind END AS usage_kind,
            region_prefix || CASE WHEN bedrock THEN '-' ELSE ':' END
                || CASE WHEN bedrock THEN {bedrock_kinds}[{bedrock_pick}] ELSE base_kind END AS usage_type,
            CASE WHEN bedrock THEN {sql_list([u for _, u, _ in BEDROCK_USAGE])}[{bedrock_pick}] END AS llm_unit,
            CASE WHEN bedrock THEN [{", ".join(str(r) for _, _, r in BEDROCK_USAGE)}][{bedrock_pick}] END AS llm_rate,
            -- thousands of tokens with 3 decimals (up to 2M tokens a line), or whole images
            CASE WHEN NOT bedrock THEN NULL
                 WHEN {sql_list([u for _, u, _ in BEDROCK_USAGE])}[{bedrock_pick}] = 'Image' THEN (1 + h(49) % 40) * 1000
                 ELSE 1 + h(49) % 2000000 END AS llm_milli
        FROM (
            SELECT i, {seed} AS seed, {month_index} AS month_index, {version} AS version, {str(closed).lower()} AS month_closed,
                TIMESTAMP '{month:%Y-%m-%d}' AS month_start, TIMESTAMP '{next_month(month):%Y-%m-%d}' AS month_end,
                TIMESTAMP '{month:%Y-%m-%d}' + to_hours((h(9) % {hours})::INTEGER) AS ts,
                '{payer}' AS payer,
                {lt_case} AS raw_lt,
                {_pick(SERVICES, 2)} AS service,
                {_pick(SERVICES, 2)} = 'AmazonBedrock' AS bedrock,
                {_pick(REGIONS, 3)} AS region,
                {sql_list(REGION_NAMES)}[1 + (h(3) % {len(REGIONS)})::INTEGER] AS region_name,
                ['USE1', 'USW2', 'EU', 'EUC1', 'APS1'][1 + (h(3) % 5)::INTEGER] AS region_prefix,
                h(8) % 10 = 0 AS untagged,
                ['BoxUsage:m5.large', 'TimedStorage-ByteHrs', 'InstanceUsage:db.r6g', 'Lambda-GB-Second', 'DataTransfer-Out-Bytes', 'Claude3Sonnet-input-tokens', 'ReadRequestUnits'][1 + (h(2) % 7)::INTEGER] AS base_kind,
                ['Amazon Elastic Compute Cloud', 'Amazon Simple Storage Service', 'Amazon Relational Database Service', 'AWS Lambda', 'Amazon CloudFront', 'Amazon Bedrock', 'Amazon DynamoDB'][1 + (h(2) % 7)::INTEGER] AS product_name,
                'arn:aws:' || lower(replace({_pick(SERVICES, 2)}, 'Amazon', '')) || ':' || {_pick(REGIONS, 3)} || ':{payer}:resource/r-' || (h(18) % 500)::VARCHAR AS resource_id
            FROM range(?, ?) t(i)
        )
        )
    """


def _hash_macro(con: duckdb.DuckDBPyConnection, seed: int, month_index: int, version: int) -> None:
    # h(i, k): an independent deterministic draw per row and field (no random(): reproducible across threads).
    con.execute(f"CREATE OR REPLACE MACRO h(i, k) AS hash(i, {seed}, {month_index}, {version}, k)")


def _bind_row(sql: str) -> str:
    """Column expressions say `h(12)`; the macro takes the row number too."""
    return _FIELD_DRAW.sub(r"h(i, \1)", sql)


def _write_assembly(
    con: duckdb.DuckDBPyConnection, landing_root: Path, month: date, version: int, *,
    rows: int, seed: int, prefix: str, report_name: str, s3_prefix: str, parts: int, account: str, extra_tag: bool,
    closed: bool,
) -> GeneratedAssembly:
    month_index = month.year * 12 + month.month
    period = f"{month:%Y%m%d}-{next_month(month):%Y%m%d}"
    assembly_id = str(uuid.uuid5(uuid.NAMESPACE_URL, f"finops-demo/{seed}/{month:%Y-%m}/{version}"))
    folder = landing_root / prefix / s3_prefix / report_name / period
    assembly_folder = folder / assembly_id
    if assembly_folder.exists():
        shutil.rmtree(assembly_folder)
    assembly_folder.mkdir(parents=True)

    columns = _columns(extra_tag)
    _hash_macro(con, seed, month_index, version)
    row_sql = _bind_row(_row_cte(seed, month, month_index, version, closed))
    projection = _bind_row(", ".join(f'{expr} AS "{category}/{name}"' for category, name, _, expr in columns))
    bounds = [rows * p // parts for p in range(parts + 1)]
    file_names = [f"{report_name}-{part + 1:05d}.csv.gz" for part in range(parts)]

    def write_part(part: int) -> None:
        # Rows keep range() order without an ORDER BY (DuckDB preserves insertion order), so a part's bytes do not
        # depend on the thread count.
        cursor = con.cursor()
        try:
            cursor.execute(
                f"COPY (SELECT {projection} FROM ({row_sql})) TO '{assembly_folder / file_names[part]}' "
                "(FORMAT csv, HEADER true, COMPRESSION gzip, DELIMITER ',', QUOTE '\"', ESCAPE '\"')",
                [bounds[part], bounds[part + 1]],
            )
        finally:
            cursor.close()

    # gzip is single-threaded per file: parts are written side by side, one per core.
    with ThreadPoolExecutor(max_workers=max(1, min(parts, len(os.sched_getaffinity(0))))) as pool:
        list(pool.map(write_part, range(parts)))
    data_keys = [(assembly_folder / name).relative_to(landing_root).as_posix() for name in file_names]
    report_keys = [f"{s3_prefix}/{report_name}/{period}/{assembly_id}/{name}" for name in file_names]

    manifest = {
        "assemblyId": assembly_id,
        "account": account,
        "columns": [{"category": c, "name": n, "type": t} for c, n, t, _ in columns],
        "charset": "UTF-8",
        "compression": "GZIP",
        "contentType": "text/csv",
        "reportId": uuid.uuid5(uuid.NAMESPACE_URL, f"finops-demo/{report_name}").hex,
        "reportName": report_name,
        "billingPeriod": {"start": f"{month:%Y%m%d}T000000.000Z", "end": f"{next_month(month):%Y%m%d}T000000.000Z"},
        "bucket": "finops-demo-cur-bucket",
        "reportKeys": report_keys,
        "additionalArtifactKeys": [],
    }
    text = json.dumps(manifest, indent=2)
    # Data first, then the assembly's copy, then the month-level manifest: a reader never sees a
    # manifest whose files are not there yet.
    (assembly_folder / f"{report_name}-Manifest.json").write_text(text)
    month_level = folder / f"{report_name}-Manifest.json"
    month_level.write_text(text)
    return GeneratedAssembly(
        billing_month=month, assembly_id=assembly_id, manifest_key=month_level.relative_to(landing_root).as_posix(),
        data_keys=tuple(data_keys), row_count=rows,
    )


def _common(seed, prefix, report_name, s3_prefix, parts_per_month, account, closed) -> dict:
    return dict(seed=seed, prefix=prefix, report_name=report_name, s3_prefix=s3_prefix, parts=parts_per_month,
                account=account, closed=closed)


def generate_aws_cur(
    landing_root: Path, months: list[date], rows_per_month: int, seed: int, *, prefix: str = "aws_cur",
    report_name: str = "finops-demo", s3_prefix: str = "cur", parts_per_month: int = 3, restated_months: int = 1,
    account: str = "123456789012",
) -> list[GeneratedAssembly]:
    """Write CUR v1 exports for `months` under landing_root/prefix; one GeneratedAssembly per assembly written
    (restated months get two: the superseded one first, then the current one)."""
    if rows_per_month < parts_per_month:
        raise ValueError(f"rows_per_month ({rows_per_month}) must be at least parts_per_month ({parts_per_month})")
    landing_root = Path(landing_root)
    ordered = sorted(months)
    restated = set(ordered[len(ordered) - restated_months :]) if restated_months else set()
    written = []
    con = duckdb.connect()
    try:
        con.execute("SET TimeZone='UTC'")
        for month in ordered:
            common = _common(seed, prefix, report_name, s3_prefix, parts_per_month, account, month != ordered[-1])
            written.append(_write_assembly(con, landing_root, month, 1, rows=rows_per_month, extra_tag=False, **common))
            if month in restated:
                written.append(_write_restatement(con, landing_root, month, rows_per_month, common))
    finally:
        con.close()
    return written


def restate_aws_cur(
    landing_root: Path, months: list[date], rows_per_month: int, seed: int, *, prefix: str = "aws_cur",
    report_name: str = "finops-demo", s3_prefix: str = "cur", parts_per_month: int = 3, account: str = "123456789012",
    new_tag: bool = True,
) -> list[GeneratedAssembly]:
    """Write a second assembly for months already generated, as AWS does when it restates a month: more rows and
    other values; with `new_tag`, one more tag column too (a cost allocation tag activated since, which the
    `schema_drift` check reports). The month-level manifest then names it."""
    con = duckdb.connect()
    try:
        con.execute("SET TimeZone='UTC'")
        return [
            _write_restatement(
                con, Path(landing_root), month, rows_per_month,
                _common(seed, prefix, report_name, s3_prefix, parts_per_month, account, False), new_tag=new_tag,
            )
            for month in sorted(months)
        ]
    finally:
        con.close()


def _write_restatement(con, landing_root: Path, month: date, rows_per_month: int, common: dict, *,
                       new_tag: bool = True) -> GeneratedAssembly:
    rows = rows_per_month + rows_per_month // 10 + 1
    return _write_assembly(con, landing_root, month, 2, rows=rows, extra_tag=new_tag, **common)
