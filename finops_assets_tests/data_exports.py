"""Writes small, exactly controlled AWS Data Exports (CUR 2.0) into a landing folder for tests.

Real Parquet files (pyarrow) with the export's physical types: costs as double, timestamps, and
`resource_tags` / `product` as MAP<string, string>; the manifest in the documented place with the
documented fields. Tests choose the cells and break the shapes they need.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from finops_assets_tests.cur_exports import next_month

EXPORT_NAME = "cur2-daily"
S3_PREFIX = "exports"
BUCKET = "finops-demo-data-exports"
MAP = pa.map_(pa.string(), pa.string())
# (column, manifest type, Parquet type)
COLUMNS = [
    ("identity_line_item_id", "string", pa.string()),
    ("bill_billing_period_start_date", "timestamp", pa.timestamp("ms")),
    ("bill_billing_period_end_date", "timestamp", pa.timestamp("ms")),
    ("bill_payer_account_id", "string", pa.string()),
    ("line_item_usage_account_id", "string", pa.string()),
    ("line_item_line_item_type", "string", pa.string()),
    ("line_item_usage_start_date", "timestamp", pa.timestamp("ms")),
    ("line_item_product_code", "string", pa.string()),
    ("line_item_usage_type", "string", pa.string()),
    ("line_item_usage_amount", "double", pa.float64()),
    ("line_item_unblended_cost", "double", pa.float64()),
    ("line_item_currency_code", "string", pa.string()),
    ("product", "map<string,string>", MAP),
    ("resource_tags", "map<string,string>", MAP),
]
COSTS = ["0.0000000186", "1.012E-5", "12.3456789012", "-0.5000000001", "3", "0.1"]


def sample_rows(month: date, count: int, salt: str = "", payer: str = "210987654321") -> list[dict]:
    start = datetime(month.year, month.month, 1)
    end_month = next_month(month)
    rows = []
    for i in range(count):
        rows.append({
            "identity_line_item_id": f"li-{salt}{i}",
            "bill_billing_period_start_date": start,
            "bill_billing_period_end_date": datetime(end_month.year, end_month.month, 1),
            "bill_payer_account_id": payer,
            "line_item_usage_account_id": "111122223333",
            "line_item_line_item_type": ["Usage", "Tax", "Credit", "DiscountedUsage"][i % 4],
            "line_item_usage_start_date": datetime(month.year, month.month, 1 + i % 28, i % 24),
            "line_item_product_code": "AmazonEC2",
            "line_item_usage_type": "BoxUsage:m5.large",
            "line_item_usage_amount": float(i + 1) / 4,
            "line_item_unblended_cost": float(COSTS[i % len(COSTS)]),
            "line_item_currency_code": "USD",
            "product": [("product_name", "Amazon Elastic Compute Cloud"), ("region", "eu-west-1")],
            "resource_tags": [] if i % 5 == 4 else [("user_team", ["platform", "checkout"][i % 2]), ("user_environment", "prod")],
        })
    return rows


def exact_total(rows: list[dict]) -> Decimal:
    """What the month must sum to: each double cell's shortest decimal text, summed exactly."""
    return sum((Decimal(repr(r["line_item_unblended_cost"])) for r in rows if r["line_item_unblended_cost"] is not None), Decimal(0))


@dataclass
class DataExport:
    landing: Path
    month: date
    execution_id: str
    rows: list[dict]
    parts: int = 2
    export_name: str = EXPORT_NAME
    columns: list = field(default_factory=lambda: list(COLUMNS))
    create_new: bool = False  # "create new file" versioning: the execution's files in their own subfolder
    manifest_overrides: dict = field(default_factory=dict)

    @property
    def root(self) -> Path:
        return self.landing / "aws_data_exports" / S3_PREFIX / self.export_name

    @property
    def manifest_path(self) -> Path:
        return self.root / "metadata" / f"BILLING_PERIOD={self.month:%Y-%m}" / f"{self.export_name}-Manifest.json"

    def data_folder(self) -> Path:
        folder = self.root / "data" / f"BILLING_PERIOD={self.month:%Y-%m}"
        return folder / self.execution_id if self.create_new else folder

    def write(self) -> "DataExport":
        folder = self.data_folder()
        folder.mkdir(parents=True, exist_ok=True)
        schema = pa.schema([(name, kind) for name, _, kind in self.columns])
        data_files = []
        bounds = [len(self.rows) * p // self.parts for p in range(self.parts + 1)]
        for part in range(self.parts):
            name = f"{self.export_name}-{part + 1:05d}.snappy.parquet"
            chunk = self.rows[bounds[part]:bounds[part + 1]]
            table = pa.Table.from_pylist([{c: r.get(c) for c, _, _ in self.columns} for r in chunk], schema=schema)
            pq.write_table(table, folder / name)
            data_files.append(f"s3://{BUCKET}/{(folder / name).relative_to(self.landing / 'aws_data_exports').as_posix()}")
        self.write_manifest(data_files)
        return self

    def manifest(self, data_files: list[str]) -> dict:
        return {
            "bucket": BUCKET,
            "columns": [{"name": name, "type": type_} for name, type_, _ in self.columns],
            "dataFiles": data_files,
            "executionId": self.execution_id,
            "exportArn": f"arn:aws:bcm-data-exports:us-east-1:210987654321:export/{self.export_name}-4c1b2f0e",
            "exportName": self.export_name,
            "billingPeriod": {"start": f"{self.month:%Y-%m}-01T00:00:00.000Z", "end": f"{next_month(self.month):%Y-%m}-01T00:00:00.000Z"},
            "queryStatement": "SELECT " + ", ".join(name for name, _, _ in self.columns) + " FROM COST_AND_USAGE_REPORT",
            **self.manifest_overrides,
        }

    def write_manifest(self, data_files: list[str]) -> None:
        self.manifest_path.parent.mkdir(parents=True, exist_ok=True)
        self.manifest_path.write_text(json.dumps(self.manifest(data_files), indent=2))
