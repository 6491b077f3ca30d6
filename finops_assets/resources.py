"""The environment -> resources map, in one place.

Every environment binds the same resource keys; only the implementations differ:

| key                   | local (default)                      | prod                                      |
|-----------------------|--------------------------------------|-------------------------------------------|
| landing               | folder `FINOPS_LANDING_URL` (or s3://, gs://, staged for DuckDB) | `gs://` bucket through dagster-gcp GCS    |
| warehouse_io_manager  | DuckDB file `FINOPS_DUCKDB_PATH`     | BigQuery load jobs (dagster-gcp BigQuery) |
| dbt                   | dbt-duckdb, target `local`           | dbt-bigquery, target `prod`               |
| marts                 | retention/snapshots on the DuckDB file | retention/snapshots in BigQuery         |
| warehouse_queries     | read-only DuckDB connection          | BigQuery query jobs (data-quality checks) |
| warehouse_query       | read-only DuckDB queries             | BigQuery query jobs (cost report)         |
"""

from __future__ import annotations

from typing import Any

from dagster_gcp import BigQueryResource

from finops_assets.defs.dbt.project import dbt_executable, finops_dbt_project
from finops_assets.defs.dbt.resource import FinopsDbtCliResource
from finops_assets.landing.resource import LandingResource
from finops_assets.settings import Settings
from finops_assets.warehouse.bigquery_maintenance import BigQueryMartMaintenance
from finops_assets.warehouse.bigquery_resource import FinopsBigQueryResource
from finops_assets.warehouse.duckdb_maintenance import DuckDBMartMaintenance
from finops_assets.warehouse.io_managers import BigQueryWarehouseIOManager, DuckDBWarehouseIOManager
from finops_assets.warehouse.queries import BigQueryQueryResource, DuckDBQueryResource
from finops_assets.warehouse.query_resource import BigQueryWarehouseQuery, DuckDBWarehouseQuery


def build_resources(settings: Settings) -> dict[str, Any]:
    landing = LandingResource(
        url=settings.landing_url, gcp_project=settings.gcp_project,
        s3_endpoint_url=settings.s3_endpoint_url, s3_region=settings.s3_region,
    )
    # The dbt target follows FINOPS_ENV through profiles.yml; the same resource serves both environments
    # (dagster-dbt's DbtCliResource without its per-run `dbt --version` process: finops_assets/defs/dbt/resource.py).
    dbt = FinopsDbtCliResource(
        project_dir=finops_dbt_project(), dbt_executable=dbt_executable(), target=settings.env,
        # The warm dbt process of a run (finops_assets/dbt_warm.py) imports the target's adapter too.
        warm_preload=["dbt.adapters.bigquery" if settings.env == "prod" else "dbt.adapters.duckdb"],
    )
    if settings.env == "prod":
        bigquery = FinopsBigQueryResource(
            bigquery=BigQueryResource(project=settings.gcp_project, location=settings.bq_location),
            api_endpoint=settings.bq_api_endpoint,
        )
        warehouse = BigQueryWarehouseIOManager(
            bigquery=bigquery, dataset=settings.raw_dataset, retry_delay_seconds=settings.retry_delay_seconds
        )
        marts = BigQueryMartMaintenance(bigquery=bigquery, dataset=settings.mart_dataset)
        queries = BigQueryQueryResource(bigquery=bigquery, dataset=settings.raw_dataset)
        return {"landing": landing, "warehouse_io_manager": warehouse, "bigquery": bigquery, "dbt": dbt, "marts": marts,
                "warehouse_queries": queries, "warehouse_query": BigQueryWarehouseQuery(bigquery=bigquery)}
    warehouse = DuckDBWarehouseIOManager(
        database=settings.duckdb_path, raw_schema=settings.raw_dataset, landing=landing,
        retry_delay_seconds=settings.retry_delay_seconds, memory_limit=settings.duckdb_memory_limit,
    )
    marts = DuckDBMartMaintenance(
        database=settings.duckdb_path, schema_name=settings.mart_dataset, snapshot_dir=settings.snapshot_dir
    )
    queries = DuckDBQueryResource(database=settings.duckdb_path, raw_schema=settings.raw_dataset,
                                  memory_limit=settings.duckdb_memory_limit)
    return {"landing": landing, "warehouse_io_manager": warehouse, "dbt": dbt, "marts": marts, "warehouse_queries": queries,
            "warehouse_query": DuckDBWarehouseQuery(database=settings.duckdb_path)}
