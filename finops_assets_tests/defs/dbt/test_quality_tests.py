"""The dbt data-quality tests (fact grain, fact keys in their dimensions, fact = raw per month and cloud, cost
anomalies): they pass on the clean demo warehouse (the demo fixture runs them) and report the injected defects'
rows on a copy of it. One `dbt test` for all defects (each confined to what its test looks at); the failing rows are
read back with the tests' own compiled SQL."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import duckdb
import pytest

from finops_assets.defs.dbt.project import DBT_PROJECT_DIR, dbt_executable

TESTS = [
    "unique_grain_fact_cost_hourly_billing_month__hour__service_key__region_key__environment_key__resource_key__cost_source__billing_currency",
    "assert_fact_cost_hourly_reconciles_with_raw",
    "assert_dim_service_covers_fact_keys",
    "warn_service_daily_cost_anomaly",
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
    con.close()
    return {"broken": dbt_test(broken, work / "target"), "broken_db": broken, "missing": missing}


def test_every_error_test_passes_on_the_clean_demo_warehouse(demo_warehouse):
    """The demo fixture built the models with every dbt test; only the anomaly WARN may fire (the demo's random
    line items have real 10x days at the default threshold)."""
    _, printed = demo_warehouse
    lines = [line for line in printed.splitlines() if line.startswith("dbt build ")]
    (models_line,) = [line for line in lines if not line.startswith("dbt build performance ")]
    assert all(" models ok, " in line and "ERRORS" not in line for line in lines), lines
    assert "warnings" not in models_line or "warnings (warn_service_daily_cost_anomaly)" in models_line


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
