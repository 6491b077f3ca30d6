"""The cost report: the dashboard panels' rows drawn into one self-contained HTML file and a markdown summary.

The HTML holds every chart as inline SVG (rendered offline by vl-convert), no script and no external
resource, so it opens anywhere, mailed or archived. A panel whose tables do not exist is not drawn: the
report says which data is not loaded (a deployment without OpenTelemetry has no performance facts).
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from finops_assets.dashboards.panels import Panel
from finops_assets.defs.reporting.charts import chart_spec, render_svg
from finops_assets.warehouse.tracking import format_decimal

SECTIONS = (
    ("cost", "Cost"),
    ("llm", "LLM spend"),
    ("performance", "Performance and unit economics"),
    ("freshness", "Data freshness"),
)


@dataclass(frozen=True)
class PanelResult:
    panel: Panel
    records: list[dict[str, Any]]
    missing_tables: tuple[str, ...] = ()

    @property
    def drawn(self) -> bool:
        return not self.missing_tables and bool(self.records) and self.panel.chart is not None


def format_cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return format_decimal(value)
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S UTC")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float):
        return f"{value:,.6g}"
    return str(value)


def _html_table(records: list[dict[str, Any]]) -> str:
    if not records:
        return "<p class='note'>No rows.</p>"
    columns = list(records[0])
    head = "".join(f"<th>{html.escape(c)}</th>" for c in columns)
    body = "".join(
        "<tr>" + "".join(f"<td>{html.escape(format_cell(r[c]))}</td>" for c in columns) + "</tr>" for r in records
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _panel_html(result: PanelResult) -> str:
    if result.missing_tables:
        return ""  # said once per section, by _missing_note
    panel = result.panel
    title = f"<h3>{html.escape(panel.title)}</h3><p class='description'>{html.escape(panel.description)}</p>"
    if panel.chart is None:
        return f"<section class='panel' id='{panel.key}'>{title}{_html_table(result.records)}</section>"
    if not result.records:
        return f"<section class='panel' id='{panel.key}'>{title}<p class='note'>No rows in the warehouse for this panel.</p></section>"
    svg = render_svg(chart_spec(panel, result.records))
    return f"<section class='panel' id='{panel.key}'>{title}<figure class='chart' data-panel='{panel.key}'>{svg}</figure></section>"


def _missing_note(results: list[PanelResult], group: str) -> str:
    missing = sorted({t for r in results for t in r.missing_tables})
    if not missing:
        return ""
    what = "performance data" if group == "performance" else "data"
    tables = ", ".join(f"<code>{html.escape(t)}</code>" for t in missing)
    return f"<p class='note missing' data-group='{group}'>No {what} loaded: {tables} not in the warehouse.</p>"


_STYLE = """
body { font-family: system-ui, sans-serif; margin: 2rem auto; max-width: 1240px; color: #222; }
h1 { margin-bottom: 0.2rem; } .meta { color: #666; margin-top: 0; }
.grid { display: flex; flex-wrap: wrap; gap: 1rem; }
.panel { border: 1px solid #ddd; border-radius: 6px; padding: 0.5rem 1rem; flex: 1 1 600px; }
.panel h3 { margin: 0.3rem 0; } .description { color: #555; font-size: 0.9rem; margin: 0 0 0.5rem; }
table { border-collapse: collapse; font-size: 0.9rem; } th, td { border-bottom: 1px solid #eee; padding: 0.2rem 0.6rem; text-align: left; }
td { font-variant-numeric: tabular-nums; } .note { color: #8a6d3b; background: #fcf8e3; padding: 0.5rem; border-radius: 4px; }
figure { margin: 0; }
"""


def build_report_html(results: list[PanelResult], *, generated_at: datetime, source: str, summary_rows: list[tuple[str, str]]) -> str:
    summary = "".join(f"<tr><th>{html.escape(k)}</th><td>{html.escape(v)}</td></tr>" for k, v in summary_rows)
    sections = []
    for group, heading in SECTIONS:
        group_results = [r for r in results if r.panel.group == group]
        if not group_results:
            continue
        panels = "".join(_panel_html(r) for r in group_results)
        sections.append(f"<h2>{html.escape(heading)}</h2>{_missing_note(group_results, group)}<div class='grid'>{panels}</div>")
    return (
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
        "<title>FinOps cost report</title>"
        f"<style>{_STYLE}</style></head><body>"
        "<h1>FinOps cost report</h1>"
        f"<p class='meta'>Generated {generated_at:%Y-%m-%d %H:%M:%S} UTC from {html.escape(source)}. "
        "Amounts are billed cost (FOCUS BilledCost) in the billing currency.</p>"
        f"<table class='summary'>{summary}</table>"
        + "".join(sections)
        + "</body></html>\n"
    )


def summary_rows(results: dict[str, PanelResult]) -> list[tuple[str, str]]:
    """The report's headline numbers (exact decimal text), shared by the HTML and the markdown summary."""
    rows: list[tuple[str, str]] = []
    by_cloud = results.get("cost_by_cloud")
    if by_cloud is not None:
        for r in by_cloud.records:
            rows.append((f"Total cost {r['cloud_provider']} ({r['billing_currency']})", format_decimal(r["total_cost"])))
    anomalies = results.get("daily_cost_anomalies")
    if anomalies is not None and anomalies.records:
        days = [r["time"] for r in anomalies.records]
        flagged = [r for r in anomalies.records if r["anomaly_cost"] is not None]
        rows.append(("Days", f"{len(days)} ({format_cell(min(days).date())} .. {format_cell(max(days).date())})"))
        rows.append(("Anomalous days", ", ".join(format_cell(r["time"].date()) for r in flagged) or "none"))
    llm = results.get("llm_spend_by_customer")
    if llm is not None and llm.records:
        total = sum((r["billed_cost"] for r in llm.records), start=Decimal(0))
        rows.append(("LLM spend (all currencies)", format_decimal(total)))
    perf = [r for r in results.values() if r.panel.group == "performance"]
    if perf and any(r.missing_tables for r in perf):
        rows.append(("Performance", "no performance data loaded"))
    return rows


def summary_markdown(rows: list[tuple[str, str]], freshness: PanelResult | None) -> str:
    lines = ["| | |", "|---|---|", *(f"| {k} | {v} |" for k, v in rows)]
    if freshness is not None and freshness.records:
        columns = list(freshness.records[0])
        lines += ["", "**Data freshness**", "", "| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
        lines += ["| " + " | ".join(format_cell(r[c]) for c in columns) + " |" for r in freshness.records]
    return "\n".join(lines)
