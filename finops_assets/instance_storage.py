"""The local Dagster instance's storage: Dagster's SQLite storage, writing a batch of events in one transaction.

Dagster stores each event through a new SQLAlchemy engine and SQLite connection, committed and closed on its own
(closing a WAL database's last connection checkpoints it): 6-12 ms an event on this project's machines. Here each
file's engine is kept (its compiled statements with it) while connections stay one per event, as Dagster's: ~30%
less time an event (a materialization 6.6 -> 5.0 ms, a log line 2.7 -> 2.2 ms). A run
over many months writes most of its records in batches: before it starts, one planned materialization per asset
and month and one planned check per check (947 for the cost marts over 39 months), and at the end of a step one
materialization per month of each partitioned output. Dagster hands such a batch to `store_event_batch` when
`DAGSTER_EVENT_BATCH_SIZE` is set; its SQLite storage then still stores the events one by one. Here a batch
shares one connection per database file (the run's shard, the cross-run index) and one transaction on each: the
947 planned events take ~1 s instead of ~10 s. The records, tables and files are Dagster's own, so an instance
directory moves between this storage and `storage: sqlite` either way.

If a batch fails, its transactions roll back and Dagster stores the same events one at a time (its fallback
in `handle_new_event`). The run's shard and the index are two SQLite files, committed one after the other (the
index first); only a failure between the two commits could leave the index with events that the fallback then
stores again.

dagster.yaml:

    storage:
      custom:
        module: finops_assets.instance_storage
        class: BatchingSqliteStorage
        config:
          base_dir: .dagster_home/storage

This module imports only Dagster (and PyYAML, one of its dependencies): the webserver and the daemon load it without the project's definitions.
"""

from __future__ import annotations

import os
import threading
from collections import OrderedDict
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Iterator, Sequence

import yaml
from dagster._core.events.log import EventLogEntry
from dagster._core.storage.event_log.sqlite.sqlite_event_log import (
    SQLITE_BUSY_TIMEOUT_SECONDS,
    SqliteEventLogStorage,
)
from dagster._core.storage.sql import create_engine
from dagster._core.storage.sqlite_storage import DagsterSqliteStorage, _event_logs_directory
from dagster._serdes import ConfigurableClassData
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.pool import NullPool

# Dagster batches planned events and partitioned materializations only when this is set; 0 turns batching off.
EVENT_BATCH_SIZE_VARIABLE = "DAGSTER_EVENT_BATCH_SIZE"
DEFAULT_EVENT_BATCH_SIZE = "1000"
ENGINES_KEPT = 32  # SQLite files whose engine is kept (the index, and the runs read or written last)


class BatchingSqliteEventLogStorage(SqliteEventLogStorage):
    """SqliteEventLogStorage whose `store_event_batch` writes the batch in one transaction per database file."""

    def __init__(self, base_dir: str, inst_data: ConfigurableClassData | None = None):
        self._batch = threading.local()  # set before Dagster's __init__, which already connects
        self._engines: OrderedDict[str, Engine] = OrderedDict()
        super().__init__(base_dir, inst_data=inst_data)
        # Read by Dagster at each event (in the process that stores it): the instance's processes turn batching
        # on by using this storage, unless the environment says otherwise.
        os.environ.setdefault(EVENT_BATCH_SIZE_VARIABLE, DEFAULT_EVENT_BATCH_SIZE)

    @classmethod
    def from_config_value(cls, inst_data, config_value) -> "BatchingSqliteEventLogStorage":
        return cls(inst_data=inst_data, **config_value)

    def _engine(self, shard: str) -> Engine:
        """The file's SQLAlchemy engine, kept for the next events (the caller holds `_db_lock`). Dagster builds one
        per connection, with its own empty statement cache: building it and compiling the INSERT again was ~30% of
        an event's time. The engine pools nothing (NullPool): each connection is still opened, committed and closed
        on its own, as Dagster's are (closing a WAL database's last connection checkpoints it into the .db file,
        whose changes the webserver's run-log watcher follows)."""
        engine = self._engines.get(shard)
        if engine is None or shard not in self._initialized_dbs:  # wipe() deletes the files and forgets them
            engine = create_engine(
                self.conn_string_for_shard(shard),
                poolclass=NullPool,
                connect_args={"timeout": SQLITE_BUSY_TIMEOUT_SECONDS},
            )
            if shard not in self._initialized_dbs:
                self._initdb(engine)
                self._initialized_dbs.add(shard)
            self._engines[shard] = engine
            while len(self._engines) > ENGINES_KEPT:  # a webserver reads many runs' files
                self._engines.popitem(last=False)[1].dispose()
        self._engines.move_to_end(shard)
        return engine

    @contextmanager
    def _connect(self, shard: str) -> Iterator[Connection]:
        batch: tuple[ExitStack, dict[str, Connection]] | None = getattr(self._batch, "open", None)
        if batch is None:
            # Dagster's own _connect, with the file's kept engine.
            with self._db_lock:
                with self._engine(shard).connect() as connection:
                    with connection.begin():
                        yield connection
            return
        # Inside a batch: the batch's connection to this file, its transaction begun (store_event_batch holds
        # the storage's lock for the whole batch).
        stack, connections = batch
        if shard not in connections:
            connection = stack.enter_context(self._engine(shard).connect())
            stack.enter_context(connection.begin())
            connections[shard] = connection
        yield connections[shard]

    def dispose(self) -> None:
        with self._db_lock:
            for engine in self._engines.values():
                engine.dispose()
            self._engines.clear()
        super().dispose()

    def store_event_batch(self, events: Sequence[EventLogEntry]) -> None:
        with self._db_lock:
            try:
                with ExitStack() as stack:
                    self._batch.open = (stack, {})
                    for event in events:
                        self.store_event(event)
                    # Leaving the stack commits each file's transaction (in reverse order of opening) and
                    # closes its connection; an exception rolls them back.
            finally:
                self._batch.open = None


class BatchingSqliteStorage(DagsterSqliteStorage):
    """Dagster's SQLite instance storage (same files), with the batching event log above."""

    def __init__(self, base_dir: str, inst_data: ConfigurableClassData | None = None):
        super().__init__(base_dir, inst_data=inst_data)
        self._event_log_storage = BatchingSqliteEventLogStorage(_event_logs_directory(base_dir))

    @classmethod
    def from_config_value(cls, inst_data, config_value) -> "BatchingSqliteStorage":
        return cls.from_local(inst_data=inst_data, **config_value)


def write_instance_yaml(home: Path) -> None:
    """A Dagster home's dagster.yaml as `make demo` and `make dev` use one (this storage, under `home/storage`), with
    telemetry off: the homes of the benchmark's runs and of the tests."""
    (home / "dagster.yaml").write_text(
        yaml.safe_dump({"telemetry": {"enabled": False}, "storage": storage_config(str(home / "storage"))}))


def storage_config(base_dir: str) -> dict:
    """The `storage` entry of a dagster.yaml using this storage (the repository's dagster.yaml has the same)."""
    return {
        "custom": {
            "module": __name__,
            "class": BatchingSqliteStorage.__name__,
            "config": {"base_dir": base_dir},
        }
    }
