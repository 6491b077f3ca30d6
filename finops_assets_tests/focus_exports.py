"""Writes small, exactly controlled Azure FOCUS export runs (manifest.json + Parquet/CSV blobs) for tests."""

from __future__ import annotations

import csv
import gzip
import io
import json
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from decimal import Decimal
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from finops_assets_tests.cur_exports import next_month

COLUMNS = [
    "BilledCost", "EffectiveCost", "ListCost", "BillingPeriodStart", "BillingPeriodEnd", "ChargePeriodStart",
    "ChargePeriodEnd", "ChargeCategory", "ServiceName", "RegionId", "ResourceId", "SubAccountId",
    "BillingCurrency", "Tags", "x_ResourceGroupName", "x_SomethingNew",
]
DECIMALS = {"BilledCost", "EffectiveCost", "ListCost"}
TIMESTAMPS = {"BillingPeriodStart", "BillingPeriodEnd", "ChargePeriodStart", "ChargePeriodEnd"}


def focus_rows(month: date, count: int, salt: str = "") -> list[dict]:
    costs = ["0.00000000186", "12.34567890123", "NULL", "-0.5", "3", "0.1"]
    rows = []
    for i in range(count):
        rows.append({
            "BilledCost": costs[i % len(costs)],
            "EffectiveCost": "1.00000000001",
            "ListCost": "2",
            "BillingPeriodStart": f"{month:%Y-%m}-01 00:00:00",
            "BillingPeriodEnd": f"{next_month(month):%Y-%m}-01 00:00:00",
            "ChargePeriodStart": f"{month:%Y-%m}-{1 + i % 28:02d}T{i % 24:02d}:00:00Z",
            "ChargePeriodEnd": f"{month:%Y-%m}-{1 + i % 28:02d}T{i % 24:02d}:59:59Z",
            "ChargeCategory": ["Usage", "Purchase", "Tax", "Credit"][i % 4],
            "ServiceName": "Virtual Machines",
            "RegionId": "westeurope",
            "ResourceId": f"/subscriptions/s/resourceGroups/rg/providers/vm-{salt}{i}",
            "SubAccountId": "sub-1",
            "BillingCurrency": "EUR",
            "Tags": json.dumps({"environment": "production", " team": "checkout"}) if i % 2 else "{}",
            "x_ResourceGroupName": "rg",
            "x_SomethingNew": f"n{i}",
        })
    return rows


def exact_total(rows: list[dict], column: str = "BilledCost") -> Decimal:
    return sum((Decimal(r[column]) for r in rows if r[column] not in ("", "NULL")), Decimal(0))


@dataclass
class FocusExport:
    root: Path
    month: date
    run_id: str
    submitted: str = "2025-09-03T06:12:45.1234567Z"
    rows: list[dict] = field(default_factory=list)
    file_format: str = "Parquet"  # Parquet | Csv
    compression: str = "Snappy"  # Snappy | Gzip | None
    parts: int = 2
    prefix: str = "azure_focus"
    root_folder: str = "exports/focus"
    export_name: str = "focus-daily"
    columns: list[str] = field(default_factory=lambda: list(COLUMNS))
    bom: bool = False
    crlf: bool = False

    @property
    def period(self) -> str:
        return f"{self.month:%Y%m%d}-{next_month(self.month):%Y%m%d}"

    @property
    def folder(self) -> Path:
        return self.root / self.prefix / self.root_folder / self.export_name / self.period / self.run_id

    @property
    def manifest_path(self) -> Path:
        return self.folder / "manifest.json"

    def file_name(self, part: int) -> str:
        extension = {"Parquet": "snappy.parquet"}.get(self.file_format) or ("csv.gz" if self.compression == "Gzip" else "csv")
        return f"part_0_{part:04d}.{extension}"

    def part_rows(self, part: int) -> list[dict]:
        return self.rows[part - 1 :: self.parts]

    def manifest(self) -> dict:
        blobs = [
            {
                "blobName": f"{self.root_folder}/{self.export_name}/{self.period}/{self.run_id}/{self.file_name(p)}",
                "byteCount": (self.folder / self.file_name(p)).stat().st_size if (self.folder / self.file_name(p)).exists() else 0,
                "dataRowCount": len(self.part_rows(p)),
            }
            for p in range(1, self.parts + 1)
        ]
        return {
            "manifestVersion": "2024-04-01",
            "byteCount": sum(b["byteCount"] for b in blobs),
            "blobCount": len(blobs),
            "dataRowCount": len(self.rows),
            "exportConfig": {
                "exportName": self.export_name, "resourceId": "/subscriptions/s/providers/Microsoft.CostManagement/exports/x",
                "dataVersion": "1.0", "apiVersion": "2023-07-01-preview", "type": "FocusCost",
                "timeFrame": "MonthToDate", "granularity": "Daily",
            },
            "deliveryConfig": {
                "partitionData": True, "dataOverwriteBehavior": "CreateNewReport", "fileFormat": self.file_format,
                "compressionMode": self.compression, "containerUri": "/subscriptions/s/storageAccounts/a",
                "rootFolderPath": self.root_folder,
            },
            "runInfo": {
                "executionType": "Scheduled", "submittedTime": self.submitted, "runId": self.run_id,
                "startDate": f"{self.month:%Y-%m-%d}T00:00:00", "endDate": f"{self.month:%Y-%m}-28T00:00:00Z",
            },
            "blobs": blobs,
        }

    def write(self, manifest: dict | None = None, raw_manifest: bytes | None = None) -> "FocusExport":
        self.folder.mkdir(parents=True, exist_ok=True)
        for part in range(1, self.parts + 1):
            path = self.folder / self.file_name(part)
            rows = self.part_rows(part)
            if self.file_format == "Parquet":
                write_focus_parquet(path, self.columns, rows)
            else:
                buffer = io.StringIO()
                writer = csv.writer(buffer, lineterminator="\r\n" if self.crlf else "\n")
                writer.writerow(self.columns)
                writer.writerows([[r[c] for c in self.columns] for r in rows])
                data = (("\ufeff" if self.bom else "") + buffer.getvalue()).encode()
                path.write_bytes(gzip.compress(data) if self.compression == "Gzip" else data)
        body = raw_manifest if raw_manifest is not None else json.dumps(manifest or self.manifest()).encode()
        self.manifest_path.write_bytes(body)
        return self


def write_focus_parquet(path: Path, columns: list[str], rows: list[dict]) -> None:
    arrays = []
    for column in columns:
        values = [r[column] for r in rows]
        if column in DECIMALS:
            arrays.append(pa.array([None if v in ("", "NULL") else float(v) for v in values], pa.float64()))
        elif column in TIMESTAMPS:
            parsed = [datetime.fromisoformat(v.replace("Z", "+00:00")).replace(tzinfo=timezone.utc) for v in values]
            arrays.append(pa.array(parsed, pa.timestamp("us", tz="UTC")))
        else:
            arrays.append(pa.array(values, pa.string()))
    pq.write_table(pa.Table.from_arrays(arrays, names=columns), path, compression="snappy")
