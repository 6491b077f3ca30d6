"""What mart maintenance reports, in both warehouses: partitions removed by retention, tables snapshotted
or restored. The `marts` resource (DuckDB locally, BigQuery in prod) returns these; assets and jobs turn
them into metadata."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from finops_assets.warehouse.metadata import markdown_table

# Fact and dimension tables are what a snapshot keeps; staging views and intermediate tables are rebuilt by dbt.
SNAPSHOT_PREFIXES = ("fact_", "dim_")


def snapshot_table(table: str) -> bool:
    return table.startswith(SNAPSHOT_PREFIXES)


@dataclass(frozen=True)
class ExpiredPartitions:
    table: str
    cutoff: date  # the oldest day kept
    built: bool  # False: the table does not exist (yet); nothing was done
    removed: tuple[tuple[date, int], ...] = ()  # (day partition, rows) of every removed day

    @property
    def rows_removed(self) -> int:
        return sum(rows for _, rows in self.removed)

    def summary(self) -> str:
        if not self.built:
            return f"{self.table}: table not built yet"
        if not self.removed:
            return f"{self.table}: nothing before {self.cutoff}"
        days = [day for day, _ in self.removed]
        return (f"{self.table}: removed {self.rows_removed} rows in {len(days)} day partitions "
                f"({min(days)} .. {max(days)}), kept from {self.cutoff}")

    def markdown(self) -> str:
        return markdown_table(["day", "rows removed"], [(day.isoformat(), rows) for day, rows in self.removed])


@dataclass(frozen=True)
class TableSnapshot:
    table: str
    location: str  # a Parquet file locally, a snapshot table id in BigQuery
    rows: int | None  # known locally; BigQuery snapshots are metadata-only
