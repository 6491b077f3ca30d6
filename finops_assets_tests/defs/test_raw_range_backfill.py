"""A single-run backfill of `aws_cur_raw`: one Dagster run over a partition range loads every month of it, each
replaced on its own, skipped when loaded, tracked, reported with its own materialization metadata, and checked.

Real demo CUR v1 exports (CSV.gz parts, month-level manifests), a real DuckDB file, real in-process runs."""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from datetime import date, datetime, timezone
from pathlib import Path

import dagster as dg
import duckdb
import pytest
from dagster._core.storage.tags import ASSET_PARTITION_RANGE_END_TAG, ASSET_PARTITION_RANGE_START_TAG

from finops_assets.defs.aws_cur.checks import aws_cur_check_spec
from finops_assets.defs.raw_checks import RAW_CHECKS, CheckInputs, Thresholds, evaluate_months
from finops_assets.definitions import build_definitions
from finops_assets.demo.aws_cur import generate_aws_cur, restate_aws_cur
from finops_assets.landing import LocalLanding
from finops_assets.settings import Settings
from finops_assets.warehouse.queries import DuckDBQueries

MONTHS = [date(2025, 7, 1), date(2025, 8, 1), date(2025, 9, 1)]
ROWS = 60
RESTATED = MONTHS[1]


def run_range(defs: dg.Definitions, instance: dg.DagsterInstance, first: date, last: date, **kwargs):
    job = defs.resolve_implicit_global_asset_job_def()
    return job.execute_in_process(
        instance=instance, asset_selection=[dg.AssetKey("aws_cur_raw")],
        tags={ASSET_PARTITION_RANGE_START_TAG: first.isoformat(), ASSET_PARTITION_RANGE_END_TAG: last.isoformat()},
        **kwargs,
    )


def by_month(result: dg.ExecuteInProcessResult) -> dict[str, dict]:
    return {e.materialization.partition: {k: v.value for k, v in e.materialization.metadata.items()}
            for e in result.get_asset_materialization_events()}


def check_results(result: dg.ExecuteInProcessResult) -> dict:
    return {e.event_specific_data.check_name: e.event_specific_data
            for e in result.all_events if e.event_type_value == "ASSET_CHECK_EVALUATION"}


@dataclass
class History:
    settings: Settings
    first: dg.ExecuteInProcessResult  # the range, nothing loaded before
    again: dg.ExecuteInProcessResult  # the same range, unchanged
    restated: dg.ExecuteInProcessResult  # the same range after RESTATED got a new assembly
    assemblies: dict  # month -> assembly id of the first history
    restated_assembly: str
    restated_rows: int
    tracking_after_again: list
    instance: dg.DagsterInstance


@pytest.fixture(scope="module")
def history(tmp_path_factory) -> History:
    root = tmp_path_factory.mktemp("range")
    landing = root / "landing"
    written = generate_aws_cur(landing, MONTHS, ROWS, seed=5, parts_per_month=2, restated_months=0)
    settings = Settings(landing_url=str(landing), duckdb_path=str(root / "warehouse.duckdb"), start_month=date(2025, 1, 1))
    defs = build_definitions(settings)
    instance = dg.DagsterInstance.ephemeral()
    first = run_range(defs, instance, MONTHS[0], MONTHS[-1])
    again = run_range(defs, instance, MONTHS[0], MONTHS[-1])
    tracking_after_again = tracking_rows(settings)
    (new,) = restate_aws_cur(landing, [RESTATED], ROWS, seed=5, parts_per_month=2)
    restated = run_range(defs, instance, MONTHS[0], MONTHS[-1])
    return History(settings, first, again, restated, {a.billing_month: a.assembly_id for a in written},
                   new.assembly_id, new.row_count, tracking_after_again, instance)


def tracking_rows(settings: Settings) -> list[tuple]:
    con = duckdb.connect(settings.duckdb_path, read_only=True)
    try:
        return con.execute("SELECT billing_month, execution_id, row_count FROM billing_raw._load_tracking "
                           "ORDER BY loaded_at").fetchall()
    finally:
        con.close()


def rows_per_month(settings: Settings) -> dict[date, int]:
    con = duckdb.connect(settings.duckdb_path, read_only=True)
    try:
        return dict(con.execute("SELECT CAST(bill_billing_period_start_date AS DATE), count(*) FROM billing_raw.aws_cur_raw "
                                "GROUP BY 1").fetchall())
    finally:
        con.close()


def test_one_run_loads_every_month_of_the_range_each_with_its_own_metadata(history):
    months = by_month(history.first)
    assert sorted(months) == [m.isoformat() for m in MONTHS]
    for month in MONTHS:
        meta = months[month.isoformat()]
        assert meta["execution_id"] == history.assemblies[month]
        assert meta["billing_month"] == f"{month:%Y-%m}"
        assert meta["dagster/row_count"] == ROWS
        assert meta["skipped"] is False
        assert meta["status"] == "first load of the month"
    assert [(m, e) for m, e, _ in history.tracking_after_again] == [(m, history.assemblies[m]) for m in reversed(MONTHS)]


