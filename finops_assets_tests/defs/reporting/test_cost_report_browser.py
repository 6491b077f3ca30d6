"""End to end: the demo cost report opened in headless Chromium draws every chart, logs no console error and
requests nothing but itself."""

from __future__ import annotations

import struct

from finops_assets_tests.browser import open_page
from finops_assets_tests.defs.reporting.test_cost_report import CHART_PANELS

# Per chart: how many Vega marks (SVG paths with geometry) were drawn, and how wide the chart is on screen.
CHARTS = """Array.from(document.querySelectorAll('figure.chart')).map(f => ({
  panel: f.dataset.panel,
  marks: Array.from(f.querySelectorAll('svg g[class*="role-mark"] path')).filter(p => (p.getAttribute('d') || '').length > 2).length,
  width: f.querySelector('svg') ? f.querySelector('svg').getBoundingClientRect().width : 0,
}))"""


def png_size(data: bytes) -> tuple[int, int]:
    assert data.startswith(b"\x89PNG\r\n\x1a\n")
    return struct.unpack(">II", data[16:24])


def test_report_renders_every_chart_in_chromium(demo_report, tmp_path):
    path, _, _ = demo_report
    visit = open_page(path, tmp_path / "chromium-profile", CHARTS)
    (tmp_path / "cost_report.png").write_bytes(visit.screenshot)
    assert visit.console_errors == []
    assert visit.requested_urls == [path.resolve().as_uri()]
    charts = {c["panel"]: c for c in visit.evaluated}
    assert set(charts) == CHART_PANELS
    for panel, chart in charts.items():
        assert chart["marks"] > 0 and chart["width"] > 100, (panel, chart)
    width, height = png_size(visit.screenshot)
    assert width == 1280 and height > 300 * len(CHART_PANELS)
