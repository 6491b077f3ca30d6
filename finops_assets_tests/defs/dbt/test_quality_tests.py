"""The dbt data-quality tests (fact grain, fact keys in their dimensions, fact = raw per month and cloud, cost
anomalies, request durations, error rates, span ids, finite measures, request-count jumps): they pass on the clean
demo warehouse (the demo fixture runs them) and report the injected defects' rows on a copy of it. One `dbt test`
for all defects (each confined to what its test looks at); the failing rows are read back with the tests' own
compiled SQL. A failed ERROR test blocks the models behind it in a real Dagster run."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from decimal import Decimal
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from finops_assets.definitions import build_definitions
from finops_assets.defs.dbt.assets import threshold_vars
from finops_assets.defs.dbt.project import DBT_PROJECT_DIR, dbt_executable
from finops_assets.settings import Settings, load_settings

TESTS = [
    "unique_grain_fact_cost_hourly_billing_month__hour__service_key__region_key__environment_key__resource_key__cost_source__billing_currency",
    "assert_fact_cost_hourly_reconciles_with_raw",
    "assert_dim_service_covers_fact_keys",
    "warn_service_daily_cost_anomaly",
    "finops_between_fact_performance_requests_duration_ms__300000__0",
    "finops_between_fact_performance_metrics_hourly_error_rate__1__0",
    "assert_performance_span_ids_unique",
    "assert_performance_facts_finite",
    "warn_performance_request_count_jump",
    "assert_focus_billed_cost_reconciles_with_raw",
    "assert_fact_cost_hourly_reconciles_with_focus",
    "assert_fact_cost_daily_reconciles_with_hourly",
    "assert_fact_cost_weekly_reconciles_with_hourly",
    "assert_fact_cost_monthly_reconciles_with_hourly",
    "assert_fact_cost_allocation_sums_exactly",
    "assert_dim_region_covers_fact_keys",
    "assert_dim_environment_covers_fact_keys",
    "assert_dim_resource_covers_fact_keys",
    "not_null_int_cost_focus",
]
# The demo's random line items have real 10x days; the spike below is 100000x.
VARS = {"min_month": "2025-09-01", "max_month": "2025-11-01", "cost_anomaly_factor": 1000}


def dbt_test(warehouse: Path, target: Path) -> dict[str, dict]:
    env = {**os.environ, "FINOPS_DUCKDB_PATH": str(warehouse), "FINOPS_ENV": "local"}
    subprocess.run(
        [dbt_executable(), "test", "--profiles-dir", ".", "--target-path", str(target), "--select", *TESTS,
         "--vars", json.dumps(VARS)],
        cwd=DBT_PROJECT_DIR, env=env, capture_output=True, text=True, check=False,
    )
    results = json.loads((target / "run_results.json").read_text())["results"]
    return {r["unique_id"].split(".")[2]: r for r in results}


def failing_rows(runs: dict, test: str) -> list[tuple]:
    """The rows the test found, from its own compiled SQL."""
    con = duckdb.connect(str(runs["broken_db"]), read_only=True)
    try:
        return con.execute(runs["broken"][test]["compiled_code"]).fetchall()
    finally:
        con.close()


@pytest.fixture(scope="module")
def runs(demo_warehouse, tmp_path_factory):
    root, _ = demo_warehouse
    work = tmp_path_factory.mktemp("dbt_quality")
    broken = work / "broken.duckdb"
    shutil.copy(root / "warehouse.duckdb", broken)
    con = duckdb.connect(str(broken))
    # A second row at an October grain, with zero cost so that no total changes.
    con.execute("""INSERT INTO finops.fact_cost_hourly
                   SELECT * REPLACE (CAST(0 AS DECIMAL(38,18)) AS total_cost, CAST(0 AS DECIMAL(38,18)) AS effective_cost)
                   FROM finops.fact_cost_hourly WHERE billing_month = '2025-10-01' ORDER BY hour, service_key LIMIT 1""")
    # One raw September AWS line a billionth of a billionth dearer than the fact.
    con.execute("""UPDATE billing_raw.aws_cur_raw SET line_item_unblended_cost = line_item_unblended_cost + 0.000000000000000001
                   WHERE identity_line_item_id = (SELECT min(identity_line_item_id) FROM billing_raw.aws_cur_raw
                                                  WHERE bill_billing_period_start_date = '2025-09-01')""")
    # A service that vanished from its dimension, and a 100000x day of another.
    missing = con.execute("SELECT min(service_key) FROM finops.dim_service").fetchone()[0]
    con.execute("DELETE FROM finops.dim_service WHERE service_key = ?", [missing])
    spiked = con.execute("""SELECT service_key FROM finops.fact_cost_daily WHERE total_cost > 0 AND date = '2025-10-20'
                            ORDER BY total_cost DESC LIMIT 1""").fetchone()[0]
    con.execute("UPDATE finops.fact_cost_daily SET total_cost = total_cost * 100000 WHERE service_key = ? AND date = '2025-10-20'", [spiked])
    # Requests: one five minutes over the 300 s bound, a span counted twice, an hour with more errors than requests
    # and a NaN percentile, and a service with 100 times its requests on Oct 31 (vs its median of the week before).
    con.execute("""UPDATE finops.fact_performance_requests SET duration_ms = 600000
                   WHERE span_id = (SELECT min(span_id) FROM finops.fact_performance_requests)""")
    con.execute("INSERT INTO finops.fact_performance_requests SELECT * FROM finops.fact_performance_requests ORDER BY span_id DESC LIMIT 1")
    con.execute("""UPDATE finops.fact_performance_metrics_hourly SET error_rate = 1.5, duration_p95_ms = 'NaN'
                   WHERE hour = (SELECT min(hour) FROM finops.fact_performance_metrics_hourly)""")
    jumped = con.execute("SELECT min(service_key) FROM finops.fact_performance_metrics_daily WHERE date = '2025-10-31'").fetchone()[0]
    con.execute("UPDATE finops.fact_performance_metrics_daily SET request_count = request_count * 100 WHERE service_key = ? AND date = '2025-10-31'", [jumped])
    # FOCUS a dollar dearer than the raw Azure October export (so than the hourly fact too); the weekly and monthly
    # rollups of September a cent off; a region, an environment and a resource missing from their dimensions.
    con.execute("""UPDATE finops.int_cost_focus SET BilledCost = BilledCost + 1 WHERE rowid = (SELECT min(rowid)
                   FROM finops.int_cost_focus WHERE x_cost_source = 'azure_focus' AND billing_month = '2025-10-01')""")
    for rollup, change in (("fact_cost_weekly", "+ 0.01"), ("fact_cost_monthly", "- 0.01")):
        con.execute(f"""UPDATE finops.{rollup} SET total_cost = total_cost {change} WHERE rowid = (SELECT min(rowid)
                        FROM finops.{rollup} WHERE billing_month = '2025-09-01' AND cost_source = 'gcp_billing')""")
    # int_cost_focus: an October line without ChargePeriodStart (in the run's months: caught); a copy of a line moved
    # to August without its EffectiveCost (outside the run's months: that month was checked when it was built); a
    # copy without a billing month or a provider (no month: always checked; its EffectiveCost zeroed too, since the
    # focus reconciliation counts it in its billing period). The copies cost nothing and keep their
    # groups (source, currency), so no reconciliation moves.
    con.execute("""UPDATE finops.int_cost_focus SET ChargePeriodStart = NULL WHERE rowid = (SELECT min(rowid)
                   FROM finops.int_cost_focus WHERE x_cost_source = 'aws_cur' AND billing_month = '2025-10-01')""")
    for replaced in ("CAST(NULL AS DECIMAL(38,18)) AS EffectiveCost, DATE '2025-08-01' AS billing_month, "
                     "CAST('2025-08-01' AS TIMESTAMP) AS BillingPeriodStart",
                     "CAST(NULL AS VARCHAR) AS ProviderName, CAST(NULL AS DATE) AS billing_month, "
                     "CAST(0 AS DECIMAL(38,18)) AS EffectiveCost"):
        con.execute(f"""INSERT INTO finops.int_cost_focus SELECT * REPLACE (CAST(0 AS DECIMAL(38,18)) AS BilledCost, {replaced})
                        FROM finops.int_cost_focus WHERE rowid = (SELECT min(rowid) FROM finops.int_cost_focus
                                                                  WHERE billing_month = '2025-09-01')""")
    dropped = {}
    for dimension, key in (("dim_region", "region_key"), ("dim_environment", "environment_key"), ("dim_resource", "resource_key")):
        dropped[dimension] = con.execute(f"SELECT min({key}) FROM finops.fact_cost_hourly").fetchone()[0]
        con.execute(f"DELETE FROM finops.{dimension} WHERE {key} = ?", [dropped[dimension]])
    con.close()
    return {"broken": dbt_test(broken, work / "target"), "broken_db": broken, "missing": missing, "jumped": jumped,
            "spiked": spiked, "dropped": dropped}


def test_every_error_test_passes_on_the_clean_demo_warehouse(demo_warehouse):
    """The demo fixture built the models with every dbt test, the WARN ones included, and none failed."""
    _, printed = demo_warehouse
    lines = [line for line in printed.splitlines() if line.startswith("dbt build ")]
    assert len(lines) == 2 and all(" models ok, " in line and "ERRORS" not in line and "warnings" not in line
                                   for line in lines), lines


def test_the_anomaly_settings_become_the_vars_the_tests_read():
    settings = Settings(cost_anomaly_factor=4.5, cost_anomaly_trailing_days=14, request_jump_factor=20)
    thresholds = threshold_vars(settings)
    assert thresholds == {"cost_anomaly_factor": 4.5, "cost_anomaly_trailing_days": 14, "perf_request_jump_factor": 20}
    tests = {name: (DBT_PROJECT_DIR / "tests" / f"{name}.sql").read_text()
             for name in ("warn_service_daily_cost_anomaly", "warn_performance_request_count_jump")}
    for var in thresholds:
        assert any(f"var('{var}')" in sql for sql in tests.values()), var


def test_a_second_row_at_the_fact_grain_fails_with_the_grain(runs):
    result = runs["broken"][TESTS[0]]
    assert result["status"] == "fail" and result["failures"] == 1
    (row,) = failing_rows(runs, TESTS[0])
    assert row[0].isoformat() == "2025-10-01" and row[-1] == 2  # billing_month ... rows_at_grain


def test_fact_total_differing_from_raw_by_one_unit_fails_per_month_and_cloud(runs):
    result = runs["broken"]["assert_fact_cost_hourly_reconciles_with_raw"]
    assert result["status"] == "fail" and result["failures"] == 1
    ((source, month, raw_total, fact_total, difference),) = failing_rows(
        runs, "assert_fact_cost_hourly_reconciles_with_raw")
    assert (source, month.isoformat(), str(difference)) == ("aws_cur", "2025-09-01", "-1E-18")
    assert raw_total - fact_total == difference * -1


def test_a_fact_key_missing_from_its_dimension_fails_with_its_rows_and_cost(runs):
    result = runs["broken"]["assert_dim_service_covers_fact_keys"]
    assert result["status"] == "fail" and result["failures"] == 1
    ((key, fact_rows, cost),) = failing_rows(runs, "assert_dim_service_covers_fact_keys")
    assert key == runs["missing"] and fact_rows > 0 and cost is not None


def test_a_cost_spike_is_a_warning_with_the_numbers(runs):
    result = runs["broken"]["warn_service_daily_cost_anomaly"]
    assert result["status"] == "warn" and result["failures"] >= 1
    rows = failing_rows(runs, "warn_service_daily_cost_anomaly")
    (spike,) = [r for r in rows if r[0].isoformat() == "2025-10-20"]
    day, service, currency, cost, median, ratio, factor = spike
    assert ratio > 1000 and factor == 1000 and cost > 1000 * median


def test_a_request_over_five_minutes_fails_the_duration_range(runs):
    result = runs["broken"]["finops_between_fact_performance_requests_duration_ms__300000__0"]
    assert result["status"] == "fail" and result["failures"] == 1
    assert failing_rows(runs, "finops_between_fact_performance_requests_duration_ms__300000__0") == [(600000.0,)]


def test_an_error_rate_above_one_fails(runs):
    result = runs["broken"]["finops_between_fact_performance_metrics_hourly_error_rate__1__0"]
    assert result["status"] == "fail" and failing_rows(runs, "finops_between_fact_performance_metrics_hourly_error_rate__1__0")
    assert {row[0] for row in failing_rows(runs, "finops_between_fact_performance_metrics_hourly_error_rate__1__0")} == {1.5}


def test_a_span_counted_twice_fails_with_its_ids(runs):
    result = runs["broken"]["assert_performance_span_ids_unique"]
    assert result["status"] == "fail" and result["failures"] == 1
    ((trace_id, span_id, copies),) = failing_rows(runs, "assert_performance_span_ids_unique")
    assert trace_id and span_id and copies == 2


def test_a_nan_measure_fails_naming_its_fact(runs):
    result = runs["broken"]["assert_performance_facts_finite"]
    assert result["status"] == "fail"
    assert [row[0] for row in failing_rows(runs, "assert_performance_facts_finite")] == ["fact_performance_metrics_hourly"]


def test_a_tenfold_request_jump_is_a_warning_with_the_numbers(runs):
    result = runs["broken"]["warn_performance_request_count_jump"]
    assert result["status"] == "warn" and result["failures"] >= 1
    rows = failing_rows(runs, "warn_performance_request_count_jump")
    (jump,) = [r for r in rows if r[0] == runs["jumped"] and r[1].isoformat() == "2025-10-31"]
    _, _, requests, hours, per_hour, median, ratio, factor = jump
    assert hours == 24 and per_hour == requests / 24 and ratio >= 50 and median > 0 and factor == 10


def test_a_partial_day_is_judged_on_the_hours_it_covers(demo_warehouse):
    """The demo's newest day holds only its first hour (the next day's folder delivers it): a day-over-day count
    sees a 24x drop, the jump test compares requests per covered hour and passes on the clean warehouse."""
    root, _ = demo_warehouse
    con = duckdb.connect(str(root / "warehouse.duckdb"), read_only=True)
    try:
        covered = dict(con.execute("SELECT date, count(DISTINCT hour) FROM finops.fact_performance_metrics_hourly GROUP BY date").fetchall())
        requests = dict(con.execute("""SELECT date, sum(request_count) FROM finops.fact_performance_metrics_daily
                                       WHERE date >= '2025-10-31' GROUP BY date""").fetchall())
    finally:
        con.close()
    newest, before = max(requests), min(requests)
    assert covered[newest] == 1 and covered[before] == 24
    assert requests[newest] * 10 <= requests[before]  # what a day-over-day count would call a tenfold drop
    _, printed = demo_warehouse
    assert re.search(r"WARN\s+warn_performance_request_count_jump\s+1\s+1\s+0", printed)


def test_a_failed_error_test_stops_the_models_behind_it(demo_warehouse, tmp_path, monkeypatch):
    """A real Dagster run of the monthly dbt assets: an October AWS line without cost fails stg_aws_cur's not_null test
    (ERROR, so blocking); the run fails and int_cost_focus, behind it, is not built."""
    root, _ = demo_warehouse
    warehouse = tmp_path / "warehouse.duckdb"
    shutil.copy(root / "warehouse.duckdb", warehouse)
    con = duckdb.connect(str(warehouse))
    con.execute("""UPDATE billing_raw.aws_cur_raw SET line_item_unblended_cost = NULL WHERE rowid = (
                   SELECT min(rowid) FROM billing_raw.aws_cur_raw WHERE bill_billing_period_start_date = '2025-10-01')""")
    built_before = con.execute("SELECT count(*) FROM finops.int_cost_focus").fetchone()[0]
    con.close()
    for key, value in {"FINOPS_DUCKDB_PATH": str(warehouse), "FINOPS_LANDING_URL": str(root / "landing"),
                       "FINOPS_START_MONTH": "2025-01"}.items():
        monkeypatch.setenv(key, value)
    defs = build_definitions(load_settings())
    result = defs.resolve_implicit_global_asset_job_def().execute_in_process(
        partition_key="2025-10-01", asset_selection=[dg.AssetKey("stg_aws_cur"), dg.AssetKey("int_cost_focus")],
        instance=dg.DagsterInstance.ephemeral(), raise_on_error=False,
    )
    evaluations = {e.check_name: e for e in result.get_asset_check_evaluations()}
    failed = evaluations["not_null_stg_aws_cur"]
    assert not failed.passed and failed.severity is dg.AssetCheckSeverity.ERROR
    assert failed.metadata["dagster_dbt/failed_row_count"].value == 1
    assert not result.success
    assert dg.AssetKey("int_cost_focus") not in {e.asset_key for e in result.get_asset_materialization_events()}
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        assert con.execute("SELECT count(*) FROM finops.int_cost_focus").fetchone()[0] == built_before  # untouched
    finally:
        con.close()


def test_focus_differing_from_raw_fails_per_month_and_source(runs):
    assert runs["broken"]["assert_focus_billed_cost_reconciles_with_raw"]["status"] == "fail"
    rows = {(source, month.isoformat()): raw - focus
            for source, month, raw, focus in failing_rows(runs, "assert_focus_billed_cost_reconciles_with_raw")}
    assert rows == {("aws_cur", "2025-09-01"): Decimal("1E-18"), ("azure_focus", "2025-10-01"): Decimal(-1)}


def test_the_hourly_fact_differing_from_focus_fails_with_both_totals(runs):
    assert runs["broken"]["assert_fact_cost_hourly_reconciles_with_focus"]["status"] == "fail"
    ((month, source, currency, billed, _, hourly_billed, _),) = failing_rows(runs, "assert_fact_cost_hourly_reconciles_with_focus")
    assert (month.isoformat(), source, currency) == ("2025-10-01", "azure_focus", "USD") and billed - hourly_billed == 1


@pytest.mark.parametrize("rollup, month, source, difference", [
    ("fact_cost_weekly", "2025-09-01", "gcp_billing", Decimal("0.01")),
    ("fact_cost_monthly", "2025-09-01", "gcp_billing", Decimal("-0.01")),
])
def test_a_rollup_a_cent_off_the_hourly_fact_fails(runs, rollup, month, source, difference):
    # (the October row of the grain defect's export fails too: its zero-cost copy adds hours to the hourly fact)
    test = f"assert_{rollup}_reconciles_with_hourly"
    assert runs["broken"][test]["status"] == "fail"
    rows = {(m.isoformat(), cost_source): rolled - hourly for m, cost_source, _, hourly, rolled in failing_rows(runs, test)}
    assert rows[(month, source)] == difference
    assert {m for m, _ in rows} <= {month, "2025-10-01"}


def test_the_spiked_daily_rollup_fails_its_reconciliation_and_the_allocation(runs):
    assert runs["broken"]["assert_fact_cost_daily_reconciles_with_hourly"]["status"] == "fail"
    rows = failing_rows(runs, "assert_fact_cost_daily_reconciles_with_hourly")
    assert {m.isoformat() for m, *_ in rows} == {"2025-10-01"} and any(rolled > hourly * 1000 for *_, hourly, rolled in rows)
    assert runs["broken"]["assert_fact_cost_allocation_sums_exactly"]["status"] == "fail"
    rows = failing_rows(runs, "assert_fact_cost_allocation_sums_exactly")
    assert {(day.isoformat(), what) for day, _, _, what, _, _ in rows} == {("2025-10-20", "total")}
    assert all(expected > actual for *_, expected, actual in rows)  # the spiked daily total, not the allocation


@pytest.mark.parametrize("dimension", ["dim_region", "dim_environment", "dim_resource"])
def test_a_fact_key_missing_from_each_dimension_fails(runs, dimension):
    test = f"assert_{dimension}_covers_fact_keys"
    assert runs["broken"][test]["status"] == "fail" and runs["broken"][test]["failures"] == 1
    ((key, fact_rows, _),) = failing_rows(runs, test)
    assert key == runs["dropped"][dimension] and fact_rows > 0
    # it reads the fact rows of the run's months only
    sql = runs["broken"][test]["compiled_code"]
    assert "fact.billing_month >= cast('2025-09-01' as date)" in sql and "fact.billing_month < cast('2025-11-01' as date)" in sql


def test_the_cost_anomaly_test_reads_only_the_runs_days_and_their_trailing_days(runs):
    """With the run's months as vars, the anomaly test reads fact_cost_daily from the trailing days before the first
    month to the end of the last, not the whole history; it finds exactly what the unbounded query finds."""
    sql = runs["broken"]["warn_service_daily_cost_anomaly"]["compiled_code"]
    daily = sql[sql.index("with daily as"):sql.index("history as")]
    bounds = re.search(r"where (date >= .*?)\n\s*and (date < cast\('2025-11-01' as date\))", daily, re.S)
    assert bounds and "2025-09-01" in bounds.group(1) and "-7" in bounds.group(1), daily
    unbounded = sql.replace(bounds.group(0), "where true")
    con = duckdb.connect(str(runs["broken_db"]), read_only=True)
    try:
        assert sorted(con.execute(unbounded).fetchall()) == sorted(failing_rows(runs, "warn_service_daily_cost_anomaly"))
    finally:
        con.close()
    assert failing_rows(runs, "warn_service_daily_cost_anomaly")  # the 100000x day is still found


def test_null_columns_fail_one_test_per_model_naming_each_column(runs):
    """One not_null_columns test per model: a failing row per column with nulls, the failure count their sum. It reads
    the run's months and the rows without a month; the August copy's null EffectiveCost is outside the run."""
    result = runs["broken"]["not_null_int_cost_focus"]
    assert result["status"] == "fail" and result["failures"] == 2
    assert sorted(failing_rows(runs, "not_null_int_cost_focus")) == [("ChargePeriodStart", 1), ("ProviderName", 1)]
