"""The Grafana dashboards build from code, equal the committed JSON, and query the provisioned BigQuery data
source with exactly the panels' SQL; the data source provisioning holds no credential."""

from __future__ import annotations

import json
from pathlib import Path

import yaml

from finops_assets.dashboards.__main__ import DASHBOARDS_DIR, main
from finops_assets.dashboards.grafana import DASHBOARDS, DATASOURCE, dashboard_files
from finops_assets.dashboards.panels import PANELS, grafana_sql

GRAFANA_DIR = DASHBOARDS_DIR.parent


def built() -> dict[str, dict]:
    return {name: json.loads(text) for name, text in dashboard_files(marts="finops", raw="billing_raw").items()}


def test_committed_dashboards_equal_the_generated_ones():
    generated = dashboard_files(marts="finops", raw="billing_raw")
    committed = {p.name: p.read_text() for p in sorted(DASHBOARDS_DIR.glob("*.json"))}
    assert committed == generated, "grafana/dashboards is stale: run `python -m finops_assets.dashboards build`"


def test_build_command_writes_every_dashboard(tmp_path, monkeypatch):
    monkeypatch.setenv("FINOPS_MART_DATASET", "finops_eu")
    assert main(["build", "--out", str(tmp_path)]) == 0
    files = {p.name: json.loads(p.read_text()) for p in tmp_path.glob("*.json")}
    assert set(files) == {f"{spec.uid}.json" for spec in DASHBOARDS}
    sql = [t["rawSql"] for d in files.values() for p in d["panels"] for t in p.get("targets", [])]
    assert sql and all("`finops_eu`." in s or "`billing_raw`." in s for s in sql)


def test_every_panel_is_on_one_dashboard_with_its_sql_on_the_bigquery_data_source():
    panels = [p for d in built().values() for p in d["panels"] if p["type"] != "row"]
    assert sorted(p["title"] for p in panels) == sorted(p.title for p in PANELS)
    by_title = {p.title: p for p in PANELS}
    for grafana_panel in panels:
        (target,) = grafana_panel["targets"]
        panel = by_title[grafana_panel["title"]]
        assert target["datasource"] == {"type": "grafana-bigquery-datasource", "uid": DATASOURCE.uid}
        assert target["rawSql"] == grafana_sql(panel, marts="finops", raw="billing_raw").strip()
        assert target["editorMode"] == "code" and target["rawQuery"] is True
        assert target["format"] == (0 if panel.is_time_series else 1)  # 0 time series, 1 table (plugin's QueryFormat)
        assert grafana_panel["type"] == panel.visualization
        assert grafana_panel["fieldConfig"]["defaults"]["unit"] == panel.unit


def test_anomalies_are_drawn_as_red_points_over_the_daily_line():
    dashboard = built()["finops-cost.json"]
    panel = next(p for p in dashboard["panels"] if p["title"] == "Daily cost with anomalies")
    (override,) = panel["fieldConfig"]["overrides"]
    assert override["matcher"] == {"id": "byName", "options": "anomaly_cost"}
    assert {p["id"]: p["value"] for p in override["properties"]}["custom.drawStyle"] == "points"


def test_data_source_provisioning_takes_credentials_from_the_environment():
    document = yaml.safe_load((GRAFANA_DIR / "provisioning" / "datasources" / "bigquery.yaml").read_text())
    (source,) = document["datasources"]
    assert source["type"] == "grafana-bigquery-datasource" and source["uid"] == DATASOURCE.uid
    assert source["jsonData"]["authenticationType"] == "jwt"
    secrets = {**source["secureJsonData"], "clientEmail": source["jsonData"]["clientEmail"],
               "defaultProject": source["jsonData"]["defaultProject"]}
    assert secrets and all(isinstance(v, str) and v.startswith("${") and v.endswith("}") for v in secrets.values())
    provider = yaml.safe_load((GRAFANA_DIR / "provisioning" / "dashboards" / "finops.yaml").read_text())["providers"][0]
    assert provider["type"] == "file" and provider["allowUiUpdates"] is False


def test_no_credential_anywhere_under_grafana():
    for path in Path(GRAFANA_DIR).rglob("*"):
        if path.is_file():
            text = path.read_text()
            assert "PRIVATE KEY-----" not in text and '"private_key"' not in text, path
