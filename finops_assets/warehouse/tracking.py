"""The `_load_tracking` table: one row per load, shared by every source and both warehouses.

Columns (same names in DuckDB and BigQuery): source, billing_month, execution_id, manifest_uri,
file_count, row_count, bytes, loaded_at, table_name, columns (JSON array of `{"name", "type"}` objects; rows
written before types were recorded hold plain names), total_cost (exact decimal), forced, typed_by_manifest (the
manifest whose types the table's columns carry when the month was loaded: its own when the load created or widened
the table).
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from decimal import Decimal

from finops_assets.warehouse.load_request import Column, ColumnType, LoadRequest, LoadResult

TRACKING_TABLE = "_load_tracking"


@dataclass(frozen=True)
class PreviousLoad:
    execution_id: str
    columns: tuple[str, ...]
    same_month: bool


def column_type_text(column: Column) -> str:
    """A warehouse-neutral spelling of a column's type (`DECIMAL`, `STRUCT<id STRING>[]`), compared between loads."""
    if column.type is ColumnType.RECORD:
        text = "STRUCT<" + ", ".join(f"{f.name} {column_type_text(f)}" for f in column.fields) + ">"
    else:
        text = column.type.value
    return f"{text}[]" if column.repeated else text


def encode_columns(columns: tuple[Column, ...]) -> str:
    return json.dumps([{"name": c.name, "type": column_type_text(c)} for c in columns])


def decode_column_types(text: str | None) -> dict[str, str | None]:
    """Column name -> type text, in load order; None as type for rows recorded before types were."""
    if not text:
        return {}
    return {e["name"]: e.get("type") if isinstance(e, dict) else None for e in (
        item if isinstance(item, dict) else {"name": item} for item in json.loads(text))}


def decode_columns(text: str | None) -> tuple[str, ...]:
    return tuple(decode_column_types(text))


def column_diff(previous: PreviousLoad | None, current: tuple[str, ...]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(added, removed) against the previous load; nothing is reported for a source's first load."""
    if previous is None:
        return (), ()
    before = set(previous.columns)
    after = set(current)
    return tuple(c for c in current if c not in before), tuple(c for c in previous.columns if c not in after)


def already_loaded(previous: PreviousLoad | None, request: LoadRequest) -> bool:
    """The month's newest load is this very export version, and no reload was asked for."""
    return bool(previous and previous.same_month and previous.execution_id == request.execution_id and not request.force)


def skipped_result(request: LoadRequest, row_count: int, total_cost: str | None, started: float) -> LoadResult:
    return LoadResult(
        source=request.source, billing_month=request.billing_month, execution_id=request.execution_id,
        skipped=True, row_count=row_count, file_count=len(request.files), bytes=request.total_bytes,
        total_cost=total_cost, previous_execution_id=request.execution_id, seconds=time.monotonic() - started,
    )


def format_decimal(value: Decimal | None) -> str | None:
    """Exact plain text of a decimal (no exponent, no trailing zeros)."""
    if value is None:
        return None
    return format(value.normalize() if value != 0 else Decimal(0), "f")
