"""Describe one invoice month of the GCP billing export as a `LoadRequest`.

Production: the export is a BigQuery table (FINOPS_GCP_BILLING_TABLE); the month is copied from it by a query
job, and its version is the newest `export_time` (resolved by the warehouse).
Locally the export is stood in by newline-delimited JSON files with the real nested shape, one folder per
invoice month:
    <prefix>/invoice_month=YYYYMM/*.json | *.jsonl | *.json.gz | *.jsonl.gz
There is no manifest: the month's version is a fingerprint of its files' names, sizes and update times.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Iterator, Sequence

from finops_assets.defs.gcp_billing import schema
from finops_assets.defs.sensors import ExportError, ExportVersion
from finops_assets.landing import Landing, LandingObject, files_fingerprint
from finops_assets.landing.month_folders import find_month_folders
from finops_assets.warehouse.load_request import DataFile, FileFormat, LoadRequest

SOURCE = "gcp_billing"
_MONTH_FOLDER = re.compile(r"(?:^|/)invoice_month=(\d{4})(\d{2})/[^/]+\.(?:json|jsonl)(?:\.gz)?$")
_FOLDER_NAME = re.compile(r"^invoice_month=(\d{4})(\d{2})$")


@dataclass(frozen=True)
class ExportFile:
    obj: LandingObject
    invoice_month: date


def export_file(obj: LandingObject) -> ExportFile | None:
    match = _MONTH_FOLDER.search(obj.key)
    if not match or not 1 <= int(match[2]) <= 12:
        return None
    return ExportFile(obj, date(int(match[1]), int(match[2]), 1))


def discover_files(landing: Landing, prefix: str) -> list[ExportFile]:
    return [f for obj in landing.list(prefix, f"{prefix}/**") if (f := export_file(obj))]


def invoice_folder_month(name: str) -> date | None:
    match = _FOLDER_NAME.match(name)
    return date(int(match[1]), int(match[2]), 1) if match and 1 <= int(match[2]) <= 12 else None


def list_export_versions(landing: Landing, partition_keys: Sequence[str], *, prefix: str) -> Iterator[ExportVersion | ExportError]:
    """The sensor's view: each given month's file fingerprint (the folder is the object), from its folder only."""
    months = {date.fromisoformat(key) for key in partition_keys}
    for folder in find_month_folders(landing, prefix, invoice_folder_month, max_depth=1):
        if folder.month not in months:
            continue
        objects = [f.obj for obj in landing.list(folder.key, f"{folder.key}/*") if (f := export_file(obj))]
        if not objects:
            continue
        if len({o.key.endswith(".gz") for o in objects}) > 1:
            yield ExportError(folder.key, "mixes gzipped and plain JSON files; keep one kind", folder.month.isoformat())
            continue
        yield ExportVersion(folder.month.isoformat(), files_fingerprint(objects), folder.key)


def _common(month: date) -> dict:
    return dict(
        source=SOURCE,
        billing_month=month,
        columns=schema.EXPORT_COLUMNS,
        partition_column=schema.PARTITION_COLUMN,
        partition_from_yyyymm=schema.INVOICE_MONTH_FIELD,
        clustering_columns=schema.CLUSTERING_COLUMNS,
        cost_column=schema.COST_COLUMN,
        preview_columns=schema.PREVIEW_COLUMNS,
    )


def files_request(landing: Landing, prefix: str, month: date, *, force: bool = False) -> LoadRequest:
    objects = [f.obj for f in discover_files(landing, prefix) if f.invoice_month == month]
    if not objects:
        raise LookupError(f"no GCP billing export files for invoice month {month:%Y%m} under {landing.url}/{prefix}")
    compressed = {o.key.endswith(".gz") for o in objects}
    if len(compressed) > 1:
        raise LookupError(f"{prefix}/invoice_month={month:%Y%m} mixes gzipped and plain JSON files; keep one kind")
    folder = objects[0].key.rsplit("/", 1)[0]
    return LoadRequest(
        **_common(month),
        execution_id=files_fingerprint(objects),
        manifest_uri=landing.native_uri(folder),
        files=tuple(DataFile(key=o.key, uri=landing.native_uri(o.key), size=o.size) for o in objects),
        file_format=FileFormat.NDJSON,
        compression="gzip" if compressed == {True} else None,
        force=force,
        details={"invoice_month": f"{month:%Y%m}"},
    )


def table_request(table: str, month: date, *, force: bool = False) -> LoadRequest:
    """The execution id is left empty: the warehouse resolves it from the table's newest export_time."""
    return LoadRequest(
        **_common(month),
        execution_id="",
        manifest_uri=table,
        files=(),
        file_format=FileFormat.NDJSON,
        source_table=table,
        force=force,
        details={"invoice_month": f"{month:%Y%m}", "export_table": table},
    )
