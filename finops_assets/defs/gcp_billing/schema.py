"""The BigQuery detailed billing export schema, as nested columns: the only place it lives.

The export stores `cost`, `credits.amount`, `usage.amount` and the conversion rate as FLOAT; they are typed
DECIMAL here so that they are cast once, at the edge, to exact BIGNUMERIC / DECIMAL(38,18). Column names are
the export's own (already snake_case), so dbt models read one shape in both warehouses.
"""

from __future__ import annotations

from finops_assets.warehouse.load_request import Column, ColumnType

_S, _D, _T = ColumnType.STRING, ColumnType.DECIMAL, ColumnType.TIMESTAMP


def _c(name: str, column_type: ColumnType = _S, *fields: Column, repeated: bool = False) -> Column:
    return Column(
        name=name, type=ColumnType.RECORD if fields else column_type, source_name=name,
        origin="GCP billing export", fields=tuple(fields), repeated=repeated,
    )


def _labels(name: str) -> Column:
    return _c(name, _S, _c("key"), _c("value"), repeated=True)


EXPORT_COLUMNS: tuple[Column, ...] = (
    _c("billing_account_id"),
    _c("service", _S, _c("id"), _c("description")),
    _c("sku", _S, _c("id"), _c("description")),
    _c("usage_start_time", _T),
    _c("usage_end_time", _T),
    _c("project", _S, _c("id"), _c("number"), _c("name"), _labels("labels"), _c("ancestry_numbers")),
    _labels("labels"),
    _labels("system_labels"),
    _c("location", _S, _c("location"), _c("country"), _c("region"), _c("zone")),
    _c("resource", _S, _c("name"), _c("global_name")),
    _c("export_time", _T),
    _c("cost", _D),
    _c("currency"),
    _c("currency_conversion_rate", _D),
    _c("usage", _S, _c("amount", _D), _c("unit"), _c("amount_in_pricing_units", _D), _c("pricing_unit")),
    _c("credits", _S, _c("name"), _c("amount", _D), _c("full_name"), _c("id"), _c("type"), repeated=True),
    _c("invoice", _S, _c("month"), _c("publisher_type")),
    _c("cost_type"),
    _c("price", _S, _c("effective_price", _D), _c("tier_start_amount", _D), _c("unit"), _c("pricing_unit_quantity", _D)),
)

INVOICE_MONTH_FIELD = "invoice.month"
PARTITION_COLUMN = "invoice_month"  # derived: the first instant of invoice.month
CLUSTERING_COLUMNS = ("usage_start_time",)
COST_COLUMN = "cost"
PREVIEW_COLUMNS = ("usage_start_time", "cost", "currency", "cost_type")
