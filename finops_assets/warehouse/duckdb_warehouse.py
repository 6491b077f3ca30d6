"""The embedded warehouse: native DuckDB loads of the months of a run, on one connection.

A month is replaced with DELETE + INSERT ... SELECT FROM read_csv/read_parquet inside a transaction, so readers
see the old month or the new one, never an empty or doubled month; any error rolls the transaction back. No rows
pass through Python.

A run of several months (a single-run backfill) groups the months that can share one statement (CSV months of the
same columns, types and dialect; see `statement_key`) into one transaction and one INSERT over all their files:
DuckDB then reads every file of the group in parallel and pays the per-statement and per-commit costs once, not
once per month. Every month keeps its own guarantees: each row is checked to lie in its own file's month while it
is inserted, and each month gets its own counts, cost, manifest check, tracking row, preview and summary. A group
that fails is rolled back whole and its months are loaded again one by one, so the error names the file and the
problem exactly as a month's own load does, and the good months still land.
"""

from __future__ import annotations

import contextlib
import dataclasses
import re
import time
from dataclasses import dataclass
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Iterator

import duckdb

from finops_assets.landing.storage import Landing
from finops_assets.warehouse.identifiers import quote_duckdb as q
from finops_assets.warehouse.identifiers import snake_case, sql_string
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
from finops_assets.warehouse.staging import staged_locally
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

DUCKDB_TYPES = {
    ColumnType.STRING: "VARCHAR",
    ColumnType.DECIMAL: "DECIMAL(38,18)",
    ColumnType.TIMESTAMP: "TIMESTAMP",
    ColumnType.JSON: "JSON",
    ColumnType.STRING_MAP: "MAP(VARCHAR, VARCHAR)",
}
# Parquet physical types a column of each type may be read from (costs arrive as DOUBLE in Athena-layout CUR).
_PARQUET_COMPATIBLE = {
    ColumnType.STRING: None,  # anything can be read as text
    ColumnType.DECIMAL: ("DOUBLE", "FLOAT", "DECIMAL", "BIGINT", "INTEGER", "HUGEINT", "SMALLINT", "TINYINT", "VARCHAR"),
    ColumnType.TIMESTAMP: ("TIMESTAMP", "TIMESTAMP WITH TIME ZONE", "TIMESTAMP_MS", "TIMESTAMP_NS", "TIMESTAMP_S", "DATE", "VARCHAR"),
    ColumnType.JSON: ("VARCHAR", "JSON", "MAP", "STRUCT"),
    ColumnType.STRING_MAP: ("MAP(VARCHAR, VARCHAR)",),
}
LOCK_WAIT_SECONDS = 600.0
# A group is one transaction and, when its files are remote, one staging folder. The bounds keep what a failure
# costs (the group is read once more, month by month), the disk a staged group takes and the old rows a transaction
# holds until it commits bounded, while a group stays large enough that the per-statement costs (a tail where one
# thread finishes the last gzip file while the other idles, the start of a multi-file read, a commit) are paid
# rarely: at the benchmark's full scale (~28 MB of CSV.gz a month, 1.09 GB in all) the 39 months are one statement,
# as in the floor they are compared with (12 months / 1 GiB took 4).
GROUP_MAX_BYTES = 2 << 30
GROUP_MAX_MONTHS = 48
# Table types a column declared as text by an older manifest can be read as (see `_create_or_evolve`).
_TYPED_FROM_TEXT = {"DECIMAL(38,18)": ColumnType.DECIMAL, "TIMESTAMP": ColumnType.TIMESTAMP, "JSON": ColumnType.JSON}


def duckdb_type(column: Column) -> str:
    if column.type is ColumnType.RECORD:
        base = "STRUCT(" + ", ".join(f"{q(f.name)} {duckdb_type(f)}" for f in column.fields) + ")"
    else:
        base = DUCKDB_TYPES[column.type]
    return f"{base}[]" if column.repeated else base


