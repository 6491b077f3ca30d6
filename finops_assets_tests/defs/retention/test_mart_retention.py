"""Retention removes exactly the expired day partitions, in a real DuckDB warehouse and (recorded) in BigQuery."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal

import dagster as dg
import duckdb

from finops_assets.defs.retention.policies import RetentionPolicy, retention_policies
from finops_assets.definitions import build_definitions
from finops_assets.settings import Settings
from finops_assets_tests.bigquery_recorder import BigQueryRecorder
from finops_assets_tests.conftest import query

TODAY = date(2026, 12, 2)


def test_default_windows_are_the_design_s():
    policies = {p.table: (p.time_column, p.keep_days) for p in retention_policies(Settings())}
    assert policies == {
        "fact_performance_requests": ("date", 90), "fact_cost_hourly": ("hour", 730), "fact_cost_daily": ("date", 3650),
    }
    assert RetentionPolicy("t", "date", 90).cutoff(TODAY) == date(2026, 9, 3)


def build_marts(path: str, days: list[date]) -> None:
    con = duckdb.connect(path)
    con.execute("CREATE SCHEMA finops")
    con.execute("CREATE TABLE finops.fact_cost_daily (date DATE, billing_month DATE, total_cost DECIMAL(38,18))")
    con.execute('CREATE TABLE finops.fact_cost_hourly ("hour" TIMESTAMP, date DATE, total_cost DECIMAL(38,18))')
    for day in days:
        con.execute("INSERT INTO finops.fact_cost_daily VALUES (?, ?, 1.000000000000000001)", [day, day.replace(day=1)])
        for hour in (0, 13, 23):
            con.execute("INSERT INTO finops.fact_cost_hourly VALUES (?, ?, 0.5)", [datetime(day.year, day.month, day.day, hour), day])
    con.close()


def run_retention(settings: Settings) -> dg.ExecuteInProcessResult:
    defs = build_definitions(settings)
    return dg.materialize(
        [defs.resolve_assets_def("mart_retention")], instance=dg.DagsterInstance.ephemeral(),
        run_config={"ops": {"mart_retention": {"config": {"today": TODAY.isoformat()}}}},
    )


def test_retention_removes_exactly_the_expired_day_partitions(tmp_path):
    settings = Settings(duckdb_path=str(tmp_path / "w.duckdb"), retention_hourly_days=10, retention_daily_days=30)
    hourly_cutoff, daily_cutoff = TODAY - timedelta(days=10), TODAY - timedelta(days=30)
    days = [daily_cutoff - timedelta(days=2), daily_cutoff - timedelta(days=1), daily_cutoff,
            hourly_cutoff - timedelta(days=1), hourly_cutoff, TODAY]
    build_marts(settings.duckdb_path, days)

    result = run_retention(settings)

    (event,) = result.get_asset_materialization_events()
    meta = {k: v.value for k, v in event.materialization.metadata.items()}
    assert [d for (d,) in query(settings, "SELECT date FROM finops.fact_cost_daily ORDER BY 1")] == days[2:]
    assert [d for (d,) in query(settings, "SELECT DISTINCT date FROM finops.fact_cost_hourly ORDER BY 1")] == days[4:]
    # Inside the window nothing changed: every hour of the cutoff day is still there, costs exact.
    assert query(settings, "SELECT count(*), sum(total_cost) FROM finops.fact_cost_hourly WHERE date = ?", [hourly_cutoff]) == [(3, Decimal("1.5"))]
    assert meta["fact_cost_daily"] == (
        f"fact_cost_daily: removed 2 rows in 2 day partitions ({days[0]} .. {days[1]}), kept from {daily_cutoff}"
    )
    assert meta["fact_cost_hourly"].startswith("fact_cost_hourly: removed 12 rows in 4 day partitions")
    assert f"| {days[3]} | 3 |" in meta["fact_cost_hourly removed"]
    assert meta["fact_performance_requests"] == "fact_performance_requests: table not built yet"
    assert meta["rows_removed"] == 14

    again = run_retention(settings)  # idempotent: nothing left to remove
    (event,) = again.get_asset_materialization_events()
    assert event.materialization.metadata["rows_removed"].value == 0


def test_bigquery_retention_sets_partition_expiration_and_deletes_days_before_the_cutoff():
    def responder(sql: str):
        if sql.startswith("SELECT DATE("):
            return [{"name": "day", "type": "DATE"}, {"name": "row_count", "type": "INTEGER"}], [["2016-12-01", 24], ["2016-12-03", 48]]
        return [{"name": "f0_", "type": "STRING"}], []

    recorder = BigQueryRecorder(responder=responder).start()
    recorder.tables["finops-test.finops.fact_cost_hourly"] = {"tableReference": {"projectId": "finops-test", "datasetId": "finops", "tableId": "fact_cost_hourly"}}
    recorder.tables["finops-test.finops.fact_cost_daily"] = {"tableReference": {"projectId": "finops-test", "datasetId": "finops", "tableId": "fact_cost_daily"}}
    try:
        settings = Settings(env="prod", gcp_project="finops-test", bq_api_endpoint=recorder.endpoint)
        result = run_retention(settings)
    finally:
        recorder.stop()
    queries = [(c["query"], c.get("queryParameters", [])) for c in recorder.job_configs("query")]
    statements = [sql for sql, _ in queries]
    assert "ALTER TABLE `finops-test`.`finops`.`fact_cost_hourly` SET OPTIONS (partition_expiration_days = 761)" in statements
    assert "ALTER TABLE `finops-test`.`finops`.`fact_cost_daily` SET OPTIONS (partition_expiration_days = 3681)" in statements
    deletes = [(sql, params) for sql, params in queries if sql.startswith("DELETE")]
    assert deletes[0][0] == "DELETE FROM `finops-test`.`finops`.`fact_cost_hourly` WHERE DATE(`hour`) < @cutoff"
    assert deletes[0][1][0]["parameterValue"]["value"] == "2024-12-02"
    assert deletes[1][1][0]["parameterValue"]["value"] == "2016-12-04"
    (event,) = result.get_asset_materialization_events()
    assert event.materialization.metadata["rows_removed"].value == 144  # two tables x (24 + 48), as counted
    assert event.materialization.metadata["fact_performance_requests"].value == "fact_performance_requests: table not built yet"
