"""The local instance's storage (finops_assets/instance_storage.py): the repository's dagster.yaml opens it, a run
stores exactly the records Dagster's own SQLite storage stores, in a fraction of the connections, and a batch that
fails leaves nothing behind before Dagster stores its events one at a time."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path

import dagster as dg
import pytest
import sqlalchemy
import yaml
from dagster._core.events import (
    AssetMaterializationPlannedData,
    DagsterEvent,
    DagsterEventBatchMetadata,
    DagsterEventType,
    generate_event_batch_id,
)
from dagster._core.events.log import EventLogEntry

from finops_assets import instance_storage
from finops_assets.instance_storage import BatchingSqliteEventLogStorage, BatchingSqliteStorage

ROOT = Path(__file__).resolve().parents[1]
MONTHS = dg.MonthlyPartitionsDefinition(start_date="2024-01-01", end_date="2025-01-01")
ASSET_NAMES = ["cost_a", "cost_b", "cost_c"]


def monthly_asset(name: str) -> dg.AssetsDefinition:
    @dg.asset(name=name, partitions_def=MONTHS, backfill_policy=dg.BackfillPolicy.single_run(),
              check_specs=[dg.AssetCheckSpec("rows_positive", asset=name)])
    def _asset(context):
        yield dg.MaterializeResult(metadata={
            "months": len(context.partition_keys),
            "event_log_storage": type(context.instance.event_log_storage).__name__,
            "event_batch_size": os.environ.get(instance_storage.EVENT_BATCH_SIZE_VARIABLE, ""),
        })
        yield dg.AssetCheckResult(passed=True)

    return _asset


@dg.asset(deps=ASSET_NAMES)
def dimension() -> None:
    """Unpartitioned, downstream of the monthly ones (as the cost dimensions are)."""


ASSETS = [*(monthly_asset(name) for name in ASSET_NAMES), dimension]
RANGE_TAGS = {"dagster/asset_partition_range_start": "2024-01-01", "dagster/asset_partition_range_end": "2024-12-01"}


def home_with(tmp_path: Path, name: str, storage: dict) -> Path:
    home = tmp_path / name
    home.mkdir()
    (home / "dagster.yaml").write_text(yaml.safe_dump({"telemetry": {"enabled": False}, "storage": storage}))
    return home


class ConnectionCount:
    """SQLite connections opened by any SQLAlchemy engine while counting."""

    def __init__(self):
        self.count = 0

    def __call__(self, *_):
        self.count += 1

    def __enter__(self):
        sqlalchemy.event.listen(sqlalchemy.engine.Engine, "connect", self)
        return self

    def __exit__(self, *_):
        sqlalchemy.event.remove(sqlalchemy.engine.Engine, "connect", self)


def stored_records(instance: dg.DagsterInstance, run_id: str) -> dict:
    """What a run leaves in the storage, independent of ids and times: the run's events and the cross-run index."""
    logs = instance.all_logs(run_id)
    run_events = Counter(
        (e.dagster_event_type.value, e.dagster_event.asset_key.to_user_string() if e.dagster_event.asset_key else None,
         e.dagster_event.partition)
        for e in logs if e.is_dagster_event)
    index = {}
    for name in [*ASSET_NAMES, "dimension"]:
        key = dg.AssetKey(name)
        for event_type in (DagsterEventType.ASSET_MATERIALIZATION, DagsterEventType.ASSET_MATERIALIZATION_PLANNED):
            records = instance.fetch_materializations(key, limit=1000).records if event_type == DagsterEventType.ASSET_MATERIALIZATION \
                else instance.get_event_records(dg.EventRecordsFilter(event_type=event_type, asset_key=key), limit=1000)
            index[(name, event_type.value)] = sorted(r.partition_key or "" for r in records)
        index[(name, "materialized partitions")] = sorted(instance.get_materialized_partitions(key)) if name != "dimension" else None
        index[(name, "latest")] = instance.get_latest_materialization_event(key).run_id == run_id
    for name in ASSET_NAMES:
        check = dg.AssetCheckKey(dg.AssetKey(name), "rows_positive")
        executions = instance.event_log_storage.get_asset_check_execution_history(check, limit=10)
        index[(name, "check")] = [(e.run_id == run_id, e.status.value) for e in executions]
    return {"run": run_events, "index": index, "status": instance.get_run_by_id(run_id).status.value}


