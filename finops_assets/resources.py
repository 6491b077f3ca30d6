"""The environment -> resources map, in one place.

Every environment binds the same resource keys; only the implementations differ:

| key                   | local (default)                      | prod                                      |
|-----------------------|--------------------------------------|-------------------------------------------|
| landing               | folder `FINOPS_LANDING_URL`          | `gs://` bucket through dagster-gcp GCS    |
| warehouse_io_manager  | DuckDB file `FINOPS_DUCKDB_PATH`     | BigQuery load jobs (dagster-gcp BigQuery) |
| dbt                   | dbt-duckdb, target `local`           | dbt-bigquery, target `prod`               |
| warehouse_query       | read-only DuckDB queries             | BigQuery query jobs                       |
"""

from __future__ import annotations

from typing import Any

from dagster_dbt import DbtCliResource
from dagster_gcp import BigQueryResource

from finops_assets.defs.dbt.project import dbt_executable, finops_dbt_project
from finops_assets.landing.resource import LandingResource
from finops_assets.settings import Settings
from finops_assets.warehouse.bigquery_resource import FinopsBigQueryResource
from finops_assets.warehouse.io_managers import BigQueryWarehouseIOManager, DuckDBWarehouseIOManager
from finops_assets.warehouse.query_resource import BigQueryQueryResource, DuckDBQueryResource


def build_resources(settings: Settings) -> dict[str, Any]:
    landing = LandingResource(url=settings.landing_url, gcp_project=settings.gcp_project)
    # The dbt target follows FINOPS_ENV through profiles.yml; the same resource serves both environments.
    dbt = DbtCliResource(project_dir=finops_dbt_project(), dbt_executable=dbt_executable(), target=settings.env)
    if settings.env == "prod":
        bigquery = FinopsBigQueryResource(
            bigquery=BigQueryResource(project=settings.gcp_project, location=settings.bq_location),
            api_endpoint=settings.bq_api_endpoint,
        )
        warehouse = BigQueryWarehouseIOManager(bigquery=bigquery, dataset=settings.raw_dataset)
        return {"landing": landing, "warehouse_io_manager": warehouse, "bigquery": bigquery, "dbt": dbt,
                "warehouse_query": BigQueryQueryResource(bigquery=bigquery)}
    warehouse = DuckDBWarehouseIOManager(database=settings.duckdb_path, raw_schema=settings.raw_dataset)
    return {"landing": landing, "warehouse_io_manager": warehouse, "dbt": dbt,
            "warehouse_query": DuckDBQueryResource(database=settings.duckdb_path)}