def test_every_check_evaluates_every_month_of_the_range(history):
    results = check_results(history.first)
    assert set(results) == {c.name for c in RAW_CHECKS}
    # 60 rows a month leave days without rows: only the source-wide daily availability WARN may fail.
    failed = {n: r.description for n, r in results.items() if not r.passed}
    assert set(failed) <= {"daily_cost_rows"}, failed
    for check in RAW_CHECKS:
        if not check.per_month:
            continue
        metadata = results[check.name].metadata
        assert metadata["months_checked"].value == len(MONTHS)
        assert metadata["months_failed"].value == []
        table = metadata["months"].value
        assert all(f"| {m:%Y-%m} | yes |" in table for m in MONTHS)
    rows = results["rows_match_export"].metadata["months"].value
    assert f"| 2025-07 | yes | billing_raw.aws_cur_raw 2025-07: {ROWS} rows, all 2 files of export" in rows


def test_rerunning_the_range_is_a_no_op_for_every_month(history):
    months = by_month(history.again)
    assert all(meta["skipped"] is True and meta["dagster/row_count"] == ROWS for meta in months.values())
    assert len(history.tracking_after_again) == len(MONTHS)  # no new load recorded


def test_a_restated_month_inside_the_range_is_replaced_and_the_others_skipped(history):
    months = by_month(history.restated)
    restated = months[RESTATED.isoformat()]
    assert restated["skipped"] is False
    assert restated["execution_id"] == history.restated_assembly
    assert restated["status"] == f"replaced execution {history.assemblies[RESTATED]}"
    assert restated["dagster/row_count"] == history.restated_rows
    assert restated["columns_added"] == ["resource_tags_user_project"]
    assert all(months[m.isoformat()]["skipped"] is True for m in MONTHS if m != RESTATED)
    assert rows_per_month(history.settings) == {MONTHS[0]: ROWS, RESTATED: history.restated_rows, MONTHS[2]: ROWS}
    checks = check_results(history.restated)
    assert all(r.passed for n, r in checks.items() if n not in ("daily_cost_rows", "schema_drift"))
    # The restatement added a tag column: the schema drift WARN names that month alone.
    assert checks["schema_drift"].metadata["months_failed"].value == ["2025-08"]
    assert "1 added" in checks["schema_drift"].description


def test_a_failing_month_fails_the_range_check_naming_it(history, tmp_path):
    # A copy of the loaded warehouse with one line item of RESTATED doubled.
    path = tmp_path / "warehouse.duckdb"
    shutil.copyfile(history.settings.duckdb_path, path)
    con = duckdb.connect(str(path))
    con.execute("INSERT INTO billing_raw.aws_cur_raw SELECT * FROM billing_raw.aws_cur_raw "
                "WHERE bill_billing_period_start_date = TIMESTAMP '2025-08-01' LIMIT 1")
    spec = aws_cur_check_spec(history.settings)
    landing = LocalLanding(history.settings.landing_url)
    inputs = CheckInputs(spec, DuckDBQueries(con, "billing_raw"), landing, MONTHS[-1], datetime.now(timezone.utc), Thresholds())
    (check,) = [c for c in RAW_CHECKS if c.name == "no_duplicate_line_items"]
    result = evaluate_months(check, inputs, MONTHS)
    con.close()

    assert result.passed is False
    assert result.metadata["months_failed"].value == ["2025-08"]
    assert "1 months fail: billing_raw.aws_cur_raw 2025-08: 1 line items appear more than once" in result.description
    assert result.metadata["2025-08 duplicate_keys"].value == 1
    assert "| 2025-07 | yes |" in result.metadata["months"].value


def test_a_month_without_export_fails_the_range_before_anything_loads(tmp_path):
    landing = tmp_path / "landing"
    generate_aws_cur(landing, [MONTHS[0], MONTHS[2]], ROWS, seed=5, parts_per_month=2, restated_months=0)
    settings = Settings(landing_url=str(landing), duckdb_path=str(tmp_path / "warehouse.duckdb"), start_month=date(2025, 1, 1))
    result = run_range(build_definitions(settings), dg.DagsterInstance.ephemeral(), MONTHS[0], MONTHS[-1],
                       raise_on_error=False)

    assert not result.success
    failure = next(e for e in result.all_events if e.event_type_value == "STEP_FAILURE")
    assert "no CUR manifest for 2025-08" in str(failure.event_specific_data.error)
    assert not Path(settings.duckdb_path).exists() or not tracking_rows(settings)



def test_the_range_is_described_in_one_log_event_with_a_line_per_month(history):
    """Every log event is a commit to Dagster's event log: the months of a range are described in one."""
    described = [e.user_message for e in history.instance.all_logs(history.first.run_id)
                 if e.dagster_event is None and "aws_cur" in e.user_message and " execution " in e.user_message]
    assert len(described) == 1
    lines = described[0].splitlines()
    assert [line.split(":")[0] for line in lines] == ["aws_cur 2025-09", "aws_cur 2025-08", "aws_cur 2025-07"]
    assert all(", 2 files, " in line for line in lines)