def test_repository_dagster_yaml_opens_the_batching_storage(tmp_path, monkeypatch):
    home = tmp_path / "home"
    home.mkdir()
    shutil.copy(ROOT / "dagster.yaml", home / "dagster.yaml")
    monkeypatch.chdir(tmp_path)  # its base_dir is relative, as `make dev` runs it from the repository
    monkeypatch.setenv(instance_storage.EVENT_BATCH_SIZE_VARIABLE, "unset")  # restored (unset or not) after the test
    monkeypatch.delenv(instance_storage.EVENT_BATCH_SIZE_VARIABLE)
    with dg.DagsterInstance.from_config(str(home)) as instance:
        assert isinstance(instance.get_ref().storage, BatchingSqliteStorage)
        assert isinstance(instance.event_log_storage, BatchingSqliteEventLogStorage)
        assert os.environ[instance_storage.EVENT_BATCH_SIZE_VARIABLE] == instance_storage.DEFAULT_EVENT_BATCH_SIZE
    # Dagster's own layout: the same instance directory opens with `storage: sqlite`.
    assert (tmp_path / ".dagster_home" / "storage" / "history" / "runs" / "index.db").exists()
    assert yaml.safe_load((ROOT / "dagster.yaml").read_text())["storage"] == instance_storage.storage_config(
        ".dagster_home/storage")


def test_a_range_run_stores_what_dagsters_sqlite_storage_stores_in_a_fraction_of_the_connections(tmp_path, monkeypatch):
    homes = {
        "dagster": home_with(tmp_path, "dagster", {"sqlite": {"base_dir": str(tmp_path / "dagster" / "storage")}}),
        "batching": home_with(tmp_path, "batching", instance_storage.storage_config(str(tmp_path / "batching" / "storage"))),
    }
    records, connections = {}, {}
    for name, home in homes.items():
        # Dagster's storage with batching off (its default), ours with the batch size it sets.
        monkeypatch.setenv(instance_storage.EVENT_BATCH_SIZE_VARIABLE, "0")
        if name == "batching":
            monkeypatch.delenv(instance_storage.EVENT_BATCH_SIZE_VARIABLE)
        with dg.DagsterInstance.from_config(str(home)) as instance, ConnectionCount() as count:
            result = dg.materialize(ASSETS, instance=instance, tags=RANGE_TAGS)
            assert result.success
            connections[name] = count.count
            records[name] = stored_records(instance, result.run_id)
    assert records["batching"] == records["dagster"]
    planned = records["batching"]["run"]
    # 12 months x 3 monthly assets, and the unpartitioned one.
    assert sum(n for (kind, _, _), n in planned.items() if kind == "ASSET_MATERIALIZATION_PLANNED") == 37
    assert sum(n for (kind, _, _), n in planned.items() if kind == "ASSET_MATERIALIZATION") == 37
    assert records["batching"]["index"][("cost_b", "materialized partitions")] == MONTHS.get_partition_keys()
    print(f"SQLite connections for one 12-month run: Dagster's storage {connections['dagster']}, "
          f"batching {connections['batching']}")
    # Dagster's storage opens two connections per asset event (the run's shard, then the index). Batched: the run's
    # 37 planned events, and each monthly output's 12 materializations, two connections a batch.
    assert connections["dagster"] - connections["batching"] >= 2 * (37 + 36) - 2 * (1 + 3)


