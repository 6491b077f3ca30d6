"""Vega-Lite charts of the panels' rows, rendered offline to SVG (the HTML report) and PNG (Dagster metadata).

vl-convert bundles Vega, Vega-Lite and a JavaScript runtime: no browser, no network. Money stays exact
everywhere else; only here, for drawing, are decimals turned into JSON numbers.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

import vl_convert

from finops_assets.dashboards.panels import Panel

WIDTH = 560
HEIGHT = 240


def _json_value(value: Any) -> Any:
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%dT%H:%M:%S")
    if isinstance(value, date):
        return value.isoformat()
    return value


def chart_spec(panel: Panel, records: list[dict[str, Any]]) -> dict[str, Any]:
    """The Vega-Lite spec of a panel with a chart encoding, its rows inlined."""
    chart = panel.chart
    if chart is None:
        raise ValueError(f"panel {panel.key} has no chart encoding (it is shown as a table)")
    values = [{k: _json_value(v) for k, v in r.items()} for r in records]
    x_type = "temporal" if chart.x == "time" else ("quantitative" if chart.mark == "point" else "nominal")
    encoding: dict[str, Any] = {
        "x": {"field": chart.x, "type": x_type, "title": chart.x.replace("_", " ")},
        "y": {"field": chart.y, "type": "quantitative", "title": chart.y.replace("_", " ")},
        "tooltip": [{"field": name} for name in (records[0].keys() if records else ())],
    }
    if chart.series:
        encoding["color"] = {"field": chart.series, "type": "nominal", "title": chart.series.replace("_", " ")}
    mark: dict[str, Any] = {"type": chart.mark, "tooltip": True}
    if chart.mark == "line":
        mark["point"] = len(values) <= 120
    layers: list[dict[str, Any]] = [{"mark": mark, "encoding": encoding}]
    if chart.highlight:
        layers.append({
            "transform": [{"filter": f"isValid(datum.{chart.highlight})"}],
            "mark": {"type": "point", "filled": True, "size": 120, "color": "#d62728"},
            "encoding": {"x": encoding["x"], "y": {"field": chart.highlight, "type": "quantitative"}},
        })
    return {
        "$schema": "https://vega.github.io/schema/vega-lite/v5.json",
        "title": panel.title,
        "width": WIDTH,
        "height": HEIGHT,
        "data": {"values": values},
        "layer": layers,
        # Service and model names are long: show them whole in the legend.
        "config": {"legend": {"labelLimit": 260, "titleLimit": 260}},
    }


def render_svg(spec: dict[str, Any]) -> str:
    return vl_convert.vegalite_to_svg(spec)


def render_png(spec: dict[str, Any], scale: float = 1.0) -> bytes:
    return vl_convert.vegalite_to_png(spec, scale=scale)
