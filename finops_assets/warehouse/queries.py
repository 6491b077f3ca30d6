"""One small read-only query interface over both warehouses, for the data-quality checks.

A check writes its SQL once in the subset both dialects share (CAST, CASE, COUNT(DISTINCT), GROUP BY ...
HAVING, LIMIT) and asks the interface for what differs: identifier quoting, the fully qualified raw table and
the parameter placeholder. `DuckDBQueries` runs it on the warehouse file, `BigQueryQueries` as a query job with
typed query parameters. The Dagster resources under the key `warehouse_queries` hand out one of the two.
"""

from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Iterator, Protocol, Sequence

import dagster as dg
from google.api_core.exceptions import NotFound
from google.cloud import bigquery
from pydantic import Field

from finops_assets.warehouse.bigquery_resource import FinopsBigQueryResource
from finops_assets.warehouse.duckdb_warehouse import connect
from finops_assets.warehouse.load_request import month_bounds
from finops_assets.warehouse.identifiers import quote_bigquery, quote_duckdb, sql_string

QUERY_TIMEOUT_SECONDS = 600


@dataclass(frozen=True)
class QueryParam:
    name: str
    type: str  # STRING | INT64 | DATE | TIMESTAMP
    value: object


class WarehouseQueries(Protocol):
    """What a check needs from a warehouse: quoting, the raw tables, typed parameters, rows back."""

    location: str  # the raw dataset as a user would name it, for descriptions
    dialect: str  # "duckdb" | "bigquery": which rendering of SQL written per warehouse to run

    def table(self, name: str) -> str:
        """The quoted, qualified reference of a raw table."""
        ...

    def column(self, path: str) -> str:
        """A quoted column reference; a dotted path reaches into records (`service.id`)."""
        ...

    def param(self, name: str) -> str: ...

    def month_of(self, column_sql: str) -> str:
        """The first day (DATE) of the month of a TIMESTAMP expression: grouping a range of months in one query."""
        ...

    def screen_key(self, columns_sql: Sequence[str]) -> str:
        """What a screen groups rows by to find repeated keys: equal keys always give equal screen keys, so a screen
        misses no repeated key; unequal keys may collide (a hash), which only flags a month for its exact check."""
        ...

    def has_table(self, name: str) -> bool: ...

    def fetch(self, sql: str, params: Sequence[QueryParam] = ()) -> list[tuple]: ...

    def fetch_named(self, sql: str, params: Sequence[QueryParam] = ()) -> list[dict[str, object]]:
        """Rows as {column: value}, in the query's column order."""
        ...


def _utc_naive(value: object) -> object:
    if isinstance(value, datetime) and value.tzinfo is not None:
        return value.astimezone(timezone.utc).replace(tzinfo=None)
    return value


class DuckDBQueries:
    dialect = "duckdb"

    def __init__(self, con, schema: str):
        self.con = con
        self.schema = schema
        self.location = schema

    def table(self, name: str) -> str:
        return f"{quote_duckdb(self.schema)}.{quote_duckdb(name)}"

    def column(self, path: str) -> str:
        return ".".join(quote_duckdb(part) for part in path.split("."))

    def param(self, name: str) -> str:
        return f"${name}"

    def month_of(self, column_sql: str) -> str:
        return f"CAST(date_trunc('month', {column_sql}) AS DATE)"

    def screen_key(self, columns_sql: Sequence[str]) -> str:
        # One 64-bit hash instead of the key's strings: the duplicate screen groups every line item of the range
        # (10M at the benchmark's scale), and a fixed-size key halves its time and its hash table.
        return f"hash({', '.join(columns_sql)})"

    def has_table(self, name: str) -> bool:
        return bool(self.con.execute(
            "SELECT count(*) FROM information_schema.tables WHERE table_schema = ? AND table_name = ?", [self.schema, name]
        ).fetchone()[0])

    def fetch(self, sql: str, params: Sequence[QueryParam] = ()) -> list[tuple]:
        return self.con.execute(sql, {p.name: _utc_naive(p.value) for p in params} if params else None).fetchall()

    def fetch_named(self, sql: str, params: Sequence[QueryParam] = ()) -> list[dict[str, object]]:
        cursor = self.con.execute(sql, {p.name: _utc_naive(p.value) for p in params} if params else None)
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, row)) for row in cursor.fetchall()]


