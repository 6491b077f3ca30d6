"""The checks' DuckDB connection is bounded like the loads: FINOPS_DUCKDB_MEMORY_LIMIT reaches its queries, so the
range checks (the duplicate-key screen groups every line item) spill instead of growing with the history."""

from __future__ import annotations

import duckdb

from finops_assets.resources import build_resources
from finops_assets.settings import load_settings
from finops_assets.warehouse.queries import DuckDBQueryResource


def test_checks_connection_uses_the_configured_memory_limit(tmp_path):
    database = tmp_path / "warehouse.duckdb"
    duckdb.connect(str(database)).close()
    with DuckDBQueryResource(database=str(database), memory_limit="300MB").open() as queries:
        limit = queries.fetch("SELECT current_setting('memory_limit')")[0][0]
    assert limit == "286.1 MiB"  # 300 MB as DuckDB prints it


def test_local_resources_pass_the_setting_to_the_checks(tmp_path):
    settings = load_settings({"FINOPS_DUCKDB_PATH": str(tmp_path / "w.duckdb"), "FINOPS_DUCKDB_MEMORY_LIMIT": "512MB",
                              "FINOPS_LANDING_URL": str(tmp_path / "landing")})
    assert build_resources(settings)["warehouse_queries"].memory_limit == "512MB"
