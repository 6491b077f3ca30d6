"""Writes small, exactly controlled CUR v1 exports into a landing folder for tests.

The demo generator makes realistic volume; this makes the precise (and deliberately broken) shapes
that tests need: a chosen header, chosen cells, a chosen manifest.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

BASE_COLUMNS = [
    ("identity", "LineItemId", "String"),
    ("identity", "TimeInterval", "Interval"),
    ("bill", "BillingPeriodStartDate", "DateTime"),
    ("bill", "PayerAccountId", "String"),
    ("lineItem", "LineItemType", "String"),
    ("lineItem", "UsageStartDate", "DateTime"),
    ("lineItem", "ProductCode", "String"),
    ("lineItem", "UsageType", "String"),
    ("lineItem", "UsageAmount", "BigDecimal"),
    ("lineItem", "UnblendedCost", "BigDecimal"),
    ("lineItem", "LineItemDescription", "String"),
    ("product", "fromRegionCode", "String"),
    ("resourceTags", "user:Cost Center", "OptionalString"),
]


def next_month(month: date) -> date:
    return date(month.year + (month.month == 12), month.month % 12 + 1, 1)


def period_folder(month: date) -> str:
    return f"{month:%Y%m%d}-{next_month(month):%Y%m%d}"


def sample_rows(month: date, count: int, salt: str = "") -> list[list[str]]:
    """Rows for BASE_COLUMNS with the awkward cells real CUR text has."""
    rows = []
    costs = ["0.0000000186", "1.012E-5", "12.3456789012", "", "-0.5000000001", "3"]
    for i in range(count):
        hour = i % 24
        start = f"{month:%Y-%m}-{1 + i % 28:02d}T{hour:02d}:00:00.000Z"
        rows.append([
            f"li-{salt}{i}",
            f"{month:%Y-%m}-01T00:00:00Z/{month:%Y-%m}-01T01:00:00Z",
            f"{month:%Y-%m}-01T00:00:00.000Z",
            "123456789012",
            ["Usage", "Tax", "Credit", "DiscountedUsage", "SavingsPlanCoveredUsage", "RIFee"][i % 6],
            start,
            "AmazonEC2",
            "BoxUsage:m5.large",
            "1.5",
            costs[i % len(costs)],
            'said "hi", then\nleft' if i % 7 == 0 else "plain",
            "us-east-1",
            "CC-100" if i % 3 else "",
        ])
    return rows


def exact_total(rows: list[list[str]], column: int) -> Decimal:
    return sum((Decimal(r[column]) for r in rows if r[column] != ""), Decimal(0))


def csv_bytes(header: list[str], rows: list[list[str]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return gzip.compress(buffer.getvalue().encode())


@dataclass
class CurExport:
    root: Path
    month: date
    assembly_id: str
    columns: list[tuple[str, str, str]] = field(default_factory=lambda: list(BASE_COLUMNS))
    rows: list[list[str]] = field(default_factory=list)
    parts: int = 2
    prefix: str = "aws_cur"
    report: str = "test-report"
    s3_prefix: str = "cur"
    parquet: bool = False

    @property
    def folder(self) -> Path:
        return self.root / self.prefix / self.s3_prefix / self.report / period_folder(self.month)

    @property
    def manifest_path(self) -> Path:
        return self.folder / f"{self.report}-Manifest.json"

    def report_key(self, part: int) -> str:
        extension = "snappy.parquet" if self.parquet else "csv.gz"
        return f"{self.s3_prefix}/{self.report}/{period_folder(self.month)}/{self.assembly_id}/{self.report}-{part}.{extension}"

    def manifest(self) -> dict:
        return {
            "assemblyId": self.assembly_id,
            "account": "123456789012",
            "columns": [{"category": c, "name": n, "type": t} for c, n, t in self.columns],
            "charset": "UTF-8",
            "compression": "Parquet" if self.parquet else "GZIP",
            "contentType": "Parquet" if self.parquet else "text/csv",
            "reportName": self.report,
            "billingPeriod": {
                "start": f"{self.month:%Y%m%d}T000000.000Z",
                "end": f"{next_month(self.month):%Y%m%d}T000000.000Z",
            },
            "bucket": "test-bucket",
            "reportKeys": [self.report_key(p) for p in range(1, self.parts + 1)],
        }

    def write(self, manifest: dict | None = None, raw_manifest: bytes | None = None) -> "CurExport":
        header = [f"{c}/{n}" for c, n, _ in self.columns]
        for part in range(1, self.parts + 1):
            path = self.folder / self.assembly_id / self.report_key(part).rsplit("/", 1)[1]
            path.parent.mkdir(parents=True, exist_ok=True)
            chunk = self.rows[part - 1 :: self.parts]
            if self.parquet:
                write_parquet(path, self.columns, chunk)
            else:
                path.write_bytes(csv_bytes(header, chunk))
        body = raw_manifest if raw_manifest is not None else json.dumps(manifest or self.manifest()).encode()
        (self.folder / self.assembly_id / self.manifest_path.name).write_bytes(body)
        self.manifest_path.write_bytes(body)
        return self

    def data_path(self, part: int) -> Path:
        return self.folder / self.assembly_id / self.report_key(part).rsplit("/", 1)[1]


def write_parquet(path: Path, columns: list[tuple[str, str, str]], rows: list[list[str]]) -> None:
    """Athena-layout Parquet CUR: snake_case names, costs as double, timestamps as UTC milliseconds."""
    from datetime import datetime

    from finops_assets.warehouse.identifiers import snake_case

    arrays, fields = [], []
    for index, (category, name, kind) in enumerate(columns):
        values = [r[index] for r in rows]
        if kind in ("BigDecimal", "OptionalBigDecimal"):
            arrays.append(pa.array([float(v) if v else None for v in values], pa.float64()))
        elif kind == "DateTime":
            parsed = [datetime.strptime(v, "%Y-%m-%dT%H:%M:%S.%fZ") if v else None for v in values]
            arrays.append(pa.array(parsed, pa.timestamp("ms", tz="UTC")))
        else:
            arrays.append(pa.array([v or None for v in values], pa.string()))
        fields.append(snake_case(f"{category}/{name}"))
    pq.write_table(pa.Table.from_arrays(arrays, names=fields), path, compression="snappy")
