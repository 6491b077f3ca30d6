"""The dbt resource learns dbt's version from the installed dbt-core package when it runs this environment's dbt, and
its DuckDB target waits for the warehouse while another process holds it."""

import sys
import threading
import time
from importlib import metadata
from pathlib import Path

import dagster as dg
import duckdb
from dagster_dbt import DbtCliResource
from packaging import version

from finops_assets.definitions import build_definitions
from finops_assets.defs.dbt.project import dbt_executable, finops_dbt_project
from finops_assets.defs.dbt.resource import FinopsDbtCliResource, installed_dbt_core_version
from finops_assets.settings import Settings


def test_this_environments_dbt_reports_the_installed_dbt_core_version():
    assert installed_dbt_core_version(dbt_executable()) == version.parse(metadata.version("dbt-core"))


def test_a_dbt_of_another_environment_is_asked_for_its_version(tmp_path):
    other = tmp_path / "bin" / "dbt"
    other.parent.mkdir()
    other.write_text("#!/bin/sh\necho 'Core:\n  - installed: 1.9.4'\n")
    other.chmod(0o755)

    assert installed_dbt_core_version(str(other)) is None
    resource = FinopsDbtCliResource(project_dir=finops_dbt_project(), dbt_executable=str(other))
    assert resource._cli_version == version.parse("1.9.4")  # dagster-dbt's own `dbt --version`


def test_the_resource_is_dagster_dbts_and_builds_no_in_process_adapter():
    resource = FinopsDbtCliResource(project_dir=finops_dbt_project(), dbt_executable=dbt_executable())
    assert isinstance(resource, DbtCliResource)
    assert resource._cli_version == version.parse(metadata.version("dbt-core"))
    assert Path(sys.executable).with_name("dbt").exists()
    assert resource._initialize_dbt_core_adapter(["build"]) is None


HOLD_SECONDS = 12.0


def test_dbt_waits_for_the_warehouse_while_another_process_holds_it(tmp_path, monkeypatch):
    """A sensor's raw load and the automation's dbt run can start together; the second one to open the DuckDB file
    waits for the lock (dbt runs in its own process; this test process holds the file for longer than dbt takes to
    start) instead of failing."""
    settings = Settings(landing_url=str(tmp_path / "landing"), duckdb_path=str(tmp_path / "warehouse.duckdb"))
    monkeypatch.setenv("FINOPS_LANDING_URL", settings.landing_url)
    monkeypatch.setenv("FINOPS_DUCKDB_PATH", settings.duckdb_path)
    defs = build_definitions(settings)
    seed = dg.AssetKey("region_geography")
    holder = duckdb.connect(settings.duckdb_path)  # the other writer
    released = threading.Timer(HOLD_SECONDS, holder.close)
    started = time.monotonic()
    released.start()
    try:
        result = dg.materialize([defs.resolve_assets_def(seed)], selection=[seed], instance=dg.DagsterInstance.ephemeral())
    finally:
        released.cancel()
        holder.close()
    assert result.success
    assert time.monotonic() - started >= HOLD_SECONDS
    with duckdb.connect(settings.duckdb_path, read_only=True) as con:
        assert con.execute("select count(*) from finops.region_geography").fetchone()[0] > 0
