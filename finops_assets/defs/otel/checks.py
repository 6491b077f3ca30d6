"""`spans_quarantined`: the WARN check of `otel_spans_raw` that counts, in the warehouse, the spans of the day that
`stg_otel_spans` quarantines (same rules, see `quarantine.py`), with the reasons in its description and metadata.

Run with every materialization and evaluated on the day that run loaded; run on its own, on the newest day loaded.
WARN: quarantined spans are kept (stg_otel_spans.quarantine_reason) and left out of the facts, never a reason to
stop the day's performance facts.

(No `from __future__ import annotations` here: Dagster reads the check function's annotations at runtime.)
"""

from datetime import date, datetime, timedelta

import dagster as dg

from finops_assets.defs.otel import discovery, quarantine
from finops_assets.warehouse.queries import QueryParam, WarehouseQueries
from finops_assets.warehouse.tracking import TRACKING_TABLE

ASSET = "otel_spans_raw"


def quarantine_counts(queries: WarehouseQueries, day: date) -> dict[str, int]:
    start = datetime(day.year, day.month, day.day)  # the landing day's [start, end), as a load of the day replaces it
    end = start + timedelta(days=1)
    sql = quarantine.span_quarantine_summary().render(
        queries.dialect, queries.table(ASSET), queries.param("partition_start"), queries.param("partition_end"))
    (row,) = queries.fetch_named(sql, [QueryParam("partition_start", "TIMESTAMP", start),
                                       QueryParam("partition_end", "TIMESTAMP", end)])
    return {name: int(value) for name, value in row.items()}


def newest_day(queries: WarehouseQueries) -> date | None:
    rows = queries.fetch(f"SELECT MAX(billing_month) FROM {queries.table(TRACKING_TABLE)} WHERE source = {queries.param('source')}",
                         [QueryParam("source", "STRING", discovery.SOURCE)]) if queries.has_table(TRACKING_TABLE) else []
    return rows[0][0] if rows else None


def evaluate(queries: WarehouseQueries, day: date | None) -> dg.AssetCheckResult:
    """The check on one day (None: no day loaded yet)."""
    if day is None or not queries.has_table(ASSET):
        return dg.AssetCheckResult(asset_key=ASSET, check_name="spans_quarantined", passed=False,
                                   severity=dg.AssetCheckSeverity.WARN,
                                   description=f"no span day is loaded yet in {queries.location} (no table {ASSET})")
    counts = quarantine_counts(queries, day)
    return dg.AssetCheckResult(
        asset_key=ASSET, check_name="spans_quarantined", passed=quarantine.is_clean(counts),
        severity=dg.AssetCheckSeverity.WARN, description=quarantine.describe(day.isoformat(), counts),
        metadata={"day": dg.MetadataValue.text(day.isoformat()),
                  **{name: dg.MetadataValue.int(n) for name, n in counts.items()}},
    )


def build_otel_checks() -> dg.AssetChecksDefinition:
    @dg.asset_check(
        asset=ASSET,
        name="spans_quarantined",
        description=(
            "No span of the day is quarantined by stg_otel_spans (end before start, unsupported attribute value types, "
            "missing ids, ...) and every request line holds a list of resourceSpans. WARN: the quarantined spans are "
            "counted per reason and kept out of the facts."
        ),
        blocking=False,
        required_resource_keys={"warehouse_queries"},
        compute_kind="sql",
    )
    def spans_quarantined(context: dg.AssetCheckExecutionContext) -> dg.AssetCheckResult:
        with context.resources.warehouse_queries.open() as queries:
            day = date.fromisoformat(context.partition_key) if context.has_partition_key else newest_day(queries)
            return evaluate(queries, day)

    return spans_quarantined
