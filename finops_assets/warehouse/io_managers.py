"""Dagster IO managers over the warehouses. Raw assets return a `LoadRequest`; these load it.

The table is named after the asset (`billing_raw.aws_cur_raw`); the partition key must be the
request's billing month. Downstream Python consumers receive a `WarehouseTable` reference, never
the rows (dbt reads the tables directly).
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
from finops_assets.warehouse.load_request import LoadError, LoadRequest
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


def check_partition(context: dg.OutputContext, request: LoadRequest) -> None:
    if context.has_asset_partitions:
        key = context.asset_partition_key
        if key != request.billing_month.isoformat():
            raise LoadError(
                f"{request.manifest_uri}: the load request is for {request.partition_label} "
                f"but the partition being materialized is {key}"
            )


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
    landing: LandingResource | None = Field(
        default=None, description="The landing area, to stage remote (s3://, gs://) files DuckDB cannot read itself."
    )

    def handle_output(self, context: dg.OutputContext, obj: LoadRequest | None) -> None:
        if obj is None:
            return
        check_partition(context, obj)
        table = table_name(context)
        with retry_transient(transient_retry_policy(self.retry_delay_seconds), previous_attempts(context)):
            landing = self.landing.get_landing() if self.landing is not None else None
            result = DuckDBWarehouse(self.database, self.raw_schema, landing).load(obj, table)
        if result.skipped:
            context.log.info(f"{obj.source} {obj.partition_label}: execution {obj.execution_id} already loaded")
        context.add_output_metadata(load_metadata(obj, result, f"{self.raw_schema}.{table}"))

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

    def handle_output(self, context: dg.OutputContext, obj: LoadRequest | None) -> None:
        if obj is None:
            return
        check_partition(context, obj)
        table = table_name(context)
        with retry_transient(transient_retry_policy(self.retry_delay_seconds), previous_attempts(context)):
            with self.bigquery.get_client() as client:
                warehouse = self._warehouse(client)
                result = warehouse.load(obj, table)
        if result.skipped:
            context.log.info(f"{obj.source} {obj.partition_label}: execution {obj.execution_id} already loaded")
        context.add_output_metadata(load_metadata(obj, result, warehouse.table_id(table)))

    def load_input(self, context: dg.InputContext) -> WarehouseTable:
        dataset = f"{self.bigquery.bigquery.project}.{self.dataset}" if self.bigquery.bigquery.project else self.dataset
        return WarehouseTable("bigquery", dataset, table_name(context), partition_month(context))
