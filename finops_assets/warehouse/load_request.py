"""What a raw asset hands to the warehouse IO manager: the description of one native load.

Assets decide *what* to load (files, format, schema, month, execution id); IO managers decide *how*.
Both warehouses read the same request, so a source is written once.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Mapping


def month_bounds(month: date) -> tuple[datetime, datetime]:
    """[start, end) of a billing month as naive UTC datetimes."""
    return datetime(month.year, month.month, 1), datetime(month.year + (month.month == 12), month.month % 12 + 1, 1)


class ColumnType(str, enum.Enum):
    """Warehouse-neutral column types; each IO manager maps them to native types."""

    STRING = "STRING"
    DECIMAL = "DECIMAL"  # exact money: BIGNUMERIC / DECIMAL(38,18)
    TIMESTAMP = "TIMESTAMP"
    JSON = "JSON"  # tag objects (FOCUS `Tags`), kept as JSON
    RECORD = "RECORD"  # a nested record (STRUCT); its `fields` say what it holds
    STRING_MAP = "STRING_MAP"  # string -> string map (CUR 2.0 `resource_tags`): DuckDB MAP, BigQuery REPEATED RECORD<key, value>


class PartitionGrain(str, enum.Enum):
    """How much of the table one load replaces: a billing month (exports) or a day (span files)."""

    MONTH = "MONTH"
    DAY = "DAY"


class FileFormat(str, enum.Enum):
    CSV = "CSV"
    PARQUET = "PARQUET"
    NDJSON = "NDJSON"  # newline-delimited JSON, nested records kept


@dataclass(frozen=True)
class Column:
    name: str  # normalised warehouse column name
    type: ColumnType
    source_name: str  # the header / field name in the source files
    origin: str = ""  # what the source called it and typed it as (e.g. `lineItem/UsageAmount BigDecimal`)
    fields: tuple["Column", ...] = ()  # for RECORD columns
    repeated: bool = False  # a list of values (BigQuery REPEATED, DuckDB `T[]`)


@dataclass(frozen=True)
class DataFile:
    key: str  # path relative to the landing root
    uri: str  # what the warehouse reads: an absolute local path or gs://bucket/object
    size: int


@dataclass(frozen=True)
class PartitionSummary:
    """A query each warehouse runs over the partition it just loaded (or found already loaded), whose one row of
    integer counts joins the materialization metadata under the column names (OTel: spans loaded and quarantined, by
    reason). SQL per warehouse ("duckdb", "bigquery") with tokens for the quoted table and the partition bounds, which
    each warehouse replaces with its own quoting and TIMESTAMP parameters."""

    TABLE = "__TABLE__"
    START = "__PARTITION_START__"
    END = "__PARTITION_END__"

    sql: Mapping[str, str]

    def render(self, warehouse: str, table_sql: str, start_param: str, end_param: str) -> str:
        return self.sql[warehouse].replace(self.TABLE, table_sql).replace(self.START, start_param).replace(self.END, end_param)


@dataclass(frozen=True)
class LoadRequest:
    source: str  # e.g. "aws_cur"; the `_load_tracking.source` value
    billing_month: date  # the first day of the partition replaced (a month, or the day itself for DAY grain)
    execution_id: str
    manifest_uri: str
    files: tuple[DataFile, ...]
    file_format: FileFormat
    columns: tuple[Column, ...]
    partition_column: str  # a TIMESTAMP column whose month is the billing month
    clustering_columns: tuple[str, ...] = ()
    compression: str | None = None  # "gzip" or None; Parquet carries its own
    null_markers: tuple[str, ...] = ("",)  # CSV cells that mean NULL (FOCUS samples write a literal NULL)
    cost_column: str | None = None  # summed exactly into the materialization metadata
    preview_columns: tuple[str, ...] = ()
    expected_row_count: int | None = None
    force: bool = False
    details: Mapping[str, str] = field(default_factory=dict)  # source-specific metadata (report name, account)
    # When set, `partition_column` is not in the files: it is derived as the first instant of the month named
    # `YYYYMM` by this dotted field path (the GCP export's `invoice.month`).
    partition_from_yyyymm: str | None = None
    # When set, the month is copied from this warehouse table instead of files (GCP export in BigQuery).
    source_table: str | None = None
    grain: PartitionGrain = PartitionGrain.MONTH
    # When true, `partition_column` is not in the files: every row gets the partition's first instant (span files
    # are partitioned by the day folder they landed in, which is what makes a day folder replaceable as a whole).
    partition_from_folder: bool = False
    summary: PartitionSummary | None = None

    @property
    def derives_partition(self) -> bool:
        return bool(self.partition_from_yyyymm) or self.partition_from_folder

    @property
    def partition_label(self) -> str:
        return f"{self.billing_month:%Y-%m-%d}" if self.grain is PartitionGrain.DAY else f"{self.billing_month:%Y-%m}"

    def partition_bounds(self) -> tuple[datetime, datetime]:
        """[start, end) of the partition replaced, as naive UTC datetimes."""
        if self.grain is PartitionGrain.DAY:
            start = datetime(self.billing_month.year, self.billing_month.month, self.billing_month.day)
            return start, start + timedelta(days=1)
        return month_bounds(self.billing_month)

    @property
    def partition_key(self) -> str:
        """The Dagster partition key of the month (or day) replaced."""
        return self.billing_month.isoformat()

    @property
    def total_bytes(self) -> int:
        return sum(f.size for f in self.files)

    def column(self, name: str) -> Column:
        for column in self.columns:
            if column.name == name:
                return column
        raise KeyError(name)


@dataclass(frozen=True)
class LoadBatch:
    """What a raw asset returns: one LoadRequest per partition of the run, in load order. A run of one partition
    holds one; a single-run backfill of a partition range holds every month (or day) of the range, each loaded
    and replaced on its own (its own transaction or partition write, its own `_load_tracking` row)."""

    requests: tuple[LoadRequest, ...]

    @property
    def partition_keys(self) -> list[str]:
        return [r.partition_key for r in self.requests]


@dataclass(frozen=True)
class LoadResult:
    """What a load did; becomes the materialization metadata."""

    source: str
    billing_month: date
    execution_id: str
    skipped: bool
    row_count: int
    file_count: int
    bytes: int
    total_cost: str | None  # exact decimal as text
    columns_added: tuple[str, ...] = ()
    columns_removed: tuple[str, ...] = ()
    # Columns an older manifest declared as text, loaded with the type a newer manifest gave the table.
    columns_retyped: tuple[str, ...] = ()
    typed_by_manifest: str | None = None  # the manifest whose types the table's columns carry
    previous_execution_id: str | None = None
    seconds: float = 0.0  # of a month loaded with others in one statement: its share (by bytes) of the statement's
    months_in_statement: int = 1  # how many months one INSERT loaded together with this one (DuckDB groups)
    preview_markdown: str = ""
    summary: tuple[tuple[str, int], ...] = ()  # the request's PartitionSummary over the partition, in column order


class LoadError(RuntimeError):
    """A load that could not be done; the month's previous data is untouched. Names the file."""
