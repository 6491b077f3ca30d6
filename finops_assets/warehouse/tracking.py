"""The `_load_tracking` table: one row per load, shared by every source and both warehouses.

Columns (same names in DuckDB and BigQuery): source, billing_month, execution_id, manifest_uri,
file_count, row_count, bytes, loaded_at, table_name, columns (JSON array of column names),
total_cost (exact decimal), forced.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

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
