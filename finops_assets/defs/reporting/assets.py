"""`cost_report`: the dashboard panels over the marts, as one offline HTML report and a summary in the Dagster UI.

It runs every panel of finops_assets/dashboards/panels.py (the SQL the Grafana dashboards run) through the
`warehouse_query` resource over all history, writes `<FINOPS_REPORTS_DIR>/cost_report.html`, and attaches the
headline numbers as markdown and the main charts as PNG images to the materialization.

(No `from __future__ import annotations` here: Dagster reads the asset function's annotations at runtime.)
"""

import base64
import json
from datetime import datetime, timezone
from pathlib import Path

import dagster as dg

from finops_assets.dashboards.panels import PANELS, Panel, executable_sql
from finops_assets.defs.dbt.project import finops_dbt_project
from finops_assets.defs.reporting.charts import chart_spec, render_png
from finops_assets.defs.reporting.report import PanelResult, build_report_html, summary_markdown, summary_rows
from finops_assets.settings import Settings
from finops_assets.warehouse.query_resource import WarehouseQueryResource

REPORT_FILE = "cost_report.html"
# The charts attached to the materialization as images (the rest are in the HTML).
METADATA_CHARTS = ("cost_by_cloud_over_time", "daily_cost_anomalies", "cost_per_request")


def report_deps(dbt_models: set[str]) -> list[dg.AssetKey]:
    """The dbt models the panels read that the dbt project defines (models are keyed by their name)."""
    read = {table for panel in PANELS for table in panel.mart_tables}
    return [dg.AssetKey(name) for name in sorted(read & dbt_models)]


def _dbt_models() -> set[str]:
    manifest = json.loads(Path(finops_dbt_project().manifest_path).read_text())
    return {node["name"] for node in manifest["nodes"].values() if node["resource_type"] == "model"}


def run_panel(panel: Panel, warehouse: WarehouseQueryResource, tables: dict[str, set[str]], datasets: dict[str, str]) -> PanelResult:
    missing = tuple(f"{datasets[ds]}.{table}" for ds, table in panel.tables if table not in tables[ds])
    if missing:
        return PanelResult(panel, [], missing)
    sql = executable_sql(panel, warehouse.dialect, marts=datasets["marts"], raw=datasets["raw"])
    return PanelResult(panel, warehouse.query(sql).records())


def _png_markdown(results: dict[str, PanelResult]) -> str:
    images = []
    for key in METADATA_CHARTS:
        result = results.get(key)
        if result is None or not result.drawn:
            continue
        png = render_png(chart_spec(result.panel, result.records), scale=0.8)
        images.append(f"![{result.panel.title}](data:image/png;base64,{base64.b64encode(png).decode()})")
    return "\n\n".join(images) or "No chart has data yet."


def build_cost_report(settings: Settings) -> dg.AssetsDefinition:
    reports_dir = Path(settings.reports_dir)
    datasets = {"marts": settings.mart_dataset, "raw": settings.raw_dataset}

    @dg.asset(
        name="cost_report",
        group_name="reporting",
        deps=report_deps(_dbt_models()),
        kinds={"html"},
        description=(
            "The dashboard panels (cost by cloud/service/team/environment, anomalies, allocation, LLM spend, "
            "performance, freshness) as one self-contained HTML file with offline SVG charts, in FINOPS_REPORTS_DIR."
        ),
    )
    def cost_report(context: dg.AssetExecutionContext, warehouse_query: WarehouseQueryResource) -> dg.MaterializeResult:
        tables = {name: warehouse_query.tables(dataset) for name, dataset in datasets.items()}
        results = {p.key: run_panel(p, warehouse_query, tables, datasets) for p in PANELS}
        rows = summary_rows(results)
        generated_at = datetime.now(timezone.utc)
        source = f"{warehouse_query.dialect} datasets {datasets['marts']} and {datasets['raw']}"
        document = build_report_html(list(results.values()), generated_at=generated_at, source=source, summary_rows=rows)
        reports_dir.mkdir(parents=True, exist_ok=True)
        path = reports_dir / REPORT_FILE
        # Written next to the final name and renamed, so a reader never opens a half-written report.
        partial = path.with_suffix(".html.partial")
        partial.write_text(document, encoding="utf-8")
        partial.replace(path)
        drawn = [key for key, r in results.items() if r.drawn]
        missing = sorted({t for r in results.values() for t in r.missing_tables})
        context.log.info(f"cost report with {len(drawn)} charts written to {path}")
        return dg.MaterializeResult(
            metadata={
                "report_path": dg.MetadataValue.path(str(path.resolve())),
                "charts": len(drawn),
                "panels_without_data": dg.MetadataValue.json(sorted(k for k, r in results.items() if not r.records)),
                "missing_tables": dg.MetadataValue.json(missing),
                "summary": dg.MetadataValue.md(summary_markdown(rows, results.get("data_freshness"))),
                "charts_preview": dg.MetadataValue.md(_png_markdown(results)),
                "bytes": path.stat().st_size,
            }
        )

    return cost_report
