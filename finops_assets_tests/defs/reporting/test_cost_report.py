"""`cost_report` materialized through Dagster on the demo warehouse: a self-contained HTML file whose numbers are
the marts' exact totals, a markdown summary and PNG charts on the materialization, and an explicit note when
no performance data is loaded. (The browser test is in test_cost_report_browser.py.)"""

from __future__ import annotations

import base64
import re
import shutil
import dagster as dg

from finops_assets.dashboards.panels import PANELS
from finops_assets.definitions import build_definitions
from finops_assets.defs.reporting.assets import report_deps
from finops_assets.settings import Settings
from finops_assets.warehouse.duckdb_warehouse import connect
from finops_assets.warehouse.tracking import format_decimal
from finops_assets_tests.defs.reporting.conftest import materialize_report

# The performance facts (the OpenTelemetry side); the performance panels also read dimensions shared with cost.
PERFORMANCE_TABLES = {t for p in PANELS if p.group == "performance" for t in p.mart_tables if t.startswith("fact_performance")}
CHART_PANELS = {p.key for p in PANELS if p.chart is not None}


def test_report_is_written_where_configured_and_named_in_metadata(demo_report):
    path, metadata, _ = demo_report
    assert metadata["report_path"] == str(path.resolve())
    assert path.stat().st_size == metadata["bytes"]
    assert not path.with_suffix(".html.partial").exists()


def test_report_is_self_contained(demo_report):
    document = demo_report[0].read_text()
    assert "<script" not in document
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", document)


def test_report_totals_are_the_marts_exact_totals(demo_report):
    path, metadata, warehouse = demo_report
    con = connect(str(warehouse), read_only=True)
    totals = con.execute("SELECT cloud_provider, billing_currency, SUM(total_cost) FROM finops.fact_cost_daily GROUP BY ALL").fetchall()
    con.close()
    document = path.read_text()
    for cloud, currency, total in totals:
        line = f"| Total cost {cloud} ({currency}) | {format_decimal(total)} |"
        assert line in metadata["summary"]
        assert format_decimal(total) in document


def test_materialization_shows_the_summary_freshness_and_chart_images(demo_report):
    _, metadata, _ = demo_report
    assert "**Data freshness**" in metadata["summary"]
    for source in ("aws_cur", "azure_focus", "gcp_billing"):
        assert f"| {source} |" in metadata["summary"]
    images = re.findall(r"!\[[^\]]+\]\(data:image/png;base64,([A-Za-z0-9+/=]+)\)", metadata["charts_preview"])
    assert images and all(base64.b64decode(i).startswith(b"\x89PNG\r\n\x1a\n") for i in images)


def test_report_draws_every_chart_from_demo_data(demo_report):
    path, metadata, _ = demo_report
    drawn = set(re.findall(r"<figure class='chart' data-panel='([a-z0-9_]+)'><svg", path.read_text()))
    assert drawn == CHART_PANELS
    assert metadata["charts"] == len(CHART_PANELS) and metadata["panels_without_data"] == []


def test_without_performance_marts_the_report_says_no_performance_data(demo_warehouse, tmp_path):
    root, _ = demo_warehouse
    warehouse = tmp_path / "warehouse.duckdb"
    shutil.copy(root / "warehouse.duckdb", warehouse)  # a deployment without OpenTelemetry has no performance facts
    con = connect(str(warehouse))
    for table in PERFORMANCE_TABLES:
        con.execute(f"DROP TABLE IF EXISTS finops.{table}")
        con.execute(f"DROP VIEW IF EXISTS finops.{table}")
    con.close()
    metadata = materialize_report(warehouse, tmp_path / "reports")
    document = (tmp_path / "reports" / "cost_report.html").read_text()
    assert "No performance data loaded: <code>finops.fact_performance_cost_joined</code> not in the warehouse." in document
    assert metadata["missing_tables"] == [f"finops.{t}" for t in sorted(PERFORMANCE_TABLES)]
    assert metadata["charts"] == len({p.key for p in PANELS if p.chart is not None and p.group != "performance"})
    assert "| Performance | no performance data loaded |" in metadata["summary"]


def test_report_depends_on_the_dbt_models_it_reads():
    deps = report_deps({"fact_cost_daily", "dim_service", "stg_aws_cur"})
    assert deps == [dg.AssetKey("dim_service"), dg.AssetKey("fact_cost_daily")]
    defs = build_definitions(Settings())
    upstream = defs.resolve_assets_def("cost_report").asset_deps[dg.AssetKey("cost_report")]
    assert {dg.AssetKey("fact_cost_daily"), dg.AssetKey("llm_consumption"), dg.AssetKey("fact_cost_allocation")} <= upstream


def test_demo_report_command_writes_the_report_and_prints_its_path(demo_warehouse, tmp_path, monkeypatch, capsys):
    from finops_assets.demo.__main__ import main as demo_main

    root, _ = demo_warehouse
    (tmp_path / "dagster_home").mkdir()
    for key, value in {"FINOPS_DUCKDB_PATH": str(root / "warehouse.duckdb"), "FINOPS_REPORTS_DIR": str(tmp_path / "reports"),
                       "FINOPS_START_MONTH": "2025-01", "DAGSTER_HOME": str(tmp_path / "dagster_home")}.items():
        monkeypatch.setenv(key, value)
    assert demo_main(["report"]) == 0
    path = (tmp_path / "reports" / "cost_report.html").resolve()
    assert f"cost report: {path} (" in capsys.readouterr().out
    assert path.read_text().startswith("<!DOCTYPE html>")
