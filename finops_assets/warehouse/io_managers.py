"""Dagster IO managers over the warehouses. Raw assets return a `LoadBatch` (one `LoadRequest` per partition of
the run; a bare `LoadRequest` is accepted too); these load it, month by month.

The table is named after the asset (`billing_raw.aws_cur_raw`); the run's partition keys must be the requests'
billing months. Each month is loaded, skipped or replaced as a whole (DuckDB may load several months in one
statement, see `DuckDBWarehouse`) and gets its own materialization metadata
(a single-run backfill of a range materializes every month of it, each with what happened to it). Downstream
Python consumers receive a `WarehouseTable` reference, never the rows (dbt reads the tables directly).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import dagster as dg
from pydantic import Field

from finops_assets.landing.resource import LandingResource
from finops_assets.retries import retry_transient, transient_retry_policy
from finops_assets.warehouse.bigquery_resource import FinopsBigQueryResource
from finops_assets.warehouse.bigquery_warehouse import BigQueryWarehouse
from finops_assets.warehouse.duckdb_warehouse import DuckDBWarehouse
from finops_assets.warehouse.load_request import LoadBatch, LoadError, LoadRequest, LoadResult
from finops_assets.warehouse.metadata import load_metadata


@dataclass(frozen=True)
class WarehouseTable:
    """A reference to a raw table (and the month asked for), handed to downstream Python assets."""

    warehouse: str
    schema: str
    table: str
    billing_month: date | None


def table_name(context: dg.OutputContext | dg.InputContext) -> str:
    return context.asset_key.path[-1]


def batch_requests(obj: LoadBatch | LoadRequest) -> tuple[LoadRequest, ...]:
    return obj.requests if isinstance(obj, LoadBatch) else (obj,)


def check_partitions(context: dg.OutputContext, requests: tuple[LoadRequest, ...]) -> None:
    """The requests must be exactly the run's partitions (one each), whatever their load order."""
    if not context.has_asset_partitions:
        return
    keys = sorted(context.asset_partition_keys)
    asked = sorted(r.partition_key for r in requests)
    if asked != keys:
        first = requests[0] if requests else None
        where = f"{first.manifest_uri}: " if first else ""
        labels = ", ".join(r.partition_label for r in requests) or "nothing"
        shown = keys[0] if len(keys) == 1 else f"{keys[0]}...{keys[-1]} ({len(keys)} partitions)"
        raise LoadError(f"{where}the load request is for {labels} but the partition being materialized is {shown}")


def record_month(context: dg.OutputContext, request: LoadRequest, result: LoadResult, table: str) -> None:
    """The month's materialization metadata: on the run's one output, or scoped to the month's partition when the
    run materializes a range (every month's materialization then says what happened to that month)."""
    if result.skipped:
        context.log.info(f"{request.source} {request.partition_label}: execution {request.execution_id} already loaded")
    metadata = load_metadata(request, result, table)
    if context.has_asset_partitions and len(context.asset_partition_keys) > 1:
        context.step_context.add_asset_metadata(metadata, partition_key=request.partition_key)
    else:
        context.add_output_metadata(metadata)


def previous_attempts(context: dg.OutputContext) -> int:
    try:
        return context.step_context.previous_attempt_count
    except dg.DagsterInvariantViolationError:  # an OutputContext built outside a run (direct IO manager calls)
        return 0


def partition_month(context: dg.InputContext) -> date | None:
    return date.fromisoformat(context.asset_partition_key) if context.has_asset_partitions else None


class DuckDBWarehouseIOManager(dg.ConfigurableIOManager):
    """Loads raw months into the embedded DuckDB warehouse file."""

    database: str = Field(description="Path of the DuckDB warehouse file (FINOPS_DUCKDB_PATH).")
    raw_schema: str = Field(default="billing_raw", description="Schema of the raw tables (FINOPS_RAW_DATASET).")
    retry_delay_seconds: float = Field(default=10, description="First backoff delay after a transient error.")
    memory_limit: str | None = Field(
        default="1GB", description="DuckDB's memory limit during loads (FINOPS_DUCKDB_MEMORY_LIMIT); it spills beyond."
    )
    landing: LandingResource | None = Field(
        default=None, description="The landing area, to stage remote (s3://, gs://) files DuckDB cannot read itself."
    )

    def handle_output(self, context: dg.OutputContext, obj: LoadBatch | LoadRequest | None) -> None:
        if obj is None:
            return
        requests = batch_requests(obj)
        check_partitions(context, requests)
        table = table_name(context)
        landing = self.landing.get_landing() if self.landing is not None else None
        warehouse = DuckDBWarehouse(self.database, self.raw_schema, landing, memory_limit=self.memory_limit)
        # One connection for the run; months that can share a statement are loaded together (see DuckDBWarehouse).
        # A transient error retries the step, and the months already loaded are then skipped.
        with retry_transient(transient_retry_policy(self.retry_delay_seconds), previous_attempts(context)):
            for request, result in warehouse.load_batch(requests, table):
                record_month(context, request, result, f"{self.raw_schema}.{table}")

    def load_input(self, context: dg.InputContext) -> WarehouseTable:
        return WarehouseTable("duckdb", self.raw_schema, table_name(context), partition_month(context))


class BigQueryWarehouseIOManager(dg.ConfigurableIOManager):
    """Loads raw months into BigQuery with load jobs from GCS (production)."""

    bigquery: FinopsBigQueryResource
    dataset: str = Field(default="billing_raw", description="Dataset of the raw tables (FINOPS_RAW_DATASET).")
    retry_delay_seconds: float = Field(default=10, description="First backoff delay after a transient error.")

    def _warehouse(self, client) -> BigQueryWarehouse:
        project = self.bigquery.bigquery.project or client.project
        location = self.bigquery.bigquery.location or "US"
        return BigQueryWarehouse(client=client, project=project, dataset=self.dataset, location=location)

    def handle_output(self, context: dg.OutputContext, obj: LoadBatch | LoadRequest | None) -> None:
        if obj is None:
            return
        requests = batch_requests(obj)
        check_partitions(context, requests)
        table = table_name(context)
        with self.bigquery.get_client() as client:
            warehouse = self._warehouse(client)
            for request in requests:
                # Each month is its own load job into its partition decorator; a transient error retries the step,
                # and the months already loaded are then skipped (their execution id is tracked).
                with retry_transient(transient_retry_policy(self.retry_delay_seconds), previous_attempts(context)):
                    result = warehouse.load(request, table)
                record_month(context, request, result, warehouse.table_id(table))

    def load_input(self, context: dg.InputContext) -> WarehouseTable:
        dataset = f"{self.bigquery.bigquery.project}.{self.dataset}" if self.bigquery.bigquery.project else self.dataset
        return WarehouseTable("bigquery", dataset, table_name(context), partition_month(context))