def json_read_type(column: Column) -> str:
    """The type to read a JSON value as: decimals as their text. DuckDB's JSON reader parses numbers as doubles,
    so asking it for DECIMAL would round 12.3456789012 to 12.345678901199999488; the double's shortest text is
    the value the exporter wrote (the GCP export stores FLOAT64), and casting that text is exact."""
    if column.type is ColumnType.RECORD:
        base = "STRUCT(" + ", ".join(f"{q(f.name)} {json_read_type(f)}" for f in column.fields) + ")"
    else:
        base = "VARCHAR" if column.type is ColumnType.DECIMAL else DUCKDB_TYPES[column.type]
    return f"{base}[]" if column.repeated else base


def target_columns(request: LoadRequest) -> list[tuple[str, str]]:
    """(name, DuckDB type) of the table's columns for this request, a derived partition column included."""
    columns = [(c.name, duckdb_type(c)) for c in request.columns]
    if request.derives_partition:
        columns.append((request.partition_column, "TIMESTAMP"))
    return columns


def field_path(path: str) -> str:
    """`invoice.month` -> struct_extract("invoice", 'month'): nested access without ambiguous dots."""
    head, *rest = path.split(".")
    expression = q(head)
    for name in rest:
        expression = f"struct_extract({expression}, {sql_string(name)})"
    return expression


def connect(path: str, *, read_only: bool = False, lock_wait_seconds: float = LOCK_WAIT_SECONDS) -> duckdb.DuckDBPyConnection:
    """Open the warehouse file, waiting while another process (a parallel backfill run) holds its lock."""
    if not read_only:
        Path(path).parent.mkdir(parents=True, exist_ok=True)
    deadline = time.monotonic() + lock_wait_seconds
    delay = 0.05
    while True:
        try:
            con = duckdb.connect(path, read_only=read_only)
            break
        except duckdb.IOException as exc:
            if "lock" not in str(exc).lower() or time.monotonic() > deadline:
                raise
            time.sleep(delay)
            delay = min(delay * 2, 1.0)
    con.execute("SET TimeZone='UTC'")
    return con


def statement_key(request: LoadRequest) -> tuple | None:
    """What months must share to be loaded by one INSERT: the same source, CSV dialect, columns (names and types:
    equal requests evolve the table alike) and partition column. None for a month loaded on its own: Parquet and
    JSON (their projections depend on each file), derived partition columns and day partitions (span files)."""
    if (request.file_format is not FileFormat.CSV or request.derives_partition or request.source_table
            or request.grain is not PartitionGrain.MONTH):
        return None
    return (request.source, request.compression, request.null_markers, request.columns, request.partition_column,
            request.cost_column)


def plan_groups(requests: list[LoadRequest], max_bytes: int = GROUP_MAX_BYTES,
                max_months: int = GROUP_MAX_MONTHS) -> list[list[LoadRequest]]:
    """Consecutive months (in load order) that share a statement, within the group bounds; a month that cannot
    share one is a group of its own."""
    groups: list[list[LoadRequest]] = []
    for request in requests:
        key = statement_key(request)
        last = groups[-1] if groups else None
        if (last is not None and key is not None and statement_key(last[0]) == key and len(last) < max_months
                and sum(r.total_bytes for r in last) + request.total_bytes <= max_bytes):
            last.append(request)
        else:
            groups.append([request])
    return groups


def load_connection_settings(path: str, memory_limit: str | None) -> list[str]:
    """The SET statements of a loading connection (the benchmark's tuned floor runs the same ones)."""
    return [
        # A raw table's row order means nothing: without it DuckDB inserts from every thread at once and need not
        # buffer rows to restore the files' order (faster, and less memory).
        "SET preserve_insertion_order = false",
        # Spill next to the warehouse file (DuckDB's own default, said explicitly) rather than fail at the limit.
        f"SET temp_directory = {sql_string(path + '.tmp')}",
        *([f"SET memory_limit = {sql_string(memory_limit)}"] if memory_limit else []),
        # No row-group merging in the load's checkpoint (when the connection closes). Replacing a month deletes its old
        # rows; the checkpoint drops the row groups left empty either way, but by default it also rewrites neighbouring
        # row groups left partly empty (and a load's partly filled last row groups) into fewer ones, reading and
        # recompressing every row left in them: a restated month of the full-scale history (its old rows shared row
        # groups with other months) spent 1-2 s of CPU in that rewrite, against ~3 s for its INSERT. Without it the
        # rows left in partly emptied row groups stay marked deleted (scans skip them). At full scale a restatement
        # left 10,650 of them (0.1%) with or without the merge, 84 row groups instead of 83, and four in a row the same.
        "SET max_vacuum_tasks = 0",
    ]


