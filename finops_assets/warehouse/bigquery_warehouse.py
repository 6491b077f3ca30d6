"""The production warehouse: BigQuery load jobs straight from GCS, one partition per billing month.

CSV exports load with the manifest schema directly into the month's partition (`table$YYYYMM`,
WRITE_TRUNCATE), which BigQuery swaps atomically when the job succeeds; a failed job leaves the previous
month as it was. Parquet exports (costs stored as DOUBLE) and exports that declare their row count first
load into a one-day staging table, are checked, and are then written to the partition the same way by one
query job (casting doubles to exact BIGNUMERIC). No bytes pass through Python.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, replace
from datetime import datetime, timedelta, timezone

from google.api_core.exceptions import Conflict
from google.cloud import bigquery

from finops_assets.warehouse.identifiers import quote_bigquery as q
from finops_assets.warehouse.identifiers import snake_case
from finops_assets.warehouse.load_request import (
    Column,
    ColumnType,
    FileFormat,
    LoadError,
    LoadRequest,
    LoadResult,
    PartitionGrain,
)
from finops_assets.warehouse.metadata import markdown_table
from finops_assets.warehouse.tracking import (
    TRACKING_TABLE,
    PreviousLoad,
    already_loaded,
    column_diff,
    decode_columns,
    encode_columns,
    format_decimal,
    skipped_result,
)

BIGQUERY_TYPES = {
    ColumnType.STRING: "STRING",
    ColumnType.DECIMAL: "BIGNUMERIC",
    ColumnType.TIMESTAMP: "TIMESTAMP",
    ColumnType.JSON: "JSON",
}
TRACKING_SCHEMA = [
    bigquery.SchemaField("source", "STRING", mode="REQUIRED"),
    bigquery.SchemaField("billing_month", "DATE", mode="REQUIRED"),
    bigquery.SchemaField("execution_id", "STRING", mode="REQUIRED"),
    bigquery.SchemaField("manifest_uri", "STRING"),
    bigquery.SchemaField("file_count", "INT64"),
    bigquery.SchemaField("row_count", "INT64"),
    bigquery.SchemaField("bytes", "INT64"),
    bigquery.SchemaField("loaded_at", "TIMESTAMP"),
    bigquery.SchemaField("table_name", "STRING"),
    bigquery.SchemaField("columns", "STRING"),
    bigquery.SchemaField("total_cost", "BIGNUMERIC"),
    bigquery.SchemaField("forced", "BOOL"),
    bigquery.SchemaField("typed_by_manifest", "STRING"),
]
JOB_TIMEOUT_SECONDS = 3600


# BigQuery has no MAP type: a string map is what a Parquet MAP loads as with `map_target_type=ARRAY_OF_STRUCT`.
STRING_MAP_FIELDS = (bigquery.SchemaField("key", "STRING"), bigquery.SchemaField("value", "STRING"))


def schema_field(column: Column, name: str | None = None) -> bigquery.SchemaField:
    if column.type is ColumnType.STRING_MAP:
        return bigquery.SchemaField(
            name or column.name, "RECORD", mode="REPEATED", description=column.origin or None, fields=STRING_MAP_FIELDS
        )
    return bigquery.SchemaField(
        name or column.name,
        "RECORD" if column.type is ColumnType.RECORD else BIGQUERY_TYPES[column.type],
        mode="REPEATED" if column.repeated else "NULLABLE",
        description=column.origin or None,
        fields=[schema_field(f) for f in column.fields],
    )


def table_schema(request: LoadRequest) -> list[bigquery.SchemaField]:
    fields = [schema_field(c) for c in request.columns]
    if request.derives_partition:
        origin = request.partition_from_yyyymm or "the landing folder's day"
        fields.append(bigquery.SchemaField(request.partition_column, "TIMESTAMP", mode="NULLABLE",
                                           description=f"first instant of {origin}"))
    return fields


def exact_expression(column: Column, source_sql: str) -> str:
    """`source_sql` re-typed to the column's exact type, nested records rebuilt field by field: floats (the GCP
    export's `cost`, `credits.amount`) become BIGNUMERIC through their shortest decimal text."""
    if column.type is ColumnType.RECORD:
        def record(prefix: str) -> str:
            return ", ".join(f"{exact_expression(f, f'{prefix}.{q(f.name)}')} AS {q(f.name)}" for f in column.fields)
        if column.repeated:
            return f"ARRAY(SELECT AS STRUCT {record('e')} FROM UNNEST({source_sql}) AS e)"
        return f"IF({source_sql} IS NULL, NULL, STRUCT({record(source_sql)}))"
    target = BIGQUERY_TYPES[column.type]
    if column.type is ColumnType.DECIMAL:
        scalar = lambda x: f"CAST(CAST({x} AS STRING) AS {target})"  # noqa: E731
    else:
        scalar = lambda x: f"CAST({x} AS {target})"  # noqa: E731
    if column.repeated:
        return f"ARRAY(SELECT {scalar('v')} FROM UNNEST({source_sql}) AS v)"
    return scalar(source_sql)


