"""Shared fixtures: a landing folder, a warehouse file, definitions bound to them, and one demo warehouse per session."""

from __future__ import annotations

import argparse
import contextlib
import io
import os
from datetime import date
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from finops_assets.definitions import build_definitions
from finops_assets.demo import __main__ as demo
from finops_assets.demo.__main__ import main as demo_main
from finops_assets.demo.check_report import CheckTally
from finops_assets.instance_storage import write_instance_yaml
from finops_assets.settings import Settings

# google-auth must never probe the cloud metadata server from a test.
os.environ.setdefault("GCE_METADATA_HOST", "127.0.0.1:9")
os.environ.setdefault("GCE_METADATA_IP", "127.0.0.1:9")
os.environ.setdefault("NO_GCE_CHECK", "True")

MONTH = date(2025, 9, 1)


@pytest.fixture
def landing(tmp_path: Path) -> Path:
    path = tmp_path / "landing"
    path.mkdir()
    return path


@pytest.fixture
def settings(tmp_path: Path, landing: Path) -> Settings:
    return Settings(landing_url=str(landing), duckdb_path=str(tmp_path / "warehouse.duckdb"), start_month=date(2024, 1, 1))


@pytest.fixture
def defs(settings: Settings) -> dg.Definitions:
    return build_definitions(settings)


def materialize_month(
    defs: dg.Definitions, month: date, *, asset: str = "aws_cur_raw", force: bool = False, raise_on_error: bool = True
):
    assets_def = defs.resolve_assets_def(asset)  # resources of `defs` come bound to it
    run_config = {"ops": {asset: {"config": {"force": force}}}} if force else None
    return dg.materialize(
        [assets_def],
        partition_key=month.isoformat(),
        instance=dg.DagsterInstance.ephemeral(),
        run_config=run_config,
        raise_on_error=raise_on_error,
    )


def query(settings: Settings, sql: str, params: list | None = None) -> list[tuple]:
    con = duckdb.connect(settings.duckdb_path, read_only=True)
    try:
        con.execute("SET TimeZone='UTC'")
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()


def output_metadata(result: dg.ExecuteInProcessResult) -> dict:
    (event,) = result.get_asset_materialization_events()
    return {k: v.value for k, v in event.materialization.metadata.items()}


def step_failure_message(result: dg.ExecuteInProcessResult) -> str:
    failure = next(e for e in result.all_events if e.event_type_value == "STEP_FAILURE")
    return str(failure.event_specific_data.error)


@pytest.fixture(scope="session")
def demo_warehouse(tmp_path_factory) -> tuple[Path, str]:
    """The demo pipeline once per test session, through the demo CLI's steps: two months of every source, the newest
    restated, every raw month materialized through Dagster, then the dbt models, and the tally of every check those
    runs evaluated (as `make demo` ends). Returns (root, printed output);
    the warehouse is `root / "warehouse.duckdb"`, the landing area `root / "landing"`. Read it, never write it:
    tests that inject defects copy the file first."""
    root = tmp_path_factory.mktemp("demo_warehouse")
    (root / "dagster_home").mkdir()
    write_instance_yaml(root / "dagster_home")
    environ = {"FINOPS_LANDING_URL": str(root / "landing"), "FINOPS_DUCKDB_PATH": str(root / "warehouse.duckdb"),
               "FINOPS_START_MONTH": "2025-01", "DAGSTER_HOME": str(root / "dagster_home"),
               # 1,500 lines a month give a service a handful of line items a day, and the demo draws one line in twenty
               # up to $1,000: a day holding one of them is a real 30-40x day at this scale (at `make demo`'s 20,000 lines
               # it is not). The fixture judges cost anomalies at 100x; the check, its 10x default and its defect test
               # (test_quality_tests.py) are unchanged, and this proves the setting reaches dbt.
               "FINOPS_COST_ANOMALY_FACTOR": "100"}
    with pytest.MonkeyPatch.context() as patch:
        for key, value in environ.items():
            patch.setenv(key, value)
        out = io.StringIO()
        # The runs share one check tally, printed at the end as `make demo` prints it.
        runs = argparse.Namespace(check_tally=CheckTally())
        with contextlib.redirect_stdout(out):
            assert demo_main(["generate", "--months", "2", "--rows-per-month", "1500", "--seed", "11", "--end-month", "2025-10"]) == 0
            assert demo.materialize(runs) == 0
            assert demo_main(["restate", "--rows-per-month", "1500", "--seed", "11"]) == 0
            assert demo.materialize(runs) == 0
            assert demo.models(runs) == 0
            assert demo.print_checks(runs) == 0
    return root, out.getvalue()
