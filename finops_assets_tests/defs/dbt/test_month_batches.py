"""Month batches of the monthly cost models on DuckDB (macros/monthly_batches.sql): a run over several months builds
each batched model one batch of months per statement, and the tables are exactly those of a one-statement build,
whether the tables are new (CREATE TABLE AS the first batch, INSERT the next) or replaced (delete+insert per batch).
Real dbt runs on copies of the demo warehouse (two billing months, the newest restated)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import duckdb
import pytest

from finops_assets.defs.dbt.project import DBT_PROJECT_DIR, dbt_executable

BATCHED = ("int_cost_focus", "int_cost_keys", "fact_cost_hourly", "fact_cost_daily", "fact_cost_weekly",
           "fact_cost_monthly")
MONTHS = {"min_month": "2025-09-01", "max_month": "2025-11-01"}


def dbt_run(warehouse: Path, tmp_path: Path, name: str, batch_months: int) -> Path:
    """`dbt run` of the batched models over the demo's two months, `batch_months` months a batch; its target folder."""
    target = tmp_path / f"target-{name}"
    variables = {**MONTHS, "month_batch_months": batch_months}
    subprocess.run(
        [dbt_executable(), "run", "--profiles-dir", ".", "--target-path", str(target), "--log-path", str(tmp_path / "logs"),
         "--select", " ".join(BATCHED), "--vars", str(variables)],
        cwd=DBT_PROJECT_DIR, capture_output=True, text=True, check=True,
        env={**os.environ, "FINOPS_ENV": "local", "FINOPS_DUCKDB_PATH": str(warehouse)},
    )
    return target


def warehouse_copy(demo_warehouse, tmp_path: Path, name: str, drop: bool) -> Path:
    root, _ = demo_warehouse
    copy = tmp_path / f"{name}.duckdb"
    shutil.copyfile(root / "warehouse.duckdb", copy)
    if drop:
        with duckdb.connect(str(copy)) as con:
            for table in BATCHED:
                con.execute(f"DROP TABLE finops.{table}")
    return copy


def differences(left: Path, right: Path) -> dict[str, tuple[int, int, int]]:
    """Per table: (rows, rows of left not in right, rows of right not in left), EXCEPT ALL both ways."""
    out = {}
    with duckdb.connect() as con:
        con.execute(f"ATTACH '{left}' AS l (READ_ONLY)")
        con.execute(f"ATTACH '{right}' AS r (READ_ONLY)")
        for table in BATCHED:
            columns = [con.execute(f"SELECT column_name, data_type FROM duckdb_columns() WHERE database_name = '{db}' "
                                   f"AND schema_name = 'finops' AND table_name = '{table}' ORDER BY column_index").fetchall()
                       for db in ("l", "r")]
            assert columns[0] == columns[1], f"{table}: columns or types differ"
            rows = con.execute(f"SELECT count(*) FROM l.finops.{table}").fetchone()[0]
            left_only = con.execute(f"SELECT count(*) FROM (FROM l.finops.{table} EXCEPT ALL FROM r.finops.{table})").fetchone()[0]
            right_only = con.execute(f"SELECT count(*) FROM (FROM r.finops.{table} EXCEPT ALL FROM l.finops.{table})").fetchone()[0]
            out[table] = (rows, left_only, right_only)
    return out


def month_order(warehouse: Path, table: str) -> list[str]:
    """The billing months of `table` in the order of its rows (row groups written batch after batch)."""
    with duckdb.connect(str(warehouse), read_only=True) as con:
        months = [m for (m,) in con.execute(f"SELECT strftime(billing_month, '%Y-%m') FROM finops.{table}").fetchall()]
    return [m for i, m in enumerate(months) if i == 0 or months[i - 1] != m]


@pytest.fixture(scope="module")
def one_statement(demo_warehouse, tmp_path_factory) -> Path:
    """The batched models built new over both months in one statement each (a batch of 12 months)."""
    tmp_path = tmp_path_factory.mktemp("one_statement")
    warehouse = warehouse_copy(demo_warehouse, tmp_path, "one", drop=True)
    dbt_run(warehouse, tmp_path, "one", batch_months=12)
    return warehouse


def test_new_tables_built_month_by_month_equal_a_one_statement_build(demo_warehouse, one_statement, tmp_path):
    warehouse = warehouse_copy(demo_warehouse, tmp_path, "batched", drop=True)
    target = dbt_run(warehouse, tmp_path, "batched", batch_months=1)

    # Every batched model ran as two statements: CREATE TABLE AS September, INSERT of October.
    for table in BATCHED:
        (run_sql,) = target.glob(f"run/**/{table}.sql")
        sql = run_sql.read_text()
        assert sql.count("as finops_month_batch") == 1, table
        assert "cast('2025-09-01' as date)" in sql and "cast('2025-10-01' as date)" in sql
        assert "cast('2025-11-01' as date)" in sql
    for table in ("int_cost_focus", "fact_cost_hourly"):
        assert month_order(warehouse, table) == ["2025-09", "2025-10"]  # each month's rows written together

    diff = differences(one_statement, warehouse)
    assert all(rows > 0 for rows, _, _ in diff.values()), diff
    assert all(left == right == 0 for _, left, right in diff.values()), diff


