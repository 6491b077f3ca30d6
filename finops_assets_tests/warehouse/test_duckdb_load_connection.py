"""The loading connection's settings (finops_assets/warehouse/duckdb_warehouse.py `load_connection_settings`): its
checkpoint does not merge row groups that a replaced month left partly empty, and still drops the ones left empty.

Real DuckDB files; the table spans several row groups (DuckDB's default of 122,880 rows each)."""

from __future__ import annotations

import duckdb

from finops_assets.warehouse.duckdb_warehouse import DuckDBWarehouse, load_connection_settings

ROW_GROUP = 122_880


def row_groups(path: str) -> int:
    con = duckdb.connect(path, read_only=True)
    try:
        return con.execute("SELECT count(DISTINCT row_group_id) FROM pragma_storage_info('t')").fetchone()[0]
    finally:
        con.close()


def four_row_groups_then_delete(path: str, settings: list[str], where: str) -> tuple[int, int]:
    """Four row groups of one month each, then a DELETE on a connection with `settings` and its close (checkpoint):
    (row groups before, row groups after)."""
    con = duckdb.connect(path)
    con.execute(f"CREATE TABLE t AS SELECT i, i // {ROW_GROUP} AS month FROM range({4 * ROW_GROUP}) r(i)")
    con.close()
    before = row_groups(path)
    con = duckdb.connect(path)
    for statement in settings:
        con.execute(statement)
    con.execute(f"DELETE FROM t WHERE {where}")
    con.close()
    return before, row_groups(path)


def test_the_load_checkpoint_leaves_partly_emptied_row_groups_unmerged(tmp_path):
    # Half of two neighbouring row groups deleted: by default the checkpoint rewrites them into one (reading and
    # recompressing every row left in them); the loading connection's checkpoint does not.
    half = f"month IN (1, 2) AND i % {ROW_GROUP} < {ROW_GROUP // 2}"
    default = four_row_groups_then_delete(str(tmp_path / "default.duckdb"), [], half)
    loading = four_row_groups_then_delete(
        str(tmp_path / "load.duckdb"), load_connection_settings(str(tmp_path / "load.duckdb"), "1GB"), half)
    assert default == (4, 3)
    assert loading == (4, 4)
    con = duckdb.connect(str(tmp_path / "load.duckdb"), read_only=True)
    assert con.execute("SELECT count(*), count(*) FILTER (WHERE month IN (1, 2)) FROM t").fetchone() == (3 * ROW_GROUP, ROW_GROUP)
    con.close()


def test_the_load_checkpoint_still_drops_row_groups_a_replaced_month_emptied(tmp_path):
    path = str(tmp_path / "load.duckdb")
    assert four_row_groups_then_delete(path, load_connection_settings(path, "1GB"), "month = 1") == (4, 3)


def test_the_warehouse_loads_on_a_connection_with_those_settings(tmp_path):
    warehouse = DuckDBWarehouse(str(tmp_path / "warehouse.duckdb"), "billing_raw", memory_limit="1GB")
    con = warehouse._connect()
    try:
        assert con.execute("SELECT current_setting('max_vacuum_tasks'), current_setting('preserve_insertion_order')"
                           ).fetchone() == (0, False)
    finally:
        con.close()