# Column types an older manifest may declare as plain text where a newer one (which typed the table) knows better.
_TYPED_FROM_TEXT = {"BIGNUMERIC": ColumnType.DECIMAL, "TIMESTAMP": ColumnType.TIMESTAMP, "JSON": ColumnType.JSON}


def adopt_table_types(request: LoadRequest, existing: list[bigquery.SchemaField], table: str) -> tuple[LoadRequest, tuple[str, ...], bool]:
    """The request to load into an existing table, as the DuckDB warehouse does it: a column this manifest declares
    as text that the table holds as BIGNUMERIC / TIMESTAMP / JSON is loaded with the table's type. Returns that
    request, the adopted columns, and whether the load widens the table (new columns: it then types the table)."""
    have = {f.name: f.field_type for f in existing}
    adopted: dict[str, ColumnType] = {}
    widened = False
    for column in request.columns:
        current = have.get(column.name)
        wanted = schema_field(column).field_type
        if current is None:
            widened = True
        elif current == wanted:
            continue
        elif column.type is ColumnType.STRING and current in _TYPED_FROM_TEXT:
            adopted[column.name] = _TYPED_FROM_TEXT[current]
        else:
            raise LoadError(
                f"{request.manifest_uri}: column {column.name!r} ({column.origin or 'derived'}) is {wanted} in this "
                f"export but {current} in {table}; a retyped column needs a migration"
            )
    if adopted:
        request = replace(request, columns=tuple(
            replace(c, type=adopted[c.name]) if c.name in adopted else c for c in request.columns
        ))
    return request, tuple(adopted), widened


def derived_partition(request: LoadRequest) -> list[str]:
    if request.partition_from_folder:
        start, _ = request.partition_bounds()
        return [f"TIMESTAMP '{start:%Y-%m-%d %H:%M:%S}+00' AS {q(request.partition_column)}"]
    if not request.partition_from_yyyymm:
        return []
    path = ".".join(q(p) for p in request.partition_from_yyyymm.split("."))
    return [f"PARSE_TIMESTAMP('%Y%m', {path}) AS {q(request.partition_column)}"]


def partition_decorator(request: LoadRequest) -> str:
    return f"{request.billing_month:%Y%m%d}" if request.grain is PartitionGrain.DAY else f"{request.billing_month:%Y%m}"


