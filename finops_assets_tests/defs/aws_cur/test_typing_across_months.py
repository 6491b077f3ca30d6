"""Schema knowledge across months: loaded newest first, the newest manifest types the raw table and older months
load into its types; `_load_tracking.typed_by_manifest` records which manifest typed each month."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from finops_assets.partitions import backfill_order
from finops_assets_tests.conftest import MONTH, materialize_month, output_metadata, query, step_failure_message
from finops_assets_tests.cur_exports import BASE_COLUMNS, CurExport, exact_total, sample_rows

AUGUST = date(2025, 8, 1)
COST = [n for _, n, _ in BASE_COLUMNS].index("UnblendedCost")


def untyped_cost_columns() -> list[tuple[str, str, str]]:
    """An older manifest that declared the usage amount as text."""
    return [(c, n, "String" if n == "UsageAmount" else t) for c, n, t in BASE_COLUMNS]


def write_months(landing) -> tuple[CurExport, CurExport]:
    august = CurExport(landing, AUGUST, "aug-1", columns=untyped_cost_columns(), rows=sample_rows(AUGUST, 9)).write()
    september = CurExport(landing, MONTH, "sep-1", rows=sample_rows(MONTH, 7)).write()
    return august, september


def test_backfill_order_is_newest_first():
    assert backfill_order({AUGUST, MONTH, date(2024, 12, 1)}) == [MONTH, AUGUST, date(2024, 12, 1)]


def test_newest_month_types_the_table_and_older_months_load_into_its_types(landing, defs, settings):
    august, september = write_months(landing)
    for month in backfill_order([AUGUST, MONTH]):
        meta = output_metadata(materialize_month(defs, month))

    assert meta["typed_by_manifest"] == str(september.manifest_path)
    assert meta["columns_typed_by_newer_manifest"] == ["line_item_usage_amount"]
    tracked = query(settings, "SELECT billing_month, typed_by_manifest, total_cost FROM billing_raw._load_tracking ORDER BY 1")
    assert tracked == [
        (AUGUST, str(september.manifest_path), exact_total(sample_rows(AUGUST, 9), COST)),
        (MONTH, str(september.manifest_path), exact_total(sample_rows(MONTH, 7), COST)),
    ]
    assert query(settings, "SELECT data_type FROM information_schema.columns WHERE table_name = 'aws_cur_raw' "
                           "AND column_name = 'line_item_usage_amount'") == [("DECIMAL(38,18)",)]
    assert query(settings, "SELECT sum(line_item_usage_amount) FROM billing_raw.aws_cur_raw "
                           "WHERE bill_billing_period_start_date < '2025-09-01'") == [(Decimal("13.5"),)]


def test_oldest_first_leaves_the_table_typed_by_the_weaker_manifest(landing, defs, settings):
    write_months(landing)
    assert materialize_month(defs, AUGUST).success
    result = materialize_month(defs, MONTH, raise_on_error=False)
    assert not result.success
    assert "column 'line_item_usage_amount'" in step_failure_message(result)
    assert "a retyped column needs a migration" in step_failure_message(result)


def test_a_load_that_adds_columns_types_the_table_from_then_on(landing, defs, settings):
    CurExport(landing, AUGUST, "aug-1", rows=sample_rows(AUGUST, 3)).write()
    wider = BASE_COLUMNS + [("resourceTags", "user:team", "OptionalString")]
    september = CurExport(landing, MONTH, "sep-1", columns=wider, rows=[r + ["t"] for r in sample_rows(MONTH, 3)]).write()
    materialize_month(defs, AUGUST)
    meta = output_metadata(materialize_month(defs, MONTH))
    assert meta["typed_by_manifest"] == str(september.manifest_path)
