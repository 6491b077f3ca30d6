"""The span quarantine of one landing day, counted in the warehouse with the rules of `stg_otel_spans` itself.

The rules are defined once, in the dbt macros `otel_spans` and `otel_quarantine_rules`
(finops_assets/dbt/macros/otel_spans.sql); `stg_otel_spans` is `otel_spans(<otel_spans_raw>)`. The macro
`otel_span_quarantine_summary` renders the same rules as one query over one day of `otel_spans_raw`: request lines whose
`resourceSpans` is not a list (valid JSON, but no span can be read from them), spans loaded, spans quarantined, and
`quarantined_<reason>` for every reason. Its rendering for each warehouse lives in `sql/` (Python
cannot run dbt's Jinja at load time, and must not need dbt or credentials to load a day); a test compiles the macro
again, offline, for both warehouses and requires exactly these files, so the two cannot drift apart. Regenerate with
`python -m finops_assets_tests.defs.otel.render_quarantine_sql` after changing the macros.

The loaders run it after every load of a day (materialization metadata of `otel_spans_raw`); the WARN check
`spans_quarantined` runs it on its own.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from finops_assets.warehouse.load_request import PartitionSummary

SQL_DIR = Path(__file__).parent / "sql"
WAREHOUSES = ("duckdb", "bigquery")
# What the files in sql/ are the rendering of (`dbt compile --inline`), per warehouse.
MACRO_CALL = (
    "{{ finops.otel_span_quarantine_summary('select landing_day, resource_spans from "
    f"{PartitionSummary.TABLE} where landing_day >= {PartitionSummary.START} and landing_day < {PartitionSummary.END}') }}}}"
)
MALFORMED = "requests_malformed"
LOADED = "spans_loaded"
QUARANTINED = "spans_quarantined"
REASON_PREFIX = "quarantined_"


def rendered_path(warehouse: str) -> Path:
    return SQL_DIR / f"span_quarantine_summary.{warehouse}.sql"


@cache
def span_quarantine_summary() -> PartitionSummary:
    return PartitionSummary({warehouse: rendered_path(warehouse).read_text() for warehouse in WAREHOUSES})


def by_reason(counts: dict[str, int]) -> dict[str, int]:
    """The per-reason counts of a summary row, keyed by reason (`end_before_start`)."""
    return {name.removeprefix(REASON_PREFIX): n for name, n in counts.items() if name.startswith(REASON_PREFIX)}


def is_clean(counts: dict[str, int]) -> bool:
    return counts[QUARANTINED] == 0 and counts[MALFORMED] == 0


def describe(day: str, counts: dict[str, int]) -> str:
    """What a user reads on the check: how many spans of the day are quarantined, and why."""
    loaded, quarantined, malformed = counts[LOADED], counts[QUARANTINED], counts[MALFORMED]
    lines = (f"; {malformed:,} request lines whose resourceSpans is not a list (no span readable from them: fix the "
             "exporter)") if malformed else ""
    if not quarantined:
        return f"{day}: none of the {loaded:,} spans loaded is quarantined{lines}"
    reasons = ", ".join(f"{reason} {n:,}" for reason, n in by_reason(counts).items() if n)
    return (
        f"{day}: {quarantined:,} of {loaded:,} spans quarantined ({reasons}); they are kept in stg_otel_spans with their "
        f"quarantine_reason and left out of the performance facts (list them with the dbt test otel_spans_quarantined){lines}"
    )
