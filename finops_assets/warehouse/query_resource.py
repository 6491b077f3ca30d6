"""Read-only queries against the warehouse, for assets that read the marts (the cost report).

One resource key (`warehouse_query`) in every environment: DuckDB on the local warehouse file, BigQuery
(through dagster-gcp's client, wrapped by `FinopsBigQueryResource`) in production. Both answer in the same
shape, with exact `Decimal` money, and say which SQL dialect they speak so that callers render their SQL
for it (finops_assets/dashboards/panels.py).
"""

from __future__ import annotations

from abc import abstractmethod
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import dagster as dg

from finops_assets.warehouse.bigquery_resource import FinopsBigQueryResource
from finops_assets.warehouse.duckdb_warehouse import connect
from finops_assets.warehouse.identifiers import quote_bigquery, sql_string


@dataclass(frozen=True)
class QueryResult:
    columns: tuple[str, ...]
    rows: tuple[tuple[Any, ...], ...]

    def records(self) -> list[dict[str, Any]]:
        return [dict(zip(self.columns, row)) for row in self.rows]


class WarehouseQueryResource(dg.ConfigurableResource):
    @property
    @abstractmethod
    def dialect(self) -> Literal["bigquery", "duckdb"]: ...

    @abstractmethod
    def query(self, sql: str) -> QueryResult: ...

    @abstractmethod
    def tables(self, dataset: str) -> set[str]:
        """Names of the tables and views of a dataset (DuckDB schema); empty when it does not exist."""


class DuckDBWarehouseQuery(WarehouseQueryResource):
    database: str

    @property
    def dialect(self) -> Literal["duckdb"]:
        return "duckdb"

    def query(self, sql: str) -> QueryResult:
        if not Path(self.database).exists():
            raise FileNotFoundError(f"no warehouse at {self.database}: materialize the raw assets and dbt models first")
        con = connect(self.database, read_only=True)
        try:
            cursor = con.execute(sql)
            columns = tuple(d[0] for d in cursor.description)
            return QueryResult(columns, tuple(cursor.fetchall()))
        finally:
            con.close()

    def tables(self, dataset: str) -> set[str]:
        if not Path(self.database).exists():
            return set()
        result = self.query(f"SELECT table_name FROM information_schema.tables WHERE table_schema = {sql_string(dataset)}")
        return {row[0] for row in result.rows}


class BigQueryWarehouseQuery(WarehouseQueryResource):
    bigquery: FinopsBigQueryResource

    @property
    def dialect(self) -> Literal["bigquery"]:
        return "bigquery"

    def query(self, sql: str) -> QueryResult:
        with self.bigquery.get_client() as client:
            result = client.query(sql).result()
            columns = tuple(field.name for field in result.schema)
            return QueryResult(columns, tuple(tuple(row.values()) for row in result))

    def tables(self, dataset: str) -> set[str]:
        from google.api_core.exceptions import NotFound

        try:
            result = self.query(f"SELECT table_name FROM {quote_bigquery(dataset)}.INFORMATION_SCHEMA.TABLES")
        except NotFound:
            return set()
        return {row[0] for row in result.rows}
