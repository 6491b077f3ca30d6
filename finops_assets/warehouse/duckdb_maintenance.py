"""Mart maintenance on the embedded DuckDB warehouse: retention deletes, snapshots to Parquet, restore.

Snapshot layout: `<FINOPS_SNAPSHOT_DIR>/<YYYY-MM-DD>/<table>.parquet` plus `snapshot.json` (each table's
columns with their DuckDB types and its row count). Parquet keeps DECIMAL(38,18), DATE and TIMESTAMP
exactly; restore recreates each table with the recorded types, so a restored table equals the snapshotted
one column for column and row for row. A snapshot is written to a temporary folder and renamed into place,
so a half-written snapshot is never mistaken for a whole one. Restore replaces every table of the snapshot
in one transaction.
"""

from __future__ import annotations

import json
import shutil
from datetime import date, timedelta
from pathlib import Path

import dagster as dg
from pydantic import Field

from finops_assets.defs.retention.policies import RetentionPolicy
from finops_assets.warehouse.duckdb_warehouse import connect
from finops_assets.warehouse.identifiers import quote_duckdb as q
from finops_assets.warehouse.identifiers import sql_string
from finops_assets.warehouse.maintenance import ExpiredPartitions, TableSnapshot, snapshot_table

MANIFEST = "snapshot.json"


class SnapshotError(RuntimeError):
    """A snapshot that is missing or does not describe what its folder holds."""


class DuckDBMartMaintenance(dg.ConfigurableResource):
    """Retention, snapshots and restore for the mart schema of the DuckDB warehouse file."""

    database: str = Field(description="Path of the DuckDB warehouse file (FINOPS_DUCKDB_PATH).")
    schema_name: str = Field(default="finops", description="Schema of the dbt marts (FINOPS_MART_DATASET).")
    snapshot_dir: str = Field(default="./data/snapshots", description="Folder of dated snapshots (FINOPS_SNAPSHOT_DIR).")
    snapshot_keep_days: int = Field(default=90, description="Snapshot folders older than this are deleted.")

    def _table(self, table: str) -> str:
        return f"{q(self.schema_name)}.{q(table)}"

    def _tables(self, con) -> list[str]:
        rows = con.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = ? AND table_type = 'BASE TABLE' "
            "ORDER BY table_name",
            [self.schema_name],
        ).fetchall()
        return [name for (name,) in rows]

    # -- retention ----------------------------------------------------------------------------------------

    def expire(self, policy: RetentionPolicy, today: date) -> ExpiredPartitions:
        cutoff = policy.cutoff(today)
        con = connect(self.database)
        try:
            if policy.table not in self._tables(con):
                return ExpiredPartitions(policy.table, cutoff, built=False)
            day = f"CAST({q(policy.time_column)} AS DATE)"
            con.execute("BEGIN TRANSACTION")
            removed = con.execute(
                f"SELECT {day} AS day, count(*) FROM {self._table(policy.table)} WHERE {day} < ? GROUP BY day ORDER BY day",
                [cutoff],
            ).fetchall()
            con.execute(f"DELETE FROM {self._table(policy.table)} WHERE {day} < ?", [cutoff])
            con.execute("COMMIT")
            return ExpiredPartitions(policy.table, cutoff, built=True, removed=tuple((d, int(n)) for d, n in removed))
        finally:
            con.close()

    # -- snapshots ----------------------------------------------------------------------------------------

    def snapshot_folder(self, day: date) -> Path:
        return Path(self.snapshot_dir) / day.isoformat()

    def snapshot(self, day: date) -> list[TableSnapshot]:
        target = self.snapshot_folder(day)
        partial = target.with_name(f".{target.name}.partial")
        shutil.rmtree(partial, ignore_errors=True)
        partial.mkdir(parents=True)
        con = connect(self.database)
        try:
            tables = [t for t in self._tables(con) if snapshot_table(t)]
            manifest = {"schema": self.schema_name, "taken_for": day.isoformat(), "tables": []}
            snapshots = []
            # One read transaction: every table of the snapshot is from the same moment.
            con.execute("BEGIN TRANSACTION")
            for table in tables:
                columns = con.execute(
                    "SELECT column_name, data_type FROM information_schema.columns WHERE table_schema = ? "
                    "AND table_name = ? ORDER BY ordinal_position",
                    [self.schema_name, table],
                ).fetchall()
                path = partial / f"{table}.parquet"
                con.execute(f"COPY {self._table(table)} TO {sql_string(str(path))} (FORMAT parquet, COMPRESSION zstd)")
                (rows,) = con.execute(f"SELECT count(*) FROM {self._table(table)}").fetchone()
                manifest["tables"].append({"table": table, "rows": rows, "columns": [list(c) for c in columns]})
                snapshots.append(TableSnapshot(table, str(target / path.name), rows))
            con.execute("COMMIT")
        finally:
            con.close()
        (partial / MANIFEST).write_text(json.dumps(manifest, indent=2))
        shutil.rmtree(target, ignore_errors=True)
        partial.rename(target)
        return snapshots

    def prune_snapshots(self, today: date) -> list[str]:
        """Delete snapshot folders older than `snapshot_keep_days`; returns their names."""
        root = Path(self.snapshot_dir)
        if not root.is_dir():
            return []
        oldest = today - timedelta(days=self.snapshot_keep_days)
        pruned = []
        for folder in sorted(root.iterdir()):
            try:
                taken = date.fromisoformat(folder.name)
            except ValueError:
                continue  # not a snapshot folder
            if taken < oldest:
                shutil.rmtree(folder)
                pruned.append(folder.name)
        return pruned

    def restore(self, day: date) -> list[TableSnapshot]:
        folder = self.snapshot_folder(day)
        manifest_path = folder / MANIFEST
        if not manifest_path.is_file():
            raise SnapshotError(f"no snapshot for {day} in {folder} ({MANIFEST} missing)")
        manifest = json.loads(manifest_path.read_text())
        con = connect(self.database)
        try:
            con.execute(f"CREATE SCHEMA IF NOT EXISTS {q(self.schema_name)}")
            con.execute("BEGIN TRANSACTION")
            restored = []
            try:
                for entry in manifest["tables"]:
                    table, path = entry["table"], folder / f"{entry['table']}.parquet"
                    columns = ", ".join(f"{q(name)} {type_sql}" for name, type_sql in entry["columns"])
                    names = ", ".join(q(name) for name, _ in entry["columns"])
                    con.execute(f"CREATE OR REPLACE TABLE {self._table(table)} ({columns})")
                    con.execute(f"INSERT INTO {self._table(table)} SELECT {names} FROM read_parquet({sql_string(str(path))})")
                    (rows,) = con.execute(f"SELECT count(*) FROM {self._table(table)}").fetchone()
                    if rows != entry["rows"]:
                        raise SnapshotError(f"{path}: holds {rows} rows but {MANIFEST} recorded {entry['rows']}")
                    restored.append(TableSnapshot(table, str(path), rows))
                con.execute("COMMIT")
            except BaseException:
                con.execute("ROLLBACK")
                raise
            return restored
        finally:
            con.close()