@dataclass(frozen=True)
class DuckDBWarehouse:
    path: str
    schema: str
    landing: Landing | None = None  # stages remote (s3://, gs://) files next to the warehouse file
    # DuckDB's memory limit for loads (FINOPS_DUCKDB_MEMORY_LIMIT); beyond it DuckDB spills to `<file>.tmp`.
    memory_limit: str | None = None

    def table_ref(self, table: str) -> str:
        return f"{q(self.schema)}.{q(table)}"

    def _connect(self) -> duckdb.DuckDBPyConnection:
        con = connect(self.path)
        for statement in load_connection_settings(self.path, self.memory_limit):
            con.execute(statement)
        return con

    # -- the load ---------------------------------------------------------------------------------------

    def load_batch(self, requests: list[LoadRequest] | tuple[LoadRequest, ...], table: str) -> Iterator[tuple[LoadRequest, LoadResult]]:
        """Load, skip or replace every month of `requests` on one connection, yielding each month's result as it
        lands. A month that fails does not stop the others; the first failure is raised at the end (with the
        number of other months that failed), once every month that could land has landed."""
        errors: list[LoadError] = []
        con = self._connect()
        try:
            self._ensure_tracking(con)
            pending = []
            for request in requests:
                started = time.monotonic()
                if already_loaded(self._previous_load(con, request), request):
                    yield request, self._skipped(con, request, table, started)
                else:
                    pending.append(request)
            for group in plan_groups(pending):
                results = self._load_group(con, group, table) if len(group) > 1 else None
                if results is not None:
                    yield from zip(group, results)
                    continue
                # One month, or a group that failed: month by month, each naming its own problem.
                for request in group:
                    try:
                        yield request, self._load_month(con, request, table)
                    except LoadError as exc:
                        errors.append(exc)
        finally:
            con.close()  # the final checkpoint writes the loaded months into the file
        if errors:
            others = f" (and {len(errors) - 1} more failed months: {'; '.join(str(e) for e in errors[1:])})" if len(errors) > 1 else ""
            raise LoadError(f"{errors[0]}{others}") from errors[0]

    def _skipped(self, con, request: LoadRequest, table: str, started: float) -> LoadResult:
        row_count, total_cost = con.execute(
            f"SELECT row_count, total_cost FROM {self.table_ref(TRACKING_TABLE)} "
            "WHERE source = ? AND billing_month = ? ORDER BY loaded_at DESC LIMIT 1",
            [request.source, request.billing_month],
        ).fetchone()
        skipped = skipped_result(request, row_count, format_decimal(total_cost), started)
        return dataclasses.replace(skipped, summary=self._summary(con, request, table))

    def _load_month(self, con, request: LoadRequest, table: str) -> LoadResult:
        started = time.monotonic()
        with staged_locally(request, self.landing, self._staging_root()) as local_request:
            with transaction(con):
                result = self._replace_month(con, local_request, table)
        return dataclasses.replace(result, seconds=time.monotonic() - started)

    def _load_group(self, con, group: list[LoadRequest], table: str) -> list[LoadResult] | None:
        """The group's months in one transaction and one INSERT; None when it failed (rolled back whole)."""
        started = time.monotonic()
        with contextlib.ExitStack() as stack:
            staged = [stack.enter_context(staged_locally(r, self.landing, self._staging_root())) for r in group]
            try:
                with transaction(con):
                    results = self._replace_months(con, staged, table)
            except (LoadError, duckdb.Error):
                return None
        # One statement loaded them all: each month's share of its wall time is its share of the bytes read.
        seconds = time.monotonic() - started
        total = sum(r.total_bytes for r in group) or 1
        return [dataclasses.replace(r, seconds=seconds * req.total_bytes / total, months_in_statement=len(group))
                for r, req in zip(results, group)]

    def _staging_root(self) -> Path:
        return Path(self.path).parent / ".staging"

    def _replace_months(self, con, group: list[LoadRequest], table: str) -> list[LoadResult]:
        """DELETE the group's months, one INSERT of all their files checked row by row against each file's month,
        then each month's counts, checks and tracking row, as `_replace_month` does for one."""
        target = self.table_ref(table)
        first, retyped, typed_here = self._create_or_evolve(con, group[0], table)
        typed_by = first.manifest_uri if typed_here else self._typed_by(con, table, first.manifest_uri)
        group = [dataclasses.replace(r, columns=first.columns) for r in group]
        part = q(first.partition_column)
        for request in group:
            con.execute(f"DELETE FROM {target} WHERE {part} >= ? AND {part} < ?", list(request.partition_bounds()))
        names = ", ".join(q(name) for name, _ in target_columns(first))
        inserted = con.execute(f"INSERT INTO {target} ({names}) {self._group_select_sql(group)}").fetchone()[0]

        cost = f"sum({q(first.cost_column)})" if first.cost_column else "NULL"
        ranges = " OR ".join(f"({part} >= ? AND {part} < ?)" for _ in group)
        per_month = {
            row[0].date(): row[1:] for row in con.execute(
                f"SELECT date_trunc('month', {part}) AS month, count(*), {cost} FROM {target} WHERE {ranges} GROUP BY month",
                [bound for request in group for bound in request.partition_bounds()],
            ).fetchall()
        }
        if inserted != sum(count for count, _ in per_month.values()):
            # Every row was checked to lie in its file's month, so this is not expected: the month-by-month loads
            # that follow the rollback say which month holds what.
            raise LoadError(f"{table}: {inserted} rows inserted, {per_month} counted in the group's months")
        results = []
        for request in group:
            month_rows, total_cost = per_month.get(request.billing_month, (0, None))
            self._check_expected_rows(request, month_rows)
            results.append(self._record_load(con, request, table, month_rows, total_cost, retyped, typed_by))
        return results

    @staticmethod
    def _check_expected_rows(request: LoadRequest, inserted: int) -> None:
        if request.expected_row_count is not None and inserted != request.expected_row_count:
            raise LoadError(
                f"{request.manifest_uri}: loaded {inserted} rows but the manifest declares {request.expected_row_count}"
            )

    def _replace_month(self, con, request: LoadRequest, table: str) -> LoadResult:
        target = self.table_ref(table)
        request, retyped, typed_here = self._create_or_evolve(con, request, table)
        typed_by = request.manifest_uri if typed_here else self._typed_by(con, table, request.manifest_uri)
        month_start, month_end = request.partition_bounds()
        part = q(request.partition_column)
        con.execute(f"DELETE FROM {target} WHERE {part} >= ? AND {part} < ?", [month_start, month_end])
        if request.source_table:
            raise LoadError(
                f"{request.manifest_uri}: copying from the table {request.source_table} needs the BigQuery warehouse "
                "(FINOPS_ENV=prod); locally the export is read from files"
            )
        select_sql = self._select_sql(con, request)
        names = ", ".join(q(name) for name, _ in target_columns(request))
        try:
            inserted = con.execute(f"INSERT INTO {target} ({names}) {select_sql}").fetchone()[0]
        except duckdb.Error as exc:
            raise LoadError(self._explain_failure(request, exc)) from exc

        cost = f"sum({q(request.cost_column)})" if request.cost_column else "NULL"
        in_month, total_cost = con.execute(
            f"SELECT count(*), {cost} FROM {target} WHERE {part} >= ? AND {part} < ?", [month_start, month_end]
        ).fetchone()
        if in_month != inserted:
            raise LoadError(self._rows_outside_month(con, request, select_sql, month_start, month_end))
        self._check_expected_rows(request, inserted)
        return self._record_load(con, request, table, inserted, total_cost, retyped, typed_by)

    def _record_load(self, con, request: LoadRequest, table: str, inserted: int, total_cost, retyped: tuple[str, ...],
                     typed_by: str) -> LoadResult:
        """The month's tracking row (inside its transaction) and its result, its seconds left to the caller. The
        previous load is read here, after the months loaded before it in the same transaction were recorded, as if
        each had been loaded alone."""
        previous = self._previous_load(con, request)
        column_names = tuple(c.name for c in request.columns)
        added, removed = column_diff(previous, column_names)
        con.execute(
            f"INSERT INTO {self.table_ref(TRACKING_TABLE)} (source, billing_month, execution_id, manifest_uri, "
            "file_count, row_count, bytes, loaded_at, table_name, columns, total_cost, forced, typed_by_manifest) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                request.source, request.billing_month, request.execution_id, request.manifest_uri,
                len(request.files), inserted, request.total_bytes, datetime.now(timezone.utc).replace(tzinfo=None),
                table, encode_columns(request.columns), total_cost, request.force, typed_by,
            ],
        )
        return LoadResult(
            source=request.source,
            billing_month=request.billing_month,
            execution_id=request.execution_id,
            skipped=False,
            row_count=inserted,
            file_count=len(request.files),
            bytes=request.total_bytes,
            total_cost=format_decimal(total_cost),
            columns_added=added,
            columns_removed=removed,
            columns_retyped=retyped,
            typed_by_manifest=typed_by,
            previous_execution_id=previous.execution_id if previous and previous.same_month else None,
            preview_markdown=self._preview(con, request, table),
            summary=self._summary(con, request, table),
        )

    # -- SQL pieces -------------------------------------------------------------------------------------

    def _ensure_tracking(self, con) -> None:
        con.execute(f"CREATE SCHEMA IF NOT EXISTS {q(self.schema)}")
        con.execute(
            f"""CREATE TABLE IF NOT EXISTS {self.table_ref(TRACKING_TABLE)} (
                source VARCHAR NOT NULL, billing_month DATE NOT NULL, execution_id VARCHAR NOT NULL,
                manifest_uri VARCHAR, file_count INTEGER, row_count BIGINT, bytes BIGINT, loaded_at TIMESTAMP,
                table_name VARCHAR, columns VARCHAR, total_cost DECIMAL(38,18), forced BOOLEAN)"""
        )
        # Added later: warehouses created before it gain the column on their next load.
        con.execute(f"ALTER TABLE {self.table_ref(TRACKING_TABLE)} ADD COLUMN IF NOT EXISTS typed_by_manifest VARCHAR")

    def _typed_by(self, con, table: str, default: str) -> str:
        """The manifest whose types the table's columns carry: the latest load that created or widened it."""
        row = con.execute(
            f"SELECT typed_by_manifest FROM {self.table_ref(TRACKING_TABLE)} WHERE table_name = ? "
            "AND typed_by_manifest IS NOT NULL ORDER BY loaded_at DESC LIMIT 1",
            [table],
        ).fetchone()
        return row[0] if row else default

    def _previous_load(self, con, request: LoadRequest) -> PreviousLoad | None:
        """The month's own latest load, else the latest load of the nearest earlier (or any) month."""
        row = con.execute(
            f"""SELECT execution_id, columns, billing_month = ? AS same_month
                FROM {self.table_ref(TRACKING_TABLE)} WHERE source = ?
                ORDER BY billing_month = ? DESC, billing_month < ? DESC, billing_month DESC, loaded_at DESC
                LIMIT 1""",
            [request.billing_month, request.source, request.billing_month, request.billing_month],
        ).fetchone()
        if row is None:
            return None
        return PreviousLoad(execution_id=row[0], columns=decode_columns(row[1]), same_month=bool(row[2]))

    def _create_or_evolve(self, con, request: LoadRequest, table: str) -> tuple[LoadRequest, tuple[str, ...], bool]:
        """Create or widen the table for `request`. Returns the request to load (columns an older manifest left
        untyped take the table's type), the names of those columns, and whether this load typed the table."""
        target = self.table_ref(table)
        existing = dict(
            con.execute(
                "SELECT column_name, data_type FROM information_schema.columns "
                "WHERE table_schema = ? AND table_name = ? ORDER BY ordinal_position",
                [self.schema, table],
            ).fetchall()
        )
        wanted = target_columns(request)
        if not existing:
            con.execute(f"CREATE TABLE {target} ({', '.join(f'{q(n)} {t}' for n, t in wanted)})")
            return request, (), True
        origins = {c.name: c.origin for c in request.columns}
        declared = {c.name: c.type for c in request.columns}
        widened = False
        adopted: dict[str, ColumnType] = {}
        for name, type_sql in wanted:
            have = existing.get(name)
            if have is None:
                con.execute(f"ALTER TABLE {target} ADD COLUMN {q(name)} {type_sql}")
                widened = True
                continue
            # Let DuckDB spell the wanted type, so nested types compare as the catalog prints them.
            spelled = con.execute(f"SELECT typeof(CAST(NULL AS {type_sql}))").fetchone()[0]
            if have == spelled:
                continue
            if declared.get(name) is ColumnType.STRING and have in _TYPED_FROM_TEXT:
                # An older manifest left the column as text where a newer one (which typed the table) knows better:
                # read this month with the table's type; a value that does not fit fails naming file and column.
                adopted[name] = _TYPED_FROM_TEXT[have]
                continue
            raise LoadError(
                f"{request.manifest_uri}: column {name!r} ({origins.get(name, 'derived')}) is {spelled} in this "
                f"export but {have} in {self.schema}.{table}; a retyped column needs a migration"
            )
        if adopted:
            columns = tuple(dataclasses.replace(c, type=adopted[c.name]) if c.name in adopted else c for c in request.columns)
            request = dataclasses.replace(request, columns=columns)
        return request, tuple(adopted), widened

    def _select_sql(self, con, request: LoadRequest) -> str:
        """A SELECT whose output columns are the table's columns (by name), read natively from the files."""
        paths = "[" + ", ".join(sql_string(f.uri) for f in request.files) + "]"
        derived = []
        if request.partition_from_yyyymm:
            derived = [f"strptime({field_path(request.partition_from_yyyymm)}, '%Y%m')::TIMESTAMP AS {q(request.partition_column)}"]
        elif request.partition_from_folder:
            start, _ = request.partition_bounds()
            derived = [f"TIMESTAMP {sql_string(start.isoformat(sep=' '))} AS {q(request.partition_column)}"]
        if request.file_format is FileFormat.CSV:
            projection = [f"c{i} AS {q(c.name)}" for i, c in enumerate(request.columns)]
            return f"SELECT {', '.join(projection + derived)} FROM {self._read_csv(request, [f.uri for f in request.files])}"
        if request.file_format is FileFormat.NDJSON:
            # JSON is read by key: the keys are the schema's own field names (constants of the source's schema module).
            spec = ", ".join(f"{sql_string(c.source_name)}: {sql_string(json_read_type(c))}" for c in request.columns)
            projection = [f"CAST({q(c.source_name)} AS {duckdb_type(c)}) AS {q(c.name)}" for c in request.columns]
            compression = sql_string(request.compression or "none")
            return (
                f"SELECT {', '.join(projection + derived)} FROM read_json({paths}, format = 'newline_delimited', "
                f"columns = {{{spec}}}, compression = {compression}, maximum_object_size = 67108864)"
            )
        return self._parquet_select(con, request, paths, derived)

    def _group_select_sql(self, group: list[LoadRequest]) -> str:
        """One read_csv of every file of the group. Each row is checked against its own file's month as it is
        inserted: read_csv's `file_index` (the file's position in the list it was given) joins the row to the
        month of the request its file belongs to, and a row outside that month (or of an unknown file) fails the
        statement with `error()`, after which the group is loaded month by month and the offending month's load
        names it. An integer key rather than `filename`: no path string per row to carry and hash."""
        first = group[0]
        files = [(f.uri, *r.partition_bounds()) for r in group for f in r.files]
        month_of_file = ", ".join(
            f"({index}, TIMESTAMP {sql_string(start.isoformat(sep=' '))}, TIMESTAMP {sql_string(end.isoformat(sep=' '))})"
            for index, (_, start, end) in enumerate(files)
        )
        part_index = next(i for i, c in enumerate(first.columns) if c.name == first.partition_column)
        projection = [
            f"CASE WHEN src.c{i} >= files.month_start AND src.c{i} < files.month_end THEN src.c{i} "
            f"ELSE error('a row lies outside its file''s billing month') END AS {q(c.name)}" if i == part_index else
            f"src.c{i} AS {q(c.name)}"
            for i, c in enumerate(first.columns)
        ]
        return (
            f"SELECT {', '.join(projection)} FROM {self._read_csv(first, [uri for uri, _, _ in files])} AS src "
            f"LEFT JOIN (VALUES {month_of_file}) AS files(file_index, month_start, month_end) "
            "ON src.file_index = files.file_index"
        )

    @staticmethod
    def _read_csv(request: LoadRequest, uris: list[str]) -> str:
        # Positional placeholder names keep untrusted headers out of the SQL; headers were checked upstream.
        paths = "[" + ", ".join(sql_string(uri) for uri in uris) + "]"
        spec = ", ".join(f"'c{i}': '{DUCKDB_TYPES[c.type]}'" for i, c in enumerate(request.columns))
        compression = sql_string(request.compression or "none")
        nulls = "[" + ", ".join(sql_string(m) for m in request.null_markers) + "]"
        return (
            f"read_csv({paths}, header = true, auto_detect = false, columns = {{{spec}}}, delim = ',', quote = '\"', "
            f"escape = '\"', compression = {compression}, nullstr = {nulls}, strict_mode = true, null_padding = false, "
            "max_line_size = 10000000)"
        )

    def _parquet_select(self, con, request: LoadRequest, paths: str, derived: list[str]) -> str:
        file_columns: dict[str, dict[str, str]] = {}
        for file in request.files:
            try:
                described = con.execute(f"DESCRIBE SELECT * FROM read_parquet({sql_string(file.uri)})").fetchall()
            except duckdb.Error as exc:
                raise LoadError(f"{file.key}: not a readable Parquet file ({first_line(exc)})") from exc
            file_columns[file.key] = {snake_case(name): (name, dtype) for name, dtype, *_ in described}
        projection = []
        for column in request.columns:
            sources = {key: cols[column.name] for key, cols in file_columns.items() if column.name in cols}
            if not sources:
                projection.append(f"CAST(NULL AS {duckdb_type(column)}) AS {q(column.name)}")
                continue
            allowed = _PARQUET_COMPATIBLE[column.type]
            for key, (_, dtype) in sources.items():
                if allowed is not None and not dtype.upper().startswith(allowed):
                    raise LoadError(
                        f"{key}: column {column.name!r} is Parquet {dtype}, which cannot hold {column.type.value} "
                        f"({column.origin})"
                    )
            file_name = next(iter(sources.values()))[0]
            projection.append(f"{parquet_cast(q(file_name), column.type, {d for _, d in sources.values()})} AS {q(column.name)}")
        return f"SELECT {', '.join(projection + derived)} FROM read_parquet({paths}, union_by_name = true)"

    def _explain_failure(self, request: LoadRequest, exc: duckdb.Error) -> str:
        """Name the file that broke a multi-file read: re-read the files one at a time (error path only)."""
        con = duckdb.connect()
        try:
            for file in request.files:
                single = LoadRequest(**{**request.__dict__, "files": (file,)})
                try:
                    # Materialize every column (count(*) would let DuckDB skip the casts that fail).
                    con.execute(f"CREATE OR REPLACE TEMP TABLE probe AS {self._select_sql(con, single)}")
                except duckdb.Error as file_exc:
                    return f"{file.key}: {describe_read_error(file_exc, request)}"
        finally:
            con.close()
        return f"{request.manifest_uri}: load failed: {describe_read_error(exc, request)}"

    def _rows_outside_month(self, con, request, select_sql, month_start, month_end) -> str:
        column = q(request.partition_column)
        sample = con.execute(
            f"SELECT count(*), min({column}), max({column}) FROM ({select_sql}) AS src "
            f"WHERE {column} IS NULL OR {column} < ? OR {column} >= ?",
            [month_start, month_end],
        ).fetchone()
        source = request.partition_from_yyyymm or request.partition_column
        return (
            f"{request.manifest_uri}: {sample[0]} rows have {source} outside "
            f"{request.partition_label} (from {sample[1]} to {sample[2]}); the month was not replaced"
        )

    def _summary(self, con, request: LoadRequest, table: str) -> tuple[tuple[str, int], ...]:
        if request.summary is None:
            return ()
        start, end = request.partition_bounds()
        cursor = con.execute(
            request.summary.render("duckdb", self.table_ref(table), "$partition_start", "$partition_end"),
            {"partition_start": start, "partition_end": end},
        )
        row = cursor.fetchone()
        return tuple((d[0], int(v)) for d, v in zip(cursor.description, row))

    def _preview(self, con, request: LoadRequest, table: str) -> str:
        if not request.preview_columns:
            return ""
        month_start, month_end = request.partition_bounds()
        part = q(request.partition_column)
        rows = con.execute(
            f"SELECT {', '.join(q(c) for c in request.preview_columns)} FROM {self.table_ref(table)} "
            f"WHERE {part} >= ? AND {part} < ? LIMIT 5",
            [month_start, month_end],
        ).fetchall()
        return markdown_table(list(request.preview_columns), rows)


