"""Mart maintenance in BigQuery: retention by partition expiration and DELETE, table snapshots, restore.

Retention: the marts are partitioned by billing month. BigQuery's `partition_expiration_days` counts from
a partition's start, so on monthly partitions it is set to the window plus 31 days: it only ever drops a
month that lies wholly outside the window (a backstop that costs nothing to run). The exact cut at the day
is a DELETE of the days before the cutoff, preceded by a count per day for the report.

Snapshots: `CREATE SNAPSHOT TABLE <mart>_snapshots.<table>__<YYYYMMDD> CLONE <mart>.<table>` with an
expiration 90 days out; BigQuery stores only the changes since, so a daily snapshot is cheap. Restore:
`CREATE OR REPLACE TABLE <mart>.<table> CLONE <snapshot>`.
"""

from __future__ import annotations

from datetime import date

import dagster as dg
from google.api_core.exceptions import NotFound
from google.cloud import bigquery
from pydantic import Field

from finops_assets.defs.retention.policies import RetentionPolicy
from finops_assets.warehouse.bigquery_resource import FinopsBigQueryResource
from finops_assets.warehouse.identifiers import quote_bigquery as q
from finops_assets.warehouse.maintenance import SNAPSHOT_PREFIXES, ExpiredPartitions, TableSnapshot

# A monthly partition is at most 31 days long: expiring it `window + 31` days after its start never reaches
# into the window.
MONTH_PARTITION_SLACK_DAYS = 31


def snapshot_table_name(table: str, day: date) -> str:
    return f"{table}__{day:%Y%m%d}"


class BigQueryMartMaintenance(dg.ConfigurableResource):
    """Retention, snapshots and restore for the mart dataset in BigQuery (production)."""

    bigquery: FinopsBigQueryResource
    dataset: str = Field(default="finops", description="Dataset of the dbt marts (FINOPS_MART_DATASET).")
    snapshot_keep_days: int = Field(default=90, description="Expiration of each snapshot table, in days.")

    def _project(self, client: bigquery.Client) -> str:
        return self.bigquery.bigquery.project or client.project

    def _ref(self, client: bigquery.Client, dataset: str, table: str) -> str:
        return f"{q(self._project(client))}.{q(dataset)}.{q(table)}"

    def _run(self, client: bigquery.Client, sql: str, params: list | None = None) -> bigquery.QueryJob:
        job = client.query(sql, job_config=bigquery.QueryJobConfig(query_parameters=params or []))
        job.result()
        return job

    @property
    def snapshot_dataset(self) -> str:
        return f"{self.dataset}_snapshots"

    # -- retention ----------------------------------------------------------------------------------------

    def expire(self, policy: RetentionPolicy, today: date) -> ExpiredPartitions:
        cutoff = policy.cutoff(today)
        with self.bigquery.get_client() as client:
            try:
                client.get_table(f"{self._project(client)}.{self.dataset}.{policy.table}")
            except NotFound:
                return ExpiredPartitions(policy.table, cutoff, built=False)
            table = self._ref(client, self.dataset, policy.table)
            self._run(client, f"ALTER TABLE {table} SET OPTIONS (partition_expiration_days = "
                              f"{policy.keep_days + MONTH_PARTITION_SLACK_DAYS})")
            day = f"DATE({q(policy.time_column)})"
            cutoff_param = [bigquery.ScalarQueryParameter("cutoff", "DATE", cutoff)]
            counted = self._run(
                client, f"SELECT {day} AS day, COUNT(*) AS row_count FROM {table} WHERE {day} < @cutoff "
                        "GROUP BY day ORDER BY day", cutoff_param,
            )
            removed = tuple((row["day"], int(row["row_count"])) for row in counted.result())
            if removed:
                self._run(client, f"DELETE FROM {table} WHERE {day} < @cutoff", cutoff_param)
            return ExpiredPartitions(policy.table, cutoff, built=True, removed=removed)

    # -- snapshots ----------------------------------------------------------------------------------------

    def _mart_tables(self, client: bigquery.Client) -> list[str]:
        conditions = " OR ".join(f"STARTS_WITH(table_name, '{prefix}')" for prefix in SNAPSHOT_PREFIXES)
        job = self._run(
            client, f"SELECT table_name FROM {q(self._project(client))}.{q(self.dataset)}.INFORMATION_SCHEMA.TABLES "
                    f"WHERE table_type = 'BASE TABLE' AND ({conditions}) ORDER BY table_name",
        )
        return [row["table_name"] for row in job.result()]

    def snapshot(self, day: date) -> list[TableSnapshot]:
        with self.bigquery.get_client() as client:
            client.create_dataset(f"{self._project(client)}.{self.snapshot_dataset}", exists_ok=True)
            snapshots = []
            for table in self._mart_tables(client):
                target = self._ref(client, self.snapshot_dataset, snapshot_table_name(table, day))
                self._run(
                    client,
                    f"CREATE SNAPSHOT TABLE IF NOT EXISTS {target} CLONE {self._ref(client, self.dataset, table)} "
                    f"OPTIONS (expiration_timestamp = TIMESTAMP_ADD(CURRENT_TIMESTAMP(), INTERVAL {self.snapshot_keep_days} DAY))",
                )
                snapshots.append(TableSnapshot(table, target, None))
            return snapshots

    def prune_snapshots(self, today: date) -> list[str]:
        """Nothing to do: every snapshot table carries its own expiration."""
        return []

    def restore(self, day: date) -> list[TableSnapshot]:
        suffix = f"__{day:%Y%m%d}"
        with self.bigquery.get_client() as client:
            job = self._run(
                client, f"SELECT table_name FROM {q(self._project(client))}.{q(self.snapshot_dataset)}.INFORMATION_SCHEMA.TABLES "
                        "WHERE table_type = 'SNAPSHOT' AND ENDS_WITH(table_name, @suffix) ORDER BY table_name",
                [bigquery.ScalarQueryParameter("suffix", "STRING", suffix)],
            )
            restored = []
            for row in job.result():
                snapshot, table = row["table_name"], row["table_name"].removesuffix(suffix)
                source = self._ref(client, self.snapshot_dataset, snapshot)
                self._run(client, f"CREATE OR REPLACE TABLE {self._ref(client, self.dataset, table)} CLONE {source}")
                restored.append(TableSnapshot(table, source, None))
            if not restored:
                raise LookupError(f"no snapshot tables for {day} in {self.snapshot_dataset}")
            return restored
