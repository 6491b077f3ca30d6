"""Demo AWS Data Exports (CUR 2.0), written the way Data Exports delivers them: Parquet plus the month's manifest.

The rows come from the CUR v1 demo's row model (same services, regions, line item types, Bedrock usage, and the
same tag vocabulary), so the clouds' facts line up; only the shape differs, as CUR 2.0 differs from CUR v1:
snake_case columns, costs as Parquet doubles, timestamps as timestamps, tags in the `resource_tags` map
(`user_team`, `user_environment`, ...) and the rarer product attributes in the `product` map. The export is a
separate payer account (PAYER), so its totals add to the CUR v1 demo's instead of overlapping it.

Versioning is "create new file": each execution's files go to their own folder under
`data/BILLING_PERIOD=YYYY-MM/`, and the month's manifest is rewritten to name the newest execution.
"""

from __future__ import annotations

import json
import shutil
import uuid
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import duckdb

from finops_assets.demo.aws_cur import _bind_row, _columns, _hash_macro, _row_cte
from finops_assets.demo.dimensions import next_month
from finops_assets.warehouse.identifiers import snake_case

PAYER = "210987654321"
EXPORT_NAME = "finops-demo-cur2"
S3_PREFIX = "exports"
BUCKET = "finops-demo-data-exports"
# CUR v1 product attributes that CUR 2.0 keeps as columns; the others go into the `product` map.
PRODUCT_COLUMNS = {"productFamily", "regionCode", "location", "fromRegionCode", "toRegionCode", "instanceType", "servicecode", "sku", "usagetype"}
_TYPES = {"BigDecimal": "double", "OptionalBigDecimal": "double", "DateTime": "timestamp"}


@dataclass(frozen=True)
class GeneratedExecution:
    billing_month: date
    execution_id: str
    manifest_key: str  # landing-relative
    data_keys: tuple[str, ...]
    row_count: int


def _cur2_columns(extra_tag: bool) -> list[tuple[str, str, str]]:
    """(column, manifest type, SQL expression) in export order. Map keys are snake_case like CUR 2.0's own
    (`resourceTags/user:Cost Center` -> `user_cost_center`, `product/ProductName` -> `product_name`)."""
    columns, tags, product = [], [], []
    for category, name, kind, expression in _columns(extra_tag):
        if category == "resourceTags":
            tags.append((snake_case(name), expression))
        elif category == "product" and name not in PRODUCT_COLUMNS:
            product.append((snake_case(name), expression))
        else:
            type_ = _TYPES.get(kind, "string")
            if type_ == "double":
                expression = f"CAST(NULLIF({expression}, '') AS DOUBLE)"
            elif type_ == "timestamp":
                expression = f"CAST({expression} AS TIMESTAMP)"
            columns.append((snake_case(f"{category}/{name}"), type_, expression))

    def string_map(pairs):
        entries = ", ".join(f"{{'key': '{key}', 'value': CAST({expr} AS VARCHAR)}}" for key, expr in pairs)
        return f"map_from_entries(list_filter([{entries}], lambda e: e.value IS NOT NULL AND e.value <> ''))"

    return [*columns, ("product", "map<string,string>", string_map(product)), ("resource_tags", "map<string,string>", string_map(tags))]


def _write_execution(
    con: duckdb.DuckDBPyConnection, landing_root: Path, month: date, version: int, *,
    rows: int, seed: int, prefix: str, parts: int, extra_tag: bool,
) -> GeneratedExecution:
    month_index = month.year * 12 + month.month
    execution_id = str(uuid.uuid5(uuid.NAMESPACE_URL, f"finops-demo-cur2/{seed}/{month:%Y-%m}/{version}"))
    export_root = landing_root / prefix / S3_PREFIX / EXPORT_NAME
    folder = export_root / "data" / f"BILLING_PERIOD={month:%Y-%m}" / execution_id
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)

    columns = _cur2_columns(extra_tag)
    # Seeds differ from the CUR v1 demo's so the two payers' line items differ too.
    _hash_macro(con, seed + 1000, month_index, version)
    row_sql = _bind_row(_row_cte(seed + 1000, month, month_index, version, closed=False, payer=PAYER))
    projection = _bind_row(", ".join(f'{expr} AS "{name}"' for name, _, expr in columns))
    data_keys, data_files = [], []
    bounds = [rows * p // parts for p in range(parts + 1)]
    for part in range(parts):
        path = folder / f"{EXPORT_NAME}-{part + 1:05d}.snappy.parquet"
        con.execute(
            f"COPY (SELECT {projection} FROM ({row_sql}) ORDER BY i) TO '{path}' (FORMAT parquet, COMPRESSION snappy)",
            [bounds[part], bounds[part + 1]],
        )
        key = path.relative_to(landing_root).as_posix()
        data_keys.append(key)
        data_files.append(f"s3://{BUCKET}/{path.relative_to(landing_root / prefix).as_posix()}")

    manifest = {
        "bucket": BUCKET,
        "columns": [{"name": name, "type": type_} for name, type_, _ in columns],
        "dataFiles": data_files,
        "executionId": execution_id,
        "exportArn": f"arn:aws:bcm-data-exports:us-east-1:{PAYER}:export/{EXPORT_NAME}-{uuid.uuid5(uuid.NAMESPACE_URL, EXPORT_NAME).hex[:8]}",
        "exportName": EXPORT_NAME,
        "billingPeriod": {"start": f"{month:%Y-%m}-01T00:00:00.000Z", "end": f"{next_month(month):%Y-%m}-01T00:00:00.000Z"},
        "queryStatement": "SELECT " + ", ".join(name for name, _, _ in columns) + " FROM COST_AND_USAGE_REPORT",
        "additionalOutputFiles": [],
    }
    # Data first, then the manifest: a reader never sees a manifest whose files are not there yet.
    manifest_path = export_root / "metadata" / f"BILLING_PERIOD={month:%Y-%m}" / f"{EXPORT_NAME}-Manifest.json"
    manifest_path.parent.mkdir(parents=True, exist_ok=True)
    manifest_path.write_text(json.dumps(manifest, indent=2))
    return GeneratedExecution(
        billing_month=month, execution_id=execution_id, manifest_key=manifest_path.relative_to(landing_root).as_posix(),
        data_keys=tuple(data_keys), row_count=rows,
    )


def generate_aws_data_exports(
    landing_root: Path, months: list[date], rows_per_month: int, seed: int, *, prefix: str = "aws_data_exports",
    parts_per_month: int = 2, version: int = 1,
) -> list[GeneratedExecution]:
    """One execution per month under landing_root/prefix; `version` > 1 writes a newer execution (a restatement:
    more rows, other values and one more tag key) that the month's manifest then names."""
    if rows_per_month < parts_per_month:
        raise ValueError(f"rows_per_month ({rows_per_month}) must be at least parts_per_month ({parts_per_month})")
    rows = rows_per_month if version == 1 else rows_per_month + rows_per_month // 10 + 1
    con = duckdb.connect()
    try:
        con.execute("SET TimeZone='UTC'")
        return [
            _write_execution(con, Path(landing_root), month, version, rows=rows, seed=seed, prefix=prefix,
                             parts=parts_per_month, extra_tag=version > 1)
            for month in sorted(months)
        ]
    finally:
        con.close()