@dataclass
class BigQueryWarehouse:
    client: bigquery.Client
    project: str
    dataset: str
    location: str

    def table_id(self, table: str) -> str:
        return f"{self.project}.{self.dataset}.{table}"

    def sql_table(self, table: str) -> str:
        return q(f"{self.project}.{self.dataset}.{table}")

    # -- the load ---------------------------------------------------------------------------------------

    def load(self, request: LoadRequest, table: str) -> LoadResult:
        started = time.monotonic()
        self._ensure_dataset_and_tracking()
        if request.source_table and not request.execution_id:
            request = replace(request, execution_id=self._table_version(request))
        previous = self._previous_load(request)
        if already_loaded(previous, request):
            row_count, total_cost = self._tracked_totals(request)
            skipped = skipped_result(request, row_count, format_decimal(total_cost), started)
            return replace(skipped, summary=self._summary(request, table))
        request, retyped, typed_here = self._ensure_table(request, table)
        typed_by = request.manifest_uri if typed_here else self._typed_by(table, request.manifest_uri)
        destination = f"{self.table_id(table)}${partition_decorator(request)}"
        if request.source_table:
            rows = self._copy_from_table(request, destination)
        elif request.file_format is FileFormat.CSV and request.expected_row_count is None and not request.partition_from_yyyymm:
            job = self.client.load_table_from_uri(
                [f.uri for f in request.files], destination, job_config=self.csv_load_config(request)
            )
            self._wait(job, request)
            rows = int(job.output_rows or 0)
        else:
            rows = self._load_via_staging(request, table, destination)

        total_cost, preview = self._month_totals(request, table)
        column_names = tuple(c.name for c in request.columns)
        added, removed = column_diff(previous, column_names)
        self._record(request, table, rows, total_cost, typed_by)
        return LoadResult(
            source=request.source, billing_month=request.billing_month, execution_id=request.execution_id,
            skipped=False, row_count=rows, file_count=len(request.files), bytes=request.total_bytes,
            total_cost=format_decimal(total_cost), columns_added=added, columns_removed=removed,
            columns_retyped=retyped, typed_by_manifest=typed_by,
            previous_execution_id=previous.execution_id if previous and previous.same_month else None,
            seconds=time.monotonic() - started, preview_markdown=preview, summary=self._summary(request, table),
        )

    # -- job configs (asserted request by request in the tests) -----------------------------------------

    def _partitioning(self, request: LoadRequest) -> bigquery.TimePartitioning:
        grain = bigquery.TimePartitioningType.DAY if request.grain is PartitionGrain.DAY else bigquery.TimePartitioningType.MONTH
        return bigquery.TimePartitioning(type_=grain, field=request.partition_column)

    def csv_load_config(self, request: LoadRequest) -> bigquery.LoadJobConfig:
        return bigquery.LoadJobConfig(
            source_format=bigquery.SourceFormat.CSV,
            schema=table_schema(request),
            skip_leading_rows=1,
            allow_quoted_newlines=True,
            field_delimiter=",",
            quote_character='"',
            encoding="UTF-8",
            null_markers=list(request.null_markers),
            write_disposition=bigquery.WriteDisposition.WRITE_TRUNCATE,
            create_disposition=bigquery.CreateDisposition.CREATE_NEVER,
            schema_update_options=[bigquery.SchemaUpdateOption.ALLOW_FIELD_ADDITION],
            time_partitioning=self._partitioning(request),
            clustering_fields=list(request.clustering_columns) or None,
        )

    def _load_via_staging(self, request: LoadRequest, table: str, destination: str) -> int:
        """Load into a one-day staging table, check it, then write the partition with one query job.

        Used where the files cannot go straight into the partition: Parquet (costs stored as DOUBLE must be
        cast to BIGNUMERIC) and exports that declare a row count, which must be verified before the month is
        replaced.
        """
        staging = f"_staging_{table}_{partition_decorator(request)}"
        staging_table = bigquery.Table(self.table_id(staging))
        staging_table.expires = datetime.now(timezone.utc) + timedelta(days=1)
        self.client.create_table(staging_table, exists_ok=True)
        if request.file_format is FileFormat.PARQUET:
            config = bigquery.LoadJobConfig(
                source_format=bigquery.SourceFormat.PARQUET,
                write_disposition=bigquery.WriteDisposition.WRITE_TRUNCATE,
                schema_update_options=[bigquery.SchemaUpdateOption.ALLOW_FIELD_ADDITION],
            )
            if any(c.type is ColumnType.STRING_MAP for c in request.columns):
                # Without it a Parquet MAP loads as RECORD<key_value REPEATED RECORD<key, value>>; with it, as the
                # REPEATED RECORD<key, value> the table declares (dbt reads maps with UNNEST either way).
                parquet = bigquery.ParquetOptions()
                parquet.map_target_type = "ARRAY_OF_STRUCT"
                config.parquet_options = parquet
        elif request.file_format is FileFormat.NDJSON:
            # JSON numbers load straight into BIGNUMERIC with the explicit schema: no float on the way.
            config = bigquery.LoadJobConfig(
                source_format=bigquery.SourceFormat.NEWLINE_DELIMITED_JSON,
                schema=[schema_field(c, c.source_name) for c in request.columns],
                write_disposition=bigquery.WriteDisposition.WRITE_TRUNCATE,
            )
        else:
            config = self.csv_load_config(request)
            config.time_partitioning = None
            config.clustering_fields = None
            config.create_disposition = bigquery.CreateDisposition.CREATE_IF_NEEDED
        load = self.client.load_table_from_uri([f.uri for f in request.files], self.table_id(staging), job_config=config)
        self._wait(load, request)
        rows = int(load.output_rows or 0)
        if request.expected_row_count is not None and rows != request.expected_row_count:
            self.client.delete_table(self.table_id(staging), not_found_ok=True)
            raise LoadError(
                f"{request.manifest_uri}: the files hold {rows} rows but the manifest declares "
                f"{request.expected_row_count}; the month's previous data is unchanged"
            )
        loaded = {snake_case(f.name): f for f in self.client.get_table(self.table_id(staging)).schema}
        projection = []
        for column in request.columns:
            target = BIGQUERY_TYPES.get(column.type, "")
            field = loaded.get(column.name)
            if column.type in (ColumnType.RECORD, ColumnType.STRING_MAP) and field is not None:
                projection.append(f"{q(field.name)} AS {q(column.name)}")
            elif column.type is ColumnType.STRING_MAP:
                projection.append(f"CAST([] AS ARRAY<STRUCT<key STRING, value STRING>>) AS {q(column.name)}")
            elif column.type is ColumnType.RECORD:
                projection.append(f"{q(column.source_name)} AS {q(column.name)}")
            elif field is None:
                projection.append(f"CAST(NULL AS {target}) AS {q(column.name)}")
            elif column.type is ColumnType.DECIMAL and field.field_type in ("FLOAT", "FLOAT64"):
                # The shortest decimal text of a double is the value the exporter meant.
                projection.append(f"CAST(CAST({q(field.name)} AS STRING) AS {target}) AS {q(column.name)}")
            elif column.type is ColumnType.JSON and field.field_type != "JSON":
                projection.append(f"PARSE_JSON({q(field.name)}) AS {q(column.name)}")
            elif column.type is ColumnType.JSON:
                projection.append(f"{q(field.name)} AS {q(column.name)}")
            else:
                projection.append(f"CAST({q(field.name)} AS {target}) AS {q(column.name)}")
        query = self.client.query(
            f"SELECT {', '.join(projection + derived_partition(request))} FROM {self.sql_table(staging)}",
            job_config=bigquery.QueryJobConfig(
                destination=destination,
                write_disposition=bigquery.WriteDisposition.WRITE_TRUNCATE,
                schema_update_options=[bigquery.SchemaUpdateOption.ALLOW_FIELD_ADDITION],
                time_partitioning=self._partitioning(request),
                clustering_fields=list(request.clustering_columns) or None,
            ),
        )
        self._wait(query, request)
        self.client.delete_table(self.table_id(staging), not_found_ok=True)
        return rows

    def _copy_from_table(self, request: LoadRequest, destination: str) -> int:
        """The GCP export already lives in BigQuery: one query job writes the month's partition from it, with
        costs cast once to exact BIGNUMERIC. No bytes leave BigQuery."""
        path = ".".join(q(p) for p in (request.partition_from_yyyymm or "").split("."))
        projection = [f"{exact_expression(c, q(c.source_name))} AS {q(c.name)}" for c in request.columns]
        job = self.client.query(
            f"SELECT {', '.join(projection + derived_partition(request))} FROM {q(request.source_table)} "
            f"WHERE {path} = @invoice_month",
            job_config=bigquery.QueryJobConfig(
                destination=destination,
                write_disposition=bigquery.WriteDisposition.WRITE_TRUNCATE,
                schema_update_options=[bigquery.SchemaUpdateOption.ALLOW_FIELD_ADDITION],
                time_partitioning=self._partitioning(request),
                clustering_fields=list(request.clustering_columns) or None,
                query_parameters=[bigquery.ScalarQueryParameter("invoice_month", "STRING", f"{request.billing_month:%Y%m}")],
            ),
        )
        self._wait(job, request)
        return self._count_month(request, destination)

    def _count_month(self, request: LoadRequest, destination: str) -> int:
        table = destination.split("$", 1)[0]
        start, end = request.partition_bounds()
        part = q(request.partition_column)
        rows = self._query(
            f"SELECT COUNT(*) FROM {q(table)} WHERE {part} >= @start AND {part} < @end",
            [
                bigquery.ScalarQueryParameter("start", "TIMESTAMP", start.replace(tzinfo=timezone.utc)),
                bigquery.ScalarQueryParameter("end", "TIMESTAMP", end.replace(tzinfo=timezone.utc)),
            ],
        )
        return int(rows[0][0]) if rows else 0

    def _table_version(self, request: LoadRequest) -> str:
        """The month's version in a continuously updated export table: its newest `export_time` and row count."""
        path = ".".join(q(p) for p in (request.partition_from_yyyymm or "").split("."))
        rows = self._query(
            f"SELECT FORMAT_TIMESTAMP('%Y-%m-%dT%H:%M:%E6SZ', MAX(export_time)), COUNT(*) FROM {q(request.source_table)} "
            f"WHERE {path} = @invoice_month",
            [bigquery.ScalarQueryParameter("invoice_month", "STRING", f"{request.billing_month:%Y%m}")],
        )
        if not rows or rows[0][0] is None:
            raise LoadError(f"{request.source_table}: no rows with invoice.month {request.billing_month:%Y%m}")
        return f"export_time={rows[0][0]};rows={rows[0][1]}"

    # -- bookkeeping ------------------------------------------------------------------------------------

    def _wait(self, job, request: LoadRequest) -> None:
        try:
            job.result(timeout=JOB_TIMEOUT_SECONDS)
        except Exception as exc:
            # BigQuery names the file a read error is in as the error's `location` (a gs:// URI) when it knows it.
            details = "; ".join(
                f"{e['location']}: {e.get('message', e)}" if e.get("location") else str(e.get("message", e))
                for e in (getattr(job, "errors", None) or [])[:5]
            )
            raise LoadError(
                f"{request.manifest_uri}: BigQuery job {job.job_id} failed for {request.partition_label}: "
                f"{exc}{' (' + details + ')' if details else ''}; the month's previous data is unchanged"
            ) from exc

    def _ensure_dataset_and_tracking(self) -> None:
        dataset = bigquery.Dataset(f"{self.project}.{self.dataset}")
        dataset.location = self.location
        self.client.create_dataset(dataset, exists_ok=True)
        tracking = self.client.create_table(bigquery.Table(self.table_id(TRACKING_TABLE), schema=TRACKING_SCHEMA), exists_ok=True)
        missing = [f for f in TRACKING_SCHEMA if f.name not in {have.name for have in tracking.schema}]
        if missing:  # a tracking table created before a column was added gains it (nullable: old rows hold NULL)
            tracking.schema = [*tracking.schema, *missing]
            self.client.update_table(tracking, ["schema"])

    def _ensure_table(self, request: LoadRequest, table: str) -> tuple[LoadRequest, tuple[str, ...], bool]:
        """Create the table typed by this request, or fit the request to the existing table (`adopt_table_types`).
        Returns the request to load, the columns read with the table's types, and whether this load types the table."""
        definition = bigquery.Table(self.table_id(table), schema=table_schema(request))
        definition.time_partitioning = self._partitioning(request)
        definition.clustering_fields = list(request.clustering_columns) or None
        try:
            self.client.create_table(definition)
            return request, (), True
        except Conflict:
            existing = self.client.get_table(self.table_id(table))
        return adopt_table_types(request, existing.schema, self.table_id(table))

    def _typed_by(self, table: str, default: str) -> str:
        """The manifest whose types the table's columns carry: the latest load that created or widened it."""
        rows = self._query(
            f"SELECT typed_by_manifest FROM {self.sql_table(TRACKING_TABLE)} WHERE table_name = @table_name "
            "AND typed_by_manifest IS NOT NULL ORDER BY loaded_at DESC LIMIT 1",
            [bigquery.ScalarQueryParameter("table_name", "STRING", table)],
        )
        return rows[0][0] if rows else default

    def _query(self, sql: str, params: list) -> list:
        config = bigquery.QueryJobConfig(query_parameters=params)
        return list(self.client.query(sql, job_config=config).result(timeout=JOB_TIMEOUT_SECONDS))

    def _previous_load(self, request: LoadRequest) -> PreviousLoad | None:
        rows = self._query(
            f"""SELECT execution_id, columns, billing_month = @month AS same_month
                FROM {self.sql_table(TRACKING_TABLE)} WHERE source = @source
                ORDER BY billing_month = @month DESC, billing_month < @month DESC, billing_month DESC, loaded_at DESC
                LIMIT 1""",
            [
                bigquery.ScalarQueryParameter("month", "DATE", request.billing_month),
                bigquery.ScalarQueryParameter("source", "STRING", request.source),
            ],
        )
        if not rows:
            return None
        return PreviousLoad(execution_id=rows[0][0], columns=decode_columns(rows[0][1]), same_month=bool(rows[0][2]))

    def _tracked_totals(self, request: LoadRequest):
        rows = self._query(
            f"SELECT row_count, total_cost FROM {self.sql_table(TRACKING_TABLE)} "
            "WHERE source = @source AND billing_month = @month ORDER BY loaded_at DESC LIMIT 1",
            [
                bigquery.ScalarQueryParameter("source", "STRING", request.source),
                bigquery.ScalarQueryParameter("month", "DATE", request.billing_month),
            ],
        )
        return (int(rows[0][0]), rows[0][1]) if rows else (0, None)

    def _month_totals(self, request: LoadRequest, table: str):
        start, end = request.partition_bounds()
        part = q(request.partition_column)
        params = [
            bigquery.ScalarQueryParameter("start", "TIMESTAMP", start.replace(tzinfo=timezone.utc)),
            bigquery.ScalarQueryParameter("end", "TIMESTAMP", end.replace(tzinfo=timezone.utc)),
        ]
        where = f"{part} >= @start AND {part} < @end"
        total_cost = None
        if request.cost_column:
            total_cost = self._query(f"SELECT SUM({q(request.cost_column)}) FROM {self.sql_table(table)} WHERE {where}", params)[0][0]
        preview = ""
        if request.preview_columns:
            rows = self._query(
                f"SELECT {', '.join(q(c) for c in request.preview_columns)} FROM {self.sql_table(table)} WHERE {where} LIMIT 5",
                params,
            )
            preview = markdown_table(list(request.preview_columns), [tuple(r) for r in rows])
        return total_cost, preview

    def _summary(self, request: LoadRequest, table: str) -> tuple[tuple[str, int], ...]:
        if request.summary is None:
            return ()
        start, end = request.partition_bounds()
        rows = self._query(
            request.summary.render("bigquery", self.sql_table(table), "@partition_start", "@partition_end"),
            [
                bigquery.ScalarQueryParameter("partition_start", "TIMESTAMP", start.replace(tzinfo=timezone.utc)),
                bigquery.ScalarQueryParameter("partition_end", "TIMESTAMP", end.replace(tzinfo=timezone.utc)),
            ],
        )
        return tuple((name, int(value)) for name, value in rows[0].items())

    def _record(self, request: LoadRequest, table: str, rows: int, total_cost, typed_by: str) -> None:
        self._query(
            f"""INSERT INTO {self.sql_table(TRACKING_TABLE)}
                (source, billing_month, execution_id, manifest_uri, file_count, row_count, bytes, loaded_at,
                 table_name, columns, total_cost, forced, typed_by_manifest)
                VALUES (@source, @month, @execution_id, @manifest_uri, @file_count, @row_count, @bytes,
                        CURRENT_TIMESTAMP(), @table_name, @columns, @total_cost, @forced, @typed_by_manifest)""",
            [
                bigquery.ScalarQueryParameter("source", "STRING", request.source),
                bigquery.ScalarQueryParameter("month", "DATE", request.billing_month),
                bigquery.ScalarQueryParameter("execution_id", "STRING", request.execution_id),
                bigquery.ScalarQueryParameter("manifest_uri", "STRING", request.manifest_uri),
                bigquery.ScalarQueryParameter("file_count", "INT64", len(request.files)),
                bigquery.ScalarQueryParameter("row_count", "INT64", rows),
                bigquery.ScalarQueryParameter("bytes", "INT64", request.total_bytes),
                bigquery.ScalarQueryParameter("table_name", "STRING", table),
                bigquery.ScalarQueryParameter("columns", "STRING", encode_columns(request.columns)),
                bigquery.ScalarQueryParameter("total_cost", "BIGNUMERIC", total_cost),
                bigquery.ScalarQueryParameter("forced", "BOOL", request.force),
                bigquery.ScalarQueryParameter("typed_by_manifest", "STRING", typed_by),
            ],
        )
