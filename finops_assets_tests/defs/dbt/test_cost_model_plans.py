"""The plans DuckDB runs for the two largest cost models at the reference scale, on the demo warehouse: what keeps the
39-month build of the marts fast, checked on the statements dbt compiles (not on timings).

- int_cost_focus reads CUR v1 with the run's month bounds pushed into the raw table's scan (it then skips other
  months' row groups and reads the other columns of the matching rows only; a `cast(... as date)` filter would read
  every column of every row, once per month batch) and leaves out the months Data Exports delivers with a plain hash
  join (or none, when DuckDB's statistics rule out any match), not a correlated NOT EXISTS (which buffers every CUR v1 row
  first).
- fact_cost_hourly spreads lines over their hours with a select-list unnest, not a lateral join (which buffers every
  line first).
Their results are those of the former SQL: test_month_batches.py, test_int_cost_focus.py and test_cost_marts.py."""

from __future__ import annotations

import json
import os
import shutil
import subprocess

import duckdb
import pytest

from finops_assets.defs.dbt.project import DBT_PROJECT_DIR, dbt_executable

# One of the demo's two months: a range covering every row would let DuckDB drop the filter from its statistics.
MONTHS = {"min_month": "2025-10-01", "max_month": "2025-11-01"}


@pytest.fixture(scope="module")
def plans(demo_warehouse, tmp_path_factory) -> dict[str, list[dict]]:
    """The physical plan (DuckDB's JSON EXPLAIN) of each model's compiled SQL over one of the demo's months."""
    root, _ = demo_warehouse
    tmp_path = tmp_path_factory.mktemp("cost_model_plans")
    warehouse = tmp_path / "warehouse.duckdb"
    shutil.copyfile(root / "warehouse.duckdb", warehouse)
    target = tmp_path / "target"
    subprocess.run(
        [dbt_executable(), "compile", "--profiles-dir", ".", "--target-path", str(target), "--log-path",
         str(tmp_path / "logs"), "--select", "int_cost_focus fact_cost_hourly", "--vars", json.dumps(MONTHS)],
        cwd=DBT_PROJECT_DIR, capture_output=True, text=True, check=True,
        env={**os.environ, "FINOPS_ENV": "local", "FINOPS_DUCKDB_PATH": str(warehouse)},
    )
    compiled = target / "compiled" / "finops" / "models"
    sql = {"int_cost_focus": (compiled / "intermediate" / "int_cost_focus.sql").read_text(),
           "fact_cost_hourly": (compiled / "marts" / "facts" / "fact_cost_hourly.sql").read_text()}
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return {name: json.loads(con.execute(f"EXPLAIN (FORMAT json) {text}").fetchall()[0][1])
                for name, text in sql.items()}


def operators(plan: list[dict]) -> list[dict]:
    found, stack = [], list(plan)
    while stack:
        node = stack.pop()
        found.append(node)
        stack.extend(node.get("children", []))
    return found


def test_focus_pushes_the_month_bounds_into_the_cur_scan(plans):
    (scan,) = [op for op in operators(plans["int_cost_focus"])
               if op["name"] == "SEQ_SCAN" and op["extra_info"].get("Table", "").endswith("aws_cur_raw")]
    # (the upper bound is above every row's month here: DuckDB's statistics drop it, and keep the lower one)
    assert "bill_billing_period_start_date >= '2025-10-01 00:00:00'::TIMESTAMP" in scan["extra_info"].get("Filters", ""), (
        scan["extra_info"])


def test_focus_leaves_out_data_exports_pairs_without_buffering_cur_rows(plans):
    names = [op["name"] for op in operators(plans["int_cost_focus"])]
    assert not {"CTE", "DELIM_JOIN", "RIGHT_DELIM_JOIN", "LEFT_DELIM_JOIN"} & set(names), names


def test_hourly_unnests_hours_without_buffering_lines(plans):
    names = [op["name"] for op in operators(plans["fact_cost_hourly"])]
    assert "UNNEST" in names
    assert not {"CTE", "DELIM_JOIN", "RIGHT_DELIM_JOIN", "LEFT_DELIM_JOIN"} & set(names), names

