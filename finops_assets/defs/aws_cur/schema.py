"""The CUR v1 schema rules: manifest column -> warehouse column. The only place they live.

Names: `category/Name` -> snake_case `category_name` (see `warehouse.identifiers.snake_case`),
collisions made unique in manifest order. Types: the manifest's type names map to the
warehouse-neutral `ColumnType`; a type not in the map is an error naming the column.
"""

from __future__ import annotations

from finops_assets.defs.aws_cur.manifest import CurColumn, ManifestError
from finops_assets.warehouse.identifiers import snake_case, unique_names
from finops_assets.warehouse.load_request import Column, ColumnType

CUR_TYPE_MAP: dict[str, ColumnType] = {
    "String": ColumnType.STRING,
    "OptionalString": ColumnType.STRING,
    "Interval": ColumnType.STRING,
    "BigDecimal": ColumnType.DECIMAL,
    "OptionalBigDecimal": ColumnType.DECIMAL,
    "DateTime": ColumnType.TIMESTAMP,
}

PARTITION_COLUMN = "bill_billing_period_start_date"
CLUSTERING_COLUMNS = ("line_item_usage_start_date",)
COST_COLUMN = "line_item_unblended_cost"
PREVIEW_COLUMNS = (
    "line_item_usage_start_date",
    "line_item_line_item_type",
    "line_item_product_code",
    "line_item_usage_type",
    "line_item_unblended_cost",
)


def cur_column_name(column: CurColumn) -> str:
    return snake_case(column.header)


def warehouse_columns(columns: tuple[CurColumn, ...], manifest_key: str) -> tuple[Column, ...]:
    names = unique_names(cur_column_name(c) for c in columns)
    result = []
    for name, column in zip(names, columns):
        column_type = CUR_TYPE_MAP.get(column.type)
        if column_type is None:
            raise ManifestError(
                manifest_key,
                f"column {column.header!r} has unknown type {column.type!r} "
                f"(known: {', '.join(sorted(CUR_TYPE_MAP))})",
            )
        result.append(
            Column(name=name, type=column_type, source_name=column.header, origin=f"{column.header} {column.type}")
        )
    if PARTITION_COLUMN not in names:
        raise ManifestError(manifest_key, "no bill/BillingPeriodStartDate column: the month cannot be partitioned")
    return tuple(result)