def test_existing_tables_replaced_month_by_month_equal_a_one_statement_build(demo_warehouse, one_statement, tmp_path):
    """Batches over existing tables (delete+insert of each batch's months): the demo's own tables, built by Dagster,
    replaced month by month, equal the one-statement build (and the tables before the run)."""
    root, _ = demo_warehouse
    warehouse = warehouse_copy(demo_warehouse, tmp_path, "replaced", drop=False)
    target = dbt_run(warehouse, tmp_path, "replaced", batch_months=1)
    assert "delete from" in next(target.glob("run/**/fact_cost_hourly.sql")).read_text()

    for reference in (one_statement, root / "warehouse.duckdb"):
        diff = differences(reference, warehouse)
        assert all(rows > 0 for rows, _, _ in diff.values()), diff
        assert all(left == right == 0 for _, left, right in diff.values()), diff


def test_existing_tables_replace_every_month_of_the_run_and_no_other(demo_warehouse, tmp_path):
    """The replace path deletes the run's months and inserts the model's rows straight from its SQL (no temporary
    table): a month of the run left without rows is emptied (its rows would be stale), a month outside the run is
    untouched."""
    warehouse = warehouse_copy(demo_warehouse, tmp_path, "emptied", drop=False)
    with duckdb.connect(str(warehouse)) as con:
        before = {t: con.execute(f"SELECT count(*) FROM finops.{t}").fetchone()[0] for t in BATCHED}
        for table in BATCHED:
            # a stale row in November (inside the run below, which has no November input) and one in December
            # (outside it), copied from a September row
            for month in ("2025-11-01", "2025-12-01"):
                con.execute(f"INSERT INTO finops.{table} SELECT * REPLACE (DATE '{month}' AS billing_month) "
                            f"FROM finops.{table} WHERE billing_month = DATE '2025-09-01' LIMIT 1")
    target = tmp_path / "target-emptied"
    subprocess.run(
        [dbt_executable(), "run", "--profiles-dir", ".", "--target-path", str(target), "--log-path", str(tmp_path / "logs"),
         "--select", " ".join(BATCHED), "--vars", str({"min_month": "2025-09-01", "max_month": "2025-12-01"})],
        cwd=DBT_PROJECT_DIR, capture_output=True, text=True, check=True,
        env={**os.environ, "FINOPS_ENV": "local", "FINOPS_DUCKDB_PATH": str(warehouse)},
    )
    sql = next(target.glob("run/**/fact_cost_hourly.sql")).read_text()
    assert "cast('2025-09-01' as date)" in sql and "cast('2025-12-01' as date)" in sql
    assert "__dbt_tmp" not in sql  # the rows go straight into the table
    with duckdb.connect(str(warehouse), read_only=True) as con:
        for table in BATCHED:
            months = dict(con.execute(f"SELECT strftime(billing_month, '%Y-%m'), count(*) FROM finops.{table} "
                                      "GROUP BY 1").fetchall())
            assert "2025-11" not in months, table
            assert months["2025-12"] == 1, table
            assert sum(months.values()) == before[table] + 1, table
    diff = differences(demo_warehouse[0] / "warehouse.duckdb", warehouse)
    assert {t: (left, right) for t, (_, left, right) in diff.items()} == {t: (0, 1) for t in BATCHED}


def test_dbt_connection_settings(demo_warehouse, tmp_path):
    """The dbt profile's DuckDB connection: no checkpoint merge of partly deleted row groups (a month's replacement
    would otherwise re-read and recompress its neighbours at every checkpoint), no insertion order, UTC."""
    warehouse = warehouse_copy(demo_warehouse, tmp_path, "settings", drop=False)
    shown = subprocess.run(
        [dbt_executable(), "show", "--profiles-dir", ".", "--target-path", str(tmp_path / "target"),
         "--log-path", str(tmp_path / "logs"), "--output", "json", "--log-format", "json", "--inline",
         "select current_setting('max_vacuum_tasks') as vacuum_tasks, "
         "current_setting('preserve_insertion_order') as insertion_order, current_setting('TimeZone') as tz"],
        cwd=DBT_PROJECT_DIR, capture_output=True, text=True, check=True,
        env={**os.environ, "FINOPS_ENV": "local", "FINOPS_DUCKDB_PATH": str(warehouse)},
    )
    previews = [json.loads(line)["data"]["preview"] for line in shown.stdout.splitlines()
                if line.startswith("{") and "preview" in json.loads(line).get("data", {})]
    assert json.loads(previews[-1]) == [{"vacuum_tasks": 0, "insertion_order": False, "tz": "UTC"}]
