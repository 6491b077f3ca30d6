"""Identifier normalisation and quoting: the one place untrusted names become SQL identifiers.

Column names come from manifests and file headers, i.e. from outside. They are normalised to
`[a-z_][a-z0-9_]*` (the Athena/CUR-Parquet naming, so CSV and Parquet exports of one report agree),
made unique deterministically, and still quoted wherever they reach SQL.
"""

from __future__ import annotations

import re
from typing import Iterable

_CAMEL_BOUNDARY = re.compile(r"([A-Z])")
_NON_IDENTIFIER = re.compile(r"[^a-z0-9]+")
MAX_IDENTIFIER_LENGTH = 300


def snake_case(name: str) -> str:
    """`lineItem/UsageAmount` -> `line_item_usage_amount`; `resourceTags/user:Cost Center` ->
    `resource_tags_user_cost_center`; `savingsPlan/SavingsPlanARN` -> `savings_plan_savings_plan_a_r_n`
    (each capital starts a word, as AWS's Athena/Parquet CUR column names do)."""
    spaced = _CAMEL_BOUNDARY.sub(r"_\1", name).lower()
    # Stripping leading underscores also keeps names clear of BigQuery's reserved prefixes (_PARTITION...).
    cleaned = _NON_IDENTIFIER.sub("_", spaced).strip("_")
    if not cleaned:
        cleaned = "column"
    if cleaned[0].isdigit():
        cleaned = f"c_{cleaned}"
    return cleaned[:MAX_IDENTIFIER_LENGTH]


def unique_names(names: Iterable[str]) -> list[str]:
    """De-duplicate already-normalised names in order: the second `a` becomes `a_2`, the third `a_3`
    (skipping suffixes that are themselves taken), so the result depends only on the input order."""
    wanted = list(names)
    taken = set(wanted)
    counts: dict[str, int] = {}
    seen: set[str] = set()
    result = []
    for name in wanted:
        if name not in seen:
            seen.add(name)
            result.append(name)
            continue
        n = counts.get(name, 1)
        while True:
            n += 1
            candidate = f"{name}_{n}"
            if candidate not in taken and candidate not in seen:
                break
        counts[name] = n
        seen.add(candidate)
        result.append(candidate)
    return result


def quote_duckdb(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


def quote_bigquery(identifier: str) -> str:
    return "`" + identifier.replace("\\", "\\\\").replace("`", "\\`") + "`"


def sql_string(value: str) -> str:
    """A SQL string literal (single quotes doubled); used for file paths handed to DuckDB table functions."""
    return "'" + value.replace("'", "''") + "'"