class FailingInBatch(BatchingSqliteEventLogStorage):
    """Fails the third asset event of a batch, as a full disk or a locked file would fail a write."""

    def _store_asset_event(self, conn, event, event_id):
        if getattr(self._batch, "open", None) is not None:
            self.batch_asset_events = getattr(self, "batch_asset_events", 0) + 1
            if self.batch_asset_events == 3:
                raise sqlalchemy.exc.OperationalError("INSERT", {}, Exception("disk I/O error"))
        super()._store_asset_event(conn, event, event_id)


def planned_events(run_id: str, count: int) -> list:
    events = []
    for month in MONTHS.get_partition_keys()[:count]:
        dagster_event = DagsterEvent.build_asset_materialization_planned_event(
            "job", "step", AssetMaterializationPlannedData(dg.AssetKey("cost_a"), partition=month))
        events.append(EventLogEntry(error_info=None, level=10, user_message="", run_id=run_id,
                                       timestamp=1.0, dagster_event=dagster_event, job_name="job"))
    return events


def test_a_failed_batch_rolls_back_both_files_then_dagster_stores_its_events_one_by_one(tmp_path, monkeypatch, capfd):
    storage = FailingInBatch(str(tmp_path / "events"))
    with pytest.raises(sqlalchemy.exc.OperationalError, match="disk I/O error"):
        storage.store_event_batch(planned_events("run-1", 5))
    assert storage.get_logs_for_run("run-1") == []  # the run's shard
    assert storage.get_event_records(  # the cross-run index
        dg.EventRecordsFilter(event_type=DagsterEventType.ASSET_MATERIALIZATION_PLANNED), limit=100) == []
    assert storage._batch.open is None and not storage._db_lock.locked()

    # Through the instance, as Dagster stores a run's planned events: the batch fails, its fallback stores them.
    monkeypatch.setenv(instance_storage.EVENT_BATCH_SIZE_VARIABLE, "1000")
    storage.batch_asset_events = 0
    with dg.instance_for_test() as instance:
        instance._event_storage = storage  # noqa: SLF001 - the instance's own events go to the failing storage
        batch_id = generate_event_batch_id()
        events = planned_events("run-2", 5)
        for i, entry in enumerate(events):
            instance.handle_new_event(entry, batch_metadata=DagsterEventBatchMetadata(batch_id, i == 4))
    assert "Falling back to storing multiple single-event storage requests" in capfd.readouterr().err
    assert [e.dagster_event.partition for e in storage.get_logs_for_run("run-2")] == MONTHS.get_partition_keys()[:5]
    assert len(storage.get_event_records(
        dg.EventRecordsFilter(event_type=DagsterEventType.ASSET_MATERIALIZATION_PLANNED), limit=100)) == 5


DEFINITIONS = '''
import dagster as dg
from finops_assets_tests.test_instance_storage import ASSETS
defs = dg.Definitions(assets=ASSETS)
'''


def test_the_cli_and_its_step_processes_open_the_storage_from_the_instance_yaml(tmp_path):
    """`dagster asset materialize` with the multiprocess executor: each step process rebuilds the instance from its
    reference (our storage, by module and class), batching on."""
    home = home_with(tmp_path, "home", instance_storage.storage_config(str(tmp_path / "home" / "storage")))
    (tmp_path / "defs.py").write_text(DEFINITIONS)
    env = {**os.environ, "DAGSTER_HOME": str(home), "PYTHONPATH": str(ROOT)}
    env.pop(instance_storage.EVENT_BATCH_SIZE_VARIABLE, None)
    completed = subprocess.run(
        [sys.executable, "-m", "dagster", "asset", "materialize", "-f", str(tmp_path / "defs.py"),
         "--select", "cost_a,cost_b", "--partition-range", "2024-01-01...2024-12-01"],
        env=env, capture_output=True, text=True, timeout=300, check=False)
    assert completed.returncode == 0, completed.stderr[-3000:]
    with dg.DagsterInstance.from_config(str(home)) as instance:
        (run,) = instance.get_runs()
        assert run.status == dg.DagsterRunStatus.SUCCESS
        for name in ("cost_a", "cost_b"):
            assert sorted(instance.get_materialized_partitions(dg.AssetKey(name))) == MONTHS.get_partition_keys()
        logs = instance.all_logs(run.run_id)
        kinds = Counter(e.dagster_event_type for e in logs if e.is_dagster_event)
        assert kinds[DagsterEventType.ASSET_MATERIALIZATION_PLANNED] == 24
        assert kinds[DagsterEventType.ASSET_MATERIALIZATION] == 24
        assert kinds[DagsterEventType.ASSET_CHECK_EVALUATION] == 2
        steps = {e.step_key for e in logs if e.is_dagster_event and e.dagster_event_type == DagsterEventType.STEP_START}
        assert steps == {"cost_a", "cost_b"}  # two step processes
        for entry in logs:
            if entry.is_dagster_event and entry.dagster_event_type == DagsterEventType.ASSET_MATERIALIZATION:
                metadata = entry.asset_materialization.metadata
                assert metadata["event_log_storage"].value == "BatchingSqliteEventLogStorage"
                assert metadata["event_batch_size"].value == instance_storage.DEFAULT_EVENT_BATCH_SIZE


