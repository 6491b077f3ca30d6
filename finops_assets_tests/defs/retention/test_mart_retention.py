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


def recorded_calls(recorder: BigQueryRecorder) -> list[tuple]:
    """The requests in order: table reads as (method, table path), query jobs as (sql, parameters)."""
    calls = []
    for request in recorder.requests:
        if request.method == "POST" and request.path.endswith("/jobs"):
            query_config = request.body["configuration"]["query"]
            params = [(p["name"], p["parameterType"]["type"], p["parameterValue"]["value"]) for p in query_config.get("queryParameters", [])]
            calls.append((query_config["query"], params))
        elif "/tables/" in request.path:
            calls.append((request.method, request.path.removeprefix("/bigquery/v2/projects/finops-test/datasets/")))
    return calls


def test_bigquery_retention_sends_exactly_expiration_count_and_one_delete_per_table_with_expired_days():
    def responder(sql: str):
        if sql.startswith("SELECT DATE(`hour`)"):  # fact_cost_hourly has two expired days
            return [{"name": "day", "type": "DATE"}, {"name": "row_count", "type": "INTEGER"}], [["2024-11-30", 24], ["2024-12-01", 48]]
        if sql.startswith("SELECT DATE(`date`)"):  # fact_cost_daily has none
            return [{"name": "day", "type": "DATE"}, {"name": "row_count", "type": "INTEGER"}], []
        return [{"name": "f0_", "type": "STRING"}], []

    recorder = BigQueryRecorder(responder=responder).start()
    for table in ("fact_cost_hourly", "fact_cost_daily"):  # fact_performance_requests is not built
        recorder.tables[f"finops-test.finops.{table}"] = {"tableReference": {"projectId": "finops-test", "datasetId": "finops", "tableId": table}}
    try:
        settings = Settings(env="prod", gcp_project="finops-test", bq_api_endpoint=recorder.endpoint)
        result = run_retention(settings)
    finally:
        recorder.stop()
    hourly, daily = "`finops-test`.`finops`.`fact_cost_hourly`", "`finops-test`.`finops`.`fact_cost_daily`"
    hourly_cutoff, daily_cutoff = [("cutoff", "DATE", "2024-12-02")], [("cutoff", "DATE", "2016-12-04")]
    assert recorded_calls(recorder) == [
        ("GET", "finops/tables/fact_performance_requests"),
        ("GET", "finops/tables/fact_cost_hourly"),
        # Monthly partitions expire window + 31 days after their start: only months wholly outside the window.
        (f"ALTER TABLE {hourly} SET OPTIONS (partition_expiration_days = 761)", []),
        (f"SELECT DATE(`hour`) AS day, COUNT(*) AS row_count FROM {hourly} WHERE DATE(`hour`) < @cutoff GROUP BY day ORDER BY day", hourly_cutoff),
        (f"DELETE FROM {hourly} WHERE DATE(`hour`) < @cutoff", hourly_cutoff),
        ("GET", "finops/tables/fact_cost_daily"),
        (f"ALTER TABLE {daily} SET OPTIONS (partition_expiration_days = 3681)", []),
        (f"SELECT DATE(`date`) AS day, COUNT(*) AS row_count FROM {daily} WHERE DATE(`date`) < @cutoff GROUP BY day ORDER BY day", daily_cutoff),
        # Nothing expired in fact_cost_daily: no DELETE is sent.
    ]
    (event,) = result.get_asset_materialization_events()
    metadata = event.materialization.metadata
    assert metadata["rows_removed"].value == 72
    assert metadata["fact_cost_hourly"].value == (
        "fact_cost_hourly: removed 72 rows in 2 day partitions (2024-11-30 .. 2024-12-01), kept from 2024-12-02"
    )
    assert metadata["fact_cost_daily"].value == "fact_cost_daily: nothing before 2016-12-04"
    assert metadata["fact_performance_requests"].value == "fact_performance_requests: table not built yet"
