"""Every panel's SQL runs on the demo marts (DuckDB rendering) and parses as BigQuery (sqlglot), reading only
tables the dbt project builds, so the dashboards and the report cannot drift from the models."""

from __future__ import annotations

import json
import re
from datetime import datetime

import pytest
import sqlglot
from sqlglot import exp

from finops_assets.dashboards.panels import PANELS, Panel, executable_sql, grafana_sql
from finops_assets.defs.dbt.project import finops_dbt_project
from finops_assets.warehouse.duckdb_warehouse import connect

# The demo warehouse holds 2025-09 and 2025-10; the range cuts the first day off to exercise the filter.
DEMO_RANGE = (datetime(2025, 9, 2), datetime(2025, 11, 1))
PANEL_IDS = [p.key for p in PANELS]


def plugin_expanded(sql: str) -> str:
    """The Grafana BigQuery plugin's expansion of its time macro, as its docs show it."""
    return re.sub(
        r"\$__timeFilter\(((?:[^()]|\([^()]*\))+)\)",
        lambda m: f"{m.group(1)} BETWEEN TIMESTAMP('2025-09-02 00:00:00') AND TIMESTAMP('2025-11-01 00:00:00')",
        sql,
    )


def dbt_models() -> set[str]:
    manifest = json.loads(finops_dbt_project().manifest_path.read_text())
    return {n["name"] for n in manifest["nodes"].values() if n["resource_type"] == "model"}


@pytest.fixture(scope="module")
def demo_marts(demo_warehouse):
    root, _ = demo_warehouse
    con = connect(str(root / "warehouse.duckdb"), read_only=True)
    yield con
    con.close()


@pytest.mark.parametrize("panel", PANELS, ids=PANEL_IDS)
def test_panel_sql_runs_on_demo_marts_and_returns_its_chart_columns(panel: Panel, demo_marts):
    cursor = demo_marts.execute(executable_sql(panel, "duckdb", marts="finops", raw="billing_raw", time_range=DEMO_RANGE))
    columns = [d[0] for d in cursor.description]
    rows = cursor.fetchall()
    assert rows, f"{panel.key} returned no rows on the demo marts"
    if panel.chart is not None:
        wanted = {panel.chart.x, panel.chart.y} | {c for c in (panel.chart.series, panel.chart.highlight) if c}
        assert wanted <= set(columns)
    if panel.is_time_series:
        assert columns[0] == "time"
        times = [r[0] for r in rows]
        assert times == sorted(times) and min(times) >= DEMO_RANGE[0] and max(times) < DEMO_RANGE[1]


@pytest.mark.parametrize("panel", PANELS, ids=PANEL_IDS)
def test_panel_sql_parses_as_bigquery_and_reads_only_dbt_models(panel: Panel):
    models = dbt_models()
    for sql in (
        executable_sql(panel, "bigquery", marts="finops", raw="billing_raw", time_range=DEMO_RANGE),
        plugin_expanded(grafana_sql(panel, marts="finops", raw="billing_raw")),
    ):
        tree = sqlglot.parse_one(sql, read="bigquery")
        ctes = {cte.alias for cte in tree.find_all(exp.CTE)}
        read = {(t.db, t.name) for t in tree.find_all(exp.Table) if t.name not in ctes}
        assert read, panel.key
        for dataset, table in read:
            assert (dataset, table) == ("billing_raw", "_load_tracking") or (dataset == "finops" and table in models), (
                f"{panel.key} reads {dataset}.{table}, which no dbt model builds"
            )


def test_every_mart_a_panel_reads_is_a_dbt_model():
    assert {t for p in PANELS for t in p.mart_tables} - dbt_models() == set()


def test_time_macro_becomes_a_range_or_all_history():
    panel = next(p for p in PANELS if p.key == "cost_by_cloud")
    ranged = executable_sql(panel, "duckdb", marts="finops", raw="billing_raw", time_range=DEMO_RANGE)
    assert ("(CAST(date AS TIMESTAMP) >= TIMESTAMP '2025-09-02 00:00:00' AND CAST(date AS TIMESTAMP) < TIMESTAMP "
            "'2025-11-01 00:00:00')") in ranged
    assert 'FROM "finops".fact_cost_daily' in ranged
    everything = executable_sql(panel, "bigquery", marts="finops", raw="billing_raw")
    assert "WHERE TRUE" in everything and "FROM `finops`.fact_cost_daily" in everything
    assert "$__timeFilter(CAST(date AS TIMESTAMP))" in grafana_sql(panel, marts="finops", raw="billing_raw")


def test_dataset_names_are_quoted_for_each_warehouse():
    panel = next(p for p in PANELS if p.key == "data_freshness")
    assert 'FROM "raw`s"._load_tracking' in executable_sql(panel, "duckdb", marts="m", raw="raw`s")
    assert r"FROM `raw\`s`._load_tracking" in executable_sql(panel, "bigquery", marts="m", raw="raw`s")
