"""The CUR 2.0 schema rules: manifest column -> warehouse column. The only place they live.

CUR 2.0 names are snake_case already and match CUR v1's Athena/Parquet names (`line_item_unblended_cost`,
`bill_billing_period_start_date`); they are still passed through `snake_case` and made unique, since they
come from outside. Types are the export's SQL type names: `string`, `timestamp`, numeric types (exact money:
DECIMAL(38,18) / BIGNUMERIC), and `map<string,string>` for `resource_tags`, `product`, `cost_category`,
`discount` (DuckDB MAP(VARCHAR, VARCHAR); BigQuery REPEATED RECORD<key, value>). Any other type is an error
naming the column.
"""

from __future__ import annotations

import re

from finops_assets.defs.aws_data_exports.manifest import ExportColumn, ManifestError
from finops_assets.warehouse.identifiers import snake_case, unique_names
from finops_assets.warehouse.load_request import Column, ColumnType

_NUMERIC = re.compile(r"^(double|float|real|bigint|int|integer|decimal(\(\d+,\d+\))?)$")
_SPACES = re.compile(r"\s+")

PARTITION_COLUMN = "bill_billing_period_start_date"
CLUSTERING_COLUMNS = ("line_item_usage_start_date",)
COST_COLUMN = "line_item_unblended_cost"
PAYER_COLUMN = "bill_payer_account_id"
PREVIEW_COLUMNS = (
    "line_item_usage_start_date",
    "line_item_line_item_type",
    "line_item_product_code",
    "line_item_usage_type",
    "line_item_unblended_cost",
)


def column_type(type_name: str) -> ColumnType | None:
    """The warehouse type of a CUR 2.0 column type name (case and spaces ignored); None when unknown."""
    normalised = _SPACES.sub("", type_name).lower()
    if normalised in ("string", "varchar"):
        return ColumnType.STRING
    if normalised == "timestamp":
        return ColumnType.TIMESTAMP
    if normalised == "map<string,string>":
        return ColumnType.STRING_MAP
    if _NUMERIC.match(normalised):
        return ColumnType.DECIMAL
    return None


def warehouse_columns(columns: tuple[ExportColumn, ...], manifest_key: str) -> tuple[Column, ...]:
    names = unique_names(snake_case(c.name) for c in columns)
    result = []
    for name, column in zip(names, columns):
        kind = column_type(column.type)
        if kind is None:
            raise ManifestError(
                manifest_key,
                f"column {column.name!r} has unknown type {column.type!r} (known: string, timestamp, double, decimal, "
                "bigint, map<string,string>)",
            )
        result.append(Column(name=name, type=kind, source_name=column.name, origin=f"{column.name} {column.type}"))
    for required in (PARTITION_COLUMN, COST_COLUMN):
        if required not in names:
            raise ManifestError(manifest_key, f"no {required} column: the export's query must select it")
    return tuple(result)