class BigQueryQueries:
    dialect = "bigquery"

    def __init__(self, client: bigquery.Client, project: str, dataset: str):
        self.client = client
        self.project = project
        self.dataset = dataset
        self.location = f"{project}.{dataset}"

    def table(self, name: str) -> str:
        return quote_bigquery(f"{self.project}.{self.dataset}.{name}")

    def column(self, path: str) -> str:
        return ".".join(quote_bigquery(part) for part in path.split("."))

    def param(self, name: str) -> str:
        return f"@{name}"

    def month_of(self, column_sql: str) -> str:
        return f"DATE_TRUNC(DATE({column_sql}), MONTH)"

    def screen_key(self, columns_sql: Sequence[str]) -> str:
        return ", ".join(columns_sql)  # exact: BigQuery's distributed aggregation needs no shortcut

    def has_table(self, name: str) -> bool:
        try:
            self.client.get_table(f"{self.project}.{self.dataset}.{name}")
        except NotFound:
            return False
        return True

    def fetch(self, sql: str, params: Sequence[QueryParam] = ()) -> list[tuple]:
        config = bigquery.QueryJobConfig(query_parameters=[self._parameter(p) for p in params])
        return [tuple(row.values()) for row in self.client.query(sql, job_config=config).result(timeout=QUERY_TIMEOUT_SECONDS)]

    def fetch_named(self, sql: str, params: Sequence[QueryParam] = ()) -> list[dict[str, object]]:
        config = bigquery.QueryJobConfig(query_parameters=[self._parameter(p) for p in params])
        return [dict(row.items()) for row in self.client.query(sql, job_config=config).result(timeout=QUERY_TIMEOUT_SECONDS)]

    @staticmethod
    def _parameter(param: QueryParam) -> bigquery.ScalarQueryParameter:
        value = param.value
        if param.type == "TIMESTAMP" and isinstance(value, datetime) and value.tzinfo is None:
            value = value.replace(tzinfo=timezone.utc)  # the warehouse's naive timestamps are UTC
        if param.type == "DATE" and isinstance(value, datetime):
            value = value.date()
        return bigquery.ScalarQueryParameter(param.name, param.type, value)


class DuckDBQueryResource(dg.ConfigurableResource):
    """Read-only queries on the DuckDB warehouse file (local)."""

    database: str = Field(description="Path of the DuckDB warehouse file (FINOPS_DUCKDB_PATH).")
    raw_schema: str = Field(default="billing_raw", description="Schema of the raw tables (FINOPS_RAW_DATASET).")
    memory_limit: str | None = Field(
        default=None, description="DuckDB's memory limit for the checks' queries (FINOPS_DUCKDB_MEMORY_LIMIT)."
    )

    @contextmanager
    def open(self) -> Iterator[WarehouseQueries]:
        if not Path(self.database).exists():
            raise FileNotFoundError(f"no warehouse file at {self.database}: nothing has been loaded yet")
        con = connect(self.database, read_only=True)
        if self.memory_limit:
            # The checks group every line item of a range (the duplicate-key screen): bounded like the loads, spilling
            # to the warehouse's temp folder beyond the limit.
            con.execute(f"SET memory_limit = {sql_string(self.memory_limit)}")
        try:
            yield DuckDBQueries(con, self.raw_schema)
        finally:
            con.close()


class BigQueryQueryResource(dg.ConfigurableResource):
    """Query jobs on the raw BigQuery dataset (prod)."""

    bigquery: FinopsBigQueryResource
    dataset: str = Field(default="billing_raw", description="Dataset of the raw tables (FINOPS_RAW_DATASET).")

    @contextmanager
    def open(self) -> Iterator[WarehouseQueries]:
        with self.bigquery.get_client() as client:
            yield BigQueryQueries(client, self.bigquery.bigquery.project or client.project, self.dataset)


def month_params(month: date) -> list[QueryParam]:
    """[start, end) of a billing month as TIMESTAMP parameters `month_start` / `month_end`."""
    start, end = month_bounds(month)
    return [QueryParam("month_start", "TIMESTAMP", start), QueryParam("month_end", "TIMESTAMP", end)]


def range_params(months: Sequence[date]) -> list[QueryParam]:
    """[first month's start, last month's end) as the same `month_start` / `month_end` parameters."""
    return [QueryParam("month_start", "TIMESTAMP", month_bounds(min(months))[0]),
            QueryParam("month_end", "TIMESTAMP", month_bounds(max(months))[1])]