def log_event(run_id: str, message: str) -> EventLogEntry:
    return EventLogEntry(error_info=None, level=20, user_message=message, run_id=run_id, timestamp=1.0, dagster_event=None)


def test_events_stored_one_by_one_reuse_the_files_engines_and_are_each_checkpointed_into_the_db_file(tmp_path,
                                                                                                    monkeypatch):
    """Unbatched events (a step's own, as they happen) go through one kept engine per file, each in its own connection
    and commit as in Dagster's storage: the WAL is checkpointed into `<run_id>.db` after every event (the webserver's
    run-log watcher follows that file), and a new storage reads every event."""
    base = tmp_path / "storage"
    storage = BatchingSqliteEventLogStorage(str(base))
    run_id = "b" * 36
    engines = []

    def counting_create_engine(*args, **kwargs):
        engines.append(args[0])
        return sqlalchemy.create_engine(*args, **kwargs)

    monkeypatch.setattr(instance_storage, "create_engine", counting_create_engine)
    wal = base / f"{run_id}.db-wal"
    storage.store_event(log_event(run_id, "event 0"))  # creates the file (Dagster's schema set-up)
    with ConnectionCount() as count:
        for i in range(1, 5):
            storage.store_event(log_event(run_id, f"event {i}"))
            assert not wal.exists() or wal.stat().st_size == 0, "the event was left in the WAL"
    assert count.count == 4  # a connection per event, as in Dagster's storage
    assert engines == [storage.conn_string_for_shard(run_id)]  # one engine for the run's file, built once
    other = BatchingSqliteEventLogStorage(str(base))
    assert [r.event_log_entry.user_message for r in other.get_records_for_run(run_id).records] == [
        f"event {i}" for i in range(5)]
    storage.dispose()
    other.dispose()


def test_after_a_wipe_the_storage_creates_and_uses_the_files_again(tmp_path):
    storage = BatchingSqliteEventLogStorage(str(tmp_path / "storage"))
    run_id = "c" * 36
    storage.store_event(log_event(run_id, "before"))
    storage.wipe()
    storage.store_event(log_event(run_id, "after"))
    assert [r.event_log_entry.user_message for r in storage.get_records_for_run(run_id).records] == ["after"]
    storage.dispose()


def test_the_storage_keeps_a_bounded_number_of_engines(tmp_path):
    storage = BatchingSqliteEventLogStorage(str(tmp_path / "storage"))
    for i in range(instance_storage.ENGINES_KEPT + 10):
        storage.store_event(log_event(f"{i:036d}", "one"))
    assert len(storage._engines) == instance_storage.ENGINES_KEPT
    assert storage.get_records_for_run(f"{0:036d}").records[0].event_log_entry.user_message == "one"
    storage.dispose()
    assert not storage._engines
