"""Snapshot, damage, restore: the restored fact and dimension tables equal the snapshotted ones exactly
(real demo marts in a copy of the session's DuckDB warehouse); BigQuery snapshots and restores as recorded
requests."""

from __future__ import annotations

import json
import shutil
from datetime import date

import dagster as dg
import duckdb
import pytest

from finops_assets.definitions import build_definitions
from finops_assets.settings import Settings
from finops_assets.warehouse.duckdb_maintenance import SnapshotError
from finops_assets_tests.bigquery_recorder import BigQueryRecorder

DAY = date(2026, 12, 2)


def run(defs: dg.Definitions, job: str, day: date, op: str) -> dg.ExecuteInProcessResult:
    return defs.resolve_job_def(job).execute_in_process(
        run_config={"ops": {op: {"config": {"day": day.isoformat()}}}}, instance=dg.DagsterInstance.ephemeral()
    )


def table_contents(path: str) -> dict[str, tuple[list, list]]:
    """Every fact and dimension table: its (column, type) list and all its rows, in a stable order."""
    con = duckdb.connect(path, read_only=True)
    try:
        tables = [t for (t,) in con.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'finops' AND table_type = 'BASE TABLE' "
            "AND (table_name LIKE 'fact\\_%' ESCAPE '\\' OR table_name LIKE 'dim\\_%' ESCAPE '\\') ORDER BY 1").fetchall()]
        return {
            t: (con.execute("SELECT column_name, data_type FROM information_schema.columns WHERE table_schema = 'finops' "
                            "AND table_name = ? ORDER BY ordinal_position", [t]).fetchall(),
                con.execute(f'SELECT * FROM finops."{t}" ORDER BY ALL').fetchall())
            for t in tables
        }
    finally:
        con.close()


@pytest.fixture
def warehouse(tmp_path, demo_warehouse) -> Settings:
    root, _ = demo_warehouse
    shutil.copyfile(root / "warehouse.duckdb", tmp_path / "warehouse.duckdb")
    return Settings(duckdb_path=str(tmp_path / "warehouse.duckdb"), snapshot_dir=str(tmp_path / "snapshots"))


def test_snapshot_then_restore_gives_identical_tables(warehouse):
    defs = build_definitions(warehouse)
    before = table_contents(warehouse.duckdb_path)
    assert {"fact_cost_hourly", "fact_cost_daily", "fact_cost_monthly", "dim_service", "dim_time"} <= set(before)

    snapshot = run(defs, "mart_snapshot_job", DAY, "snapshot_marts")
    folder = f"{warehouse.snapshot_dir}/{DAY}"
    manifest = json.loads(open(f"{folder}/snapshot.json").read())
    assert [t["table"] for t in manifest["tables"]] == sorted(before)
    assert snapshot.output_for_node("snapshot_marts") == sorted(before)

    con = duckdb.connect(warehouse.duckdb_path)
    con.execute("DELETE FROM finops.fact_cost_daily WHERE date < (SELECT max(date) FROM finops.fact_cost_daily)")
    con.execute("UPDATE finops.fact_cost_hourly SET total_cost = total_cost + 0.000000000000000001")
    con.execute("DROP TABLE finops.dim_service")
    con.close()
    assert table_contents(warehouse.duckdb_path) != before

    restored = run(defs, "restore_marts_job", DAY, "restore_marts")
    assert restored.output_for_node("restore_marts") == sorted(before)
    assert table_contents(warehouse.duckdb_path) == before


def test_restore_of_a_missing_snapshot_fails_and_changes_nothing(warehouse):
    defs = build_definitions(warehouse)
    before = table_contents(warehouse.duckdb_path)
    with pytest.raises(SnapshotError, match="no snapshot for 2026-01-01"):
        run(defs, "restore_marts_job", date(2026, 1, 1), "restore_marts")
    assert table_contents(warehouse.duckdb_path) == before


