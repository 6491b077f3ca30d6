"""`cost_report` in production: the real google-cloud-bigquery client against the loopback recorder. The report
asks INFORMATION_SCHEMA which tables exist, then sends exactly the panels' BigQuery SQL for the panels whose
tables exist, as standard-SQL query jobs; BIGNUMERIC totals stay exact."""

from __future__ import annotations

from datetime import date

import dagster as dg
import pytest

from finops_assets.dashboards.panels import PANELS, executable_sql
from finops_assets.definitions import build_definitions
from finops_assets.settings import Settings
from finops_assets_tests.bigquery_recorder import BigQueryRecorder
from finops_assets_tests.conftest import output_metadata

PROJECT = "finops-test"
# A deployment without OpenTelemetry: every table but the performance facts.
EXISTING = {"fact_cost_daily", "dim_service", "dim_environment", "fact_cost_allocation", "llm_consumption", "_load_tracking"}


def answers(sql: str):
    if "INFORMATION_SCHEMA.TABLES" in sql:
        return [{"name": "table_name", "type": "STRING"}], [[t] for t in sorted(EXISTING)]
    if "SUM(total_cost) AS total_cost" in sql and "GROUP BY cloud_provider, billing_currency" in sql:
        fields = [{"name": "cloud_provider", "type": "STRING"}, {"name": "billing_currency", "type": "STRING"},
                  {"name": "total_cost", "type": "BIGNUMERIC"}]
        return fields, [["gcp", "EUR", "12345.678901234567890123"]]
    return [{"name": "f0_", "type": "STRING"}], []


@pytest.fixture
def recorder():
    server = BigQueryRecorder(responder=answers).start()
    yield server
    server.stop()


def test_prod_report_sends_the_panels_bigquery_sql(recorder, tmp_path, monkeypatch):
    monkeypatch.setenv("GOOGLE_CLOUD_PROJECT", PROJECT)
    settings = Settings(env="prod", gcp_project=PROJECT, bq_api_endpoint=recorder.endpoint, reports_dir=str(tmp_path),
                        start_month=date(2025, 1, 1))
    defs = build_definitions(settings)
    result = dg.materialize([defs.resolve_assets_def("cost_report")], instance=dg.DagsterInstance.ephemeral())
    metadata = output_metadata(result)

    queries = recorder.job_configs("query")
    assert all(q["useLegacySql"] is False for q in queries)
    sent = [q["query"] for q in queries]
    assert sent[:2] == ["SELECT table_name FROM `finops`.INFORMATION_SCHEMA.TABLES",
                        "SELECT table_name FROM `billing_raw`.INFORMATION_SCHEMA.TABLES"]
    runnable = [p for p in PANELS if {t for _, t in p.tables} <= EXISTING]
    assert sent[2:] == [executable_sql(p, "bigquery", marts="finops", raw="billing_raw") for p in runnable]
    assert metadata["missing_tables"] == ["finops.fact_performance_cost_joined"]
    assert "| Total cost gcp (EUR) | 12345.678901234567890123 |" in metadata["summary"]
    assert "12345.678901234567890123" in (tmp_path / "cost_report.html").read_text()
