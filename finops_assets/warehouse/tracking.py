"""The `_load_tracking` table: one row per load, shared by every source and both warehouses.

Columns (same names in DuckDB and BigQuery): source, billing_month, execution_id, manifest_uri,
file_count, row_count, bytes, loaded_at, table_name, columns (JSON array of column names),
total_cost (exact decimal), forced; DuckDB also records typed_by_manifest (the manifest whose types the
table's columns carry when the month was loaded: its own when the load created or widened the table).
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from decimal import Decimal

from finops_assets.warehouse.load_request import LoadRequest, LoadResult

TRACKING_TABLE = "_load_tracking"


@dataclass(frozen=True)
class PreviousLoad:
    execution_id: str
    columns: tuple[str, ...]
    same_month: bool


def encode_columns(names: list[str] | tuple[str, ...]) -> str:
    return json.dumps(list(names))


def decode_columns(text: str | None) -> tuple[str, ...]:
    return tuple(json.loads(text)) if text else ()


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