@contextlib.contextmanager
def transaction(con: duckdb.DuckDBPyConnection) -> Iterator[None]:
    """Commit on success, roll back on any error: readers see all of it or none of it."""
    con.execute("BEGIN TRANSACTION")
    try:
        yield
    except BaseException:
        con.execute("ROLLBACK")
        raise
    con.execute("COMMIT")


def parquet_cast(column_sql: str, column_type: ColumnType, physical_types: set[str]) -> str:
    target = DUCKDB_TYPES[column_type]
    if column_type is ColumnType.DECIMAL and any(t.upper() in ("DOUBLE", "FLOAT") for t in physical_types):
        # The shortest round-trip text of a double is the value the exporter meant (0.1, not 0.1000000000000000055).
        return f"CAST(CAST({column_sql} AS VARCHAR) AS {target})"
    return f"CAST({column_sql} AS {target})"


_PLACEHOLDER = re.compile(r'column "c(\d+)"')


def describe_read_error(exc: duckdb.Error, request: LoadRequest) -> str:
    """DuckDB's CSV error without its generic advice, with our positional placeholder (`c7`) replaced by the
    column's real name and header, e.g. `CSV Error on Line: 4 / Expected Number of Columns: 13 Found: 11`."""
    lines = []
    for line in str(exc).strip().splitlines():
        if not line.strip() or line.startswith(("Possible", "*", "Try setting")):
            break
        lines.append(line.strip()[:300])

    def real_name(match: re.Match) -> str:
        index = int(match[1])
        if index < len(request.columns):
            column = request.columns[index]
            return f'column {column.name} ("{column.source_name}")'
        return match[0]

    return _PLACEHOLDER.sub(real_name, " / ".join(lines) or type(exc).__name__)


def first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__
