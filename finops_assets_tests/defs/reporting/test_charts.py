"""Vega-Lite specs of the panels: the right encodings, anomalies as a red point layer, exact decimals only turned
into numbers for drawing, and SVG/PNG rendered offline."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import pytest

from finops_assets.dashboards.panels import PANELS
from finops_assets.defs.reporting.charts import chart_spec, render_png, render_svg

ANOMALIES = next(p for p in PANELS if p.key == "daily_cost_anomalies")
RECORDS = [
    {"time": datetime(2025, 9, d), "total_cost": Decimal("100.000000000000000001"), "expected_cost": 100.0, "anomaly_cost": None}
    for d in range(1, 9)
] + [{"time": datetime(2025, 9, 9), "total_cost": Decimal("900.5"), "expected_cost": 100.0, "anomaly_cost": Decimal("900.5")}]


def test_anomalies_are_a_red_point_layer_over_the_daily_line():
    spec = chart_spec(ANOMALIES, RECORDS)
    line, points = spec["layer"]
    assert line["mark"]["type"] == "line" and line["encoding"]["x"] == {"field": "time", "type": "temporal", "title": "time"}
    assert points["transform"] == [{"filter": "isValid(datum.anomaly_cost)"}]
    assert points["mark"]["color"] == "#d62728" and points["encoding"]["y"]["field"] == "anomaly_cost"
    assert spec["data"]["values"][-1] == {"time": "2025-09-09T00:00:00", "total_cost": 900.5, "expected_cost": 100.0, "anomaly_cost": 900.5}


def test_series_become_colours_and_scatter_axes_are_quantitative():
    scatter = chart_spec(next(p for p in PANELS if p.key == "p95_latency_vs_cost"),
                         [{"service": "api", "total_cost": Decimal("1.5"), "duration_p95_ms": 120.0}])
    (layer,) = scatter["layer"]
    assert layer["mark"]["type"] == "point"
    assert layer["encoding"]["x"]["type"] == layer["encoding"]["y"]["type"] == "quantitative"
    assert layer["encoding"]["color"]["field"] == "service"


def test_table_panels_have_no_chart():
    with pytest.raises(ValueError, match="data_freshness"):
        chart_spec(next(p for p in PANELS if p.key == "data_freshness"), [])


def test_charts_render_offline_to_svg_and_png():
    spec = chart_spec(ANOMALIES, RECORDS)
    svg = render_svg(spec)
    assert svg.startswith("<svg") and "role-mark" in svg and "Daily cost with anomalies" in svg
    assert render_png(spec).startswith(b"\x89PNG\r\n\x1a\n")
