"""The DuckDB side of `warehouse_query`: exact decimals, table listing per schema, and a clear error without a
warehouse file. (The BigQuery side is tested through the cost report against the recorder.)"""

from __future__ import annotations

from decimal import Decimal

import pytest

from finops_assets.warehouse.duckdb_warehouse import connect
from finops_assets.warehouse.query_resource import DuckDBWarehouseQuery


def test_queries_return_exact_decimals_and_list_tables_per_schema(tmp_path):
    path = tmp_path / "w.duckdb"
    con = connect(str(path))
    con.execute("CREATE SCHEMA finops; CREATE TABLE finops.fact_cost_daily (total_cost DECIMAL(38,18))")
    con.execute("INSERT INTO finops.fact_cost_daily VALUES (0.000000000000000001), (41.999999999999999999)")
    con.close()
    warehouse = DuckDBWarehouseQuery(database=str(path))
    result = warehouse.query("SELECT SUM(total_cost) AS total FROM finops.fact_cost_daily")
    assert result.records() == [{"total": Decimal("42.000000000000000000")}]
    assert warehouse.dialect == "duckdb"
    assert warehouse.tables("finops") == {"fact_cost_daily"}
    assert warehouse.tables("o'neil") == set()


def test_missing_warehouse_has_no_tables_and_a_clear_error(tmp_path):
    warehouse = DuckDBWarehouseQuery(database=str(tmp_path / "none.duckdb"))
    assert warehouse.tables("finops") == set()
    with pytest.raises(FileNotFoundError, match="no warehouse at .*none.duckdb"):
        warehouse.query("SELECT 1")
