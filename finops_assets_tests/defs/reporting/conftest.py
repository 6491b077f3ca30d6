"""The demo cost report, materialized once for the reporting tests."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import dagster as dg
import pytest

from finops_assets.definitions import build_definitions
from finops_assets.settings import Settings
from finops_assets_tests.conftest import output_metadata


def materialize_report(warehouse: Path, reports: Path) -> dict:
    settings = Settings(duckdb_path=str(warehouse), reports_dir=str(reports), start_month=date(2025, 1, 1))
    defs = build_definitions(settings)
    result = dg.materialize([defs.resolve_assets_def("cost_report")], instance=dg.DagsterInstance.ephemeral())
    assert result.success
    return output_metadata(result)


@pytest.fixture(scope="session")
def demo_report(demo_warehouse, tmp_path_factory) -> tuple[Path, dict, Path]:
    """(report path, materialization metadata, warehouse) of `cost_report` over the session's demo warehouse."""
    root, _ = demo_warehouse
    reports = tmp_path_factory.mktemp("reports")
    metadata = materialize_report(root / "warehouse.duckdb", reports)
    return reports / "cost_report.html", metadata, root / "warehouse.duckdb"