def test_snapshots_older_than_90_days_are_pruned(tmp_path):
    settings = Settings(duckdb_path=str(tmp_path / "w.duckdb"), snapshot_dir=str(tmp_path / "snapshots"))
    con = duckdb.connect(settings.duckdb_path)
    con.execute("CREATE SCHEMA finops; CREATE TABLE finops.dim_x (k VARCHAR); INSERT INTO finops.dim_x VALUES ('a')")
    con.close()
    for old in ("2026-09-02", "2026-09-03", "notes"):
        (tmp_path / "snapshots" / old).mkdir(parents=True)
    result = run(build_definitions(settings), "mart_snapshot_job", DAY, "snapshot_marts")
    assert sorted(p.name for p in (tmp_path / "snapshots").iterdir()) == ["2026-09-03", "2026-12-02", "notes"]
    assert result.output_for_node("snapshot_marts") == ["dim_x"]


def test_bigquery_snapshots_clone_each_table_with_90_day_expiry_and_restore_clones_back():
    def responder(sql: str):
        if "INFORMATION_SCHEMA.TABLES WHERE table_type = 'BASE TABLE'" in sql:
            return [{"name": "table_name", "type": "STRING"}], [["dim_service"], ["fact_cost_daily"]]
        if "table_type = 'SNAPSHOT'" in sql:
            return [{"name": "table_name", "type": "STRING"}], [["dim_service__20261202"], ["fact_cost_daily__20261202"]]
        return [{"name": "f0_", "type": "STRING"}], []

    recorder = BigQueryRecorder(responder=responder).start()
    try:
        defs = build_definitions(Settings(env="prod", gcp_project="finops-test", bq_location="EU", bq_api_endpoint=recorder.endpoint))
        snapshot = run(defs, "mart_snapshot_job", DAY, "snapshot_marts")
        restore = run(defs, "restore_marts_job", DAY, "restore_marts")
    finally:
        recorder.stop()
    calls = []
    for request in recorder.requests:
        if request.method == "POST" and request.path.endswith("/jobs"):
            query_config = request.body["configuration"]["query"]
            calls.append((query_config["query"], [(p["name"], p["parameterValue"]["value"]) for p in query_config.get("queryParameters", [])]))
        elif request.path.endswith("/datasets"):
            calls.append((request.method, request.body["datasetReference"]["datasetId"], request.body["location"]))
    marts, snapshots = "`finops-test`.`finops`", "`finops-test`.`finops_snapshots`"
    expiry = "OPTIONS (expiration_timestamp = TIMESTAMP_ADD(CURRENT_TIMESTAMP(), INTERVAL 90 DAY))"
    assert calls == [
        ("POST", "finops_snapshots", "EU"),  # the snapshot dataset, beside the marts' location
        (f"SELECT table_name FROM {marts}.INFORMATION_SCHEMA.TABLES WHERE table_type = 'BASE TABLE' AND "
         "(STARTS_WITH(table_name, 'fact_') OR STARTS_WITH(table_name, 'dim_')) ORDER BY table_name", []),
        (f"CREATE SNAPSHOT TABLE IF NOT EXISTS {snapshots}.`dim_service__20261202` CLONE {marts}.`dim_service` {expiry}", []),
        (f"CREATE SNAPSHOT TABLE IF NOT EXISTS {snapshots}.`fact_cost_daily__20261202` CLONE {marts}.`fact_cost_daily` {expiry}", []),
        (f"SELECT table_name FROM {snapshots}.INFORMATION_SCHEMA.TABLES WHERE table_type = 'SNAPSHOT' AND "
         "ENDS_WITH(table_name, @suffix) ORDER BY table_name", [("suffix", "__20261202")]),
        (f"CREATE OR REPLACE TABLE {marts}.`dim_service` CLONE {snapshots}.`dim_service__20261202`", []),
        (f"CREATE OR REPLACE TABLE {marts}.`fact_cost_daily` CLONE {snapshots}.`fact_cost_daily__20261202`", []),
    ]
    assert snapshot.output_for_node("snapshot_marts") == ["dim_service", "fact_cost_daily"]
    assert restore.output_for_node("restore_marts") == ["dim_service", "fact_cost_daily"]
