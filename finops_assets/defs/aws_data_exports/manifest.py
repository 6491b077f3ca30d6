"""The AWS Data Exports manifest (`<export-name>-Manifest.json`), parsed once at the edge.

AWS documents its content as: every column of the export (name and type), the list of the export's data files
with their paths (read this list to know which files to ingest), the period the export covers, and
`additionalOutputFiles` (Athena / Redshift integration files, not data). Each refresh ("execution") rewrites
the month's manifest: `executionId` names the execution, `dataFiles` its files (full `s3://bucket/key`
URIs), `exportArn` / `exportName` the export. Every problem is a `ManifestError` naming the file and field.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import date, datetime, timezone

_PERIOD_TEXT = re.compile(r"^(\d{4})-(\d{2})$")


class ManifestError(ValueError):
    def __init__(self, manifest_key: str, problem: str):
        super().__init__(f"{manifest_key}: {problem}")
        self.manifest_key = manifest_key
        self.problem = problem


@dataclass(frozen=True)
class ExportColumn:
    name: str
    type: str  # as written: string, double, timestamp, map<string,string>, ...


@dataclass(frozen=True)
class DataExportManifest:
    key: str  # landing key of the manifest file
    folder_month: date  # from the `BILLING_PERIOD=YYYY-MM` folder it sits in
    execution_id: str
    export_name: str
    export_arn: str
    billing_month: date
    columns: tuple[ExportColumn, ...]
    data_files: tuple[str, ...]  # as written (s3:// URIs or keys)


def parse_period_instant(value: object, manifest_key: str, field: str) -> datetime:
    """`2025-09-01T00:00:00.000Z`, `2025-09-01T00:00:00Z` or CUR's compact `20250901T000000.000Z` -> UTC."""
    if not isinstance(value, str) or not value.strip():
        raise ManifestError(manifest_key, f"{field} must be a timestamp string, got {value!r}")
    text = value.strip()
    for fmt in ("%Y%m%dT%H%M%S.%fZ", "%Y%m%dT%H%M%SZ"):
        try:
            return datetime.strptime(text, fmt).replace(tzinfo=timezone.utc)
        except ValueError:
            pass
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError as exc:
        raise ManifestError(manifest_key, f"{field} {value!r} is not a timestamp like 2025-09-01T00:00:00.000Z") from exc
    return parsed.replace(tzinfo=timezone.utc) if parsed.tzinfo is None else parsed.astimezone(timezone.utc)


def parse_billing_period(value: object, manifest_key: str) -> date | None:
    """The month a manifest's `billingPeriod` names: `{"start": ..., "end": ...}` or `"YYYY-MM"`; None if absent."""
    if value is None:
        return None
    if isinstance(value, str):
        match = _PERIOD_TEXT.match(value.strip())
        if not match:
            raise ManifestError(manifest_key, f"billingPeriod {value!r} is not a month like 2025-09")
        return date(int(match[1]), int(match[2]), 1)
    if isinstance(value, dict):
        start = parse_period_instant(value.get("start"), manifest_key, "billingPeriod.start")
        if "end" in value and parse_period_instant(value["end"], manifest_key, "billingPeriod.end") <= start:
            raise ManifestError(manifest_key, f"billingPeriod.end {value['end']!r} is not after billingPeriod.start")
        return start.date().replace(day=1)
    raise ManifestError(manifest_key, f"billingPeriod must be an object or a YYYY-MM string, got {value!r}")


def _string(document: dict, field: str, manifest_key: str, *, required: bool) -> str:
    value = document.get(field)
    if value is None and not required:
        return ""
    if not isinstance(value, str) or not value.strip():
        problem = f"missing required field '{field}'" if value is None else f"field '{field}' must be a non-empty string, got {value!r}"
        raise ManifestError(manifest_key, problem)
    return value.strip()


def parse_data_export_manifest(raw: bytes, manifest_key: str, folder_month: date, folder_export: str) -> DataExportManifest:
    """Parse a manifest found at `.../<folder_export>/metadata/BILLING_PERIOD=<folder_month>/...`."""
    try:
        document = json.loads(raw.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ManifestError(manifest_key, f"malformed JSON ({exc})") from exc
    if not isinstance(document, dict):
        raise ManifestError(manifest_key, "top level must be a JSON object")

    execution_id = _string(document, "executionId", manifest_key, required=True)
    export_name = _string(document, "exportName", manifest_key, required=False) or folder_export
    if export_name != folder_export:
        raise ManifestError(manifest_key, f"exportName {export_name!r} does not match its folder {folder_export!r}")

    month = parse_billing_period(document.get("billingPeriod"), manifest_key) or folder_month
    if month != folder_month:
        raise ManifestError(
            manifest_key, f"billingPeriod is {month:%Y-%m} but the manifest sits in BILLING_PERIOD={folder_month:%Y-%m}"
        )

    raw_columns = document.get("columns")
    if not isinstance(raw_columns, list) or not raw_columns:
        raise ManifestError(manifest_key, "missing required field 'columns'" if raw_columns is None else "'columns' must be a non-empty list")
    columns = []
    for index, entry in enumerate(raw_columns):
        if not isinstance(entry, dict):
            raise ManifestError(manifest_key, f"columns[{index}] must be an object")
        name, type_ = entry.get("name"), entry.get("type")
        if not isinstance(name, str) or not name:
            raise ManifestError(manifest_key, f"columns[{index}].name missing or not a string")
        if not isinstance(type_, str) or not type_:
            raise ManifestError(manifest_key, f"columns[{index}].type missing or not a string")
        columns.append(ExportColumn(name=name, type=type_))

    data_files = document.get("dataFiles")
    if not isinstance(data_files, list) or not data_files:
        problem = "missing required field 'dataFiles'" if data_files is None else "'dataFiles' is empty: the export has no data files"
        raise ManifestError(manifest_key, problem)
    for index, item in enumerate(data_files):
        if not isinstance(item, str) or not item:
            raise ManifestError(manifest_key, f"dataFiles[{index}] must be a non-empty string")

    return DataExportManifest(
        key=manifest_key,
        folder_month=folder_month,
        execution_id=execution_id,
        export_name=export_name,
        export_arn=_string(document, "exportArn", manifest_key, required=False),
        billing_month=month,
        columns=tuple(columns),
        data_files=tuple(data_files),
    )
