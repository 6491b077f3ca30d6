"""The Azure Cost Management export `manifest.json`, parsed once at the edge.

Current manifests carry `runInfo` (runId, submittedTime, startDate, endDate), `deliveryConfig` (file format and
compression) and `blobs[]` with per-blob row counts. Older ones (manifestVersion 2021-01-01) have
`dataFormat` and no `runInfo`: the run is then the folder the manifest sits in and the month its period folder.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import date, datetime, timezone

_FRACTION = re.compile(r"(\.\d{6})\d+")
_PERIOD_FOLDER = re.compile(r"^(\d{4})(\d{2})(\d{2})-(\d{8})$")
FILE_FORMATS = {"parquet": "parquet", "csv": "csv"}
COMPRESSIONS = {"snappy": None, "gzip": "gzip", "none": None, "": None}


class ManifestError(ValueError):
    def __init__(self, manifest_key: str, problem: str):
        super().__init__(f"{manifest_key}: {problem}")
        self.manifest_key = manifest_key
        self.problem = problem


@dataclass(frozen=True)
class FocusBlob:
    name: str
    byte_count: int | None
    row_count: int | None


@dataclass(frozen=True)
class FocusManifest:
    key: str
    manifest_version: str
    export_name: str
    run_id: str
    submitted_time: datetime | None
    start_date: datetime
    file_format: str  # parquet | csv
    compression: str | None  # gzip or None
    blobs: tuple[FocusBlob, ...]

    @property
    def billing_month(self) -> date:
        return self.start_date.date().replace(day=1)

    @property
    def expected_row_count(self) -> int | None:
        counts = [b.row_count for b in self.blobs]
        return None if any(c is None for c in counts) else sum(counts)  # type: ignore[arg-type]


def parse_instant(value: object, manifest_key: str, field: str) -> datetime:
    """Azure writes `2025-09-03T06:12:45.1234567Z` (7 fractional digits), and start dates with no zone: UTC."""
    if not isinstance(value, str) or not value.strip():
        raise ManifestError(manifest_key, f"{field} must be a timestamp string, got {value!r}")
    text = _FRACTION.sub(r"\1", value.strip()).replace("Z", "+00:00")
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError as exc:
        raise ManifestError(manifest_key, f"{field} {value!r} is not an ISO 8601 timestamp") from exc
    return parsed.replace(tzinfo=timezone.utc) if parsed.tzinfo is None else parsed.astimezone(timezone.utc)


def _object(document: dict, field: str, manifest_key: str) -> dict:
    value = document.get(field)
    if not isinstance(value, dict):
        raise ManifestError(manifest_key, f"missing required field '{field}'" if value is None else f"'{field}' must be an object")
    return value


def _count(value: object, manifest_key: str, field: str) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ManifestError(manifest_key, f"{field} must be a non-negative integer, got {value!r}")
    return value


def _folder_period(manifest_key: str) -> date:
    parts = manifest_key.split("/")
    match = _PERIOD_FOLDER.match(parts[-3]) if len(parts) >= 3 else None
    if not match:
        raise ManifestError(manifest_key, "not inside a <YYYYMMDD-YYYYMMDD>/<run>/ folder")
    return date(int(match[1]), int(match[2]), 1)


def parse_focus_manifest(raw: bytes, manifest_key: str) -> FocusManifest:
    try:
        document = json.loads(raw.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ManifestError(manifest_key, f"malformed JSON ({exc})") from exc
    if not isinstance(document, dict):
        raise ManifestError(manifest_key, "top level must be a JSON object")
    version = str(document.get("manifestVersion", ""))

    blobs_raw = document.get("blobs")
    if not isinstance(blobs_raw, list) or not blobs_raw:
        raise ManifestError(manifest_key, "missing required field 'blobs'" if blobs_raw is None else "'blobs' must be a non-empty list")
    blobs = []
    for index, blob in enumerate(blobs_raw):
        if not isinstance(blob, dict) or not isinstance(blob.get("blobName"), str) or not blob["blobName"]:
            raise ManifestError(manifest_key, f"blobs[{index}].blobName missing or not a string")
        blobs.append(FocusBlob(
            name=blob["blobName"],
            byte_count=_count(blob.get("byteCount"), manifest_key, f"blobs[{index}].byteCount"),
            row_count=_count(blob.get("dataRowCount"), manifest_key, f"blobs[{index}].dataRowCount"),
        ))

    run_info = document.get("runInfo")
    folder_month = _folder_period(manifest_key)
    if run_info is None:  # 2021-01-01 manifests: the run is the folder
        run_id = manifest_key.split("/")[-2]
        submitted = None
        start = datetime(folder_month.year, folder_month.month, 1, tzinfo=timezone.utc)
        file_format = str(document.get("dataFormat", "csv")).lower()
        compression_mode = "gzip" if any(b.name.endswith(".gz") for b in blobs) else "none"
        export_name = str(document.get("exportName", ""))
    else:
        if not isinstance(run_info, dict):
            raise ManifestError(manifest_key, "'runInfo' must be an object")
        run_id = run_info.get("runId")
        if not isinstance(run_id, str) or not run_id:
            raise ManifestError(manifest_key, "missing required field 'runInfo.runId'")
        submitted = parse_instant(run_info.get("submittedTime"), manifest_key, "runInfo.submittedTime")
        start = parse_instant(run_info.get("startDate"), manifest_key, "runInfo.startDate")
        delivery = _object(document, "deliveryConfig", manifest_key)
        file_format = str(delivery.get("fileFormat", "")).lower()
        compression_mode = str(delivery.get("compressionMode", "none")).lower()
        export_name = str(_object(document, "exportConfig", manifest_key).get("exportName", ""))
    if file_format not in FILE_FORMATS:
        raise ManifestError(manifest_key, f"file format {file_format!r} is not Parquet or Csv")
    if compression_mode not in COMPRESSIONS:
        raise ManifestError(manifest_key, f"compressionMode {compression_mode!r} is not one of Snappy, Gzip, None")
    manifest = FocusManifest(
        key=manifest_key, manifest_version=version, export_name=export_name, run_id=run_id, submitted_time=submitted,
        start_date=start, file_format=FILE_FORMATS[file_format],
        compression=None if file_format == "parquet" else COMPRESSIONS[compression_mode], blobs=tuple(blobs),
    )
    if manifest.billing_month != folder_month:
        raise ManifestError(
            manifest_key,
            f"runInfo.startDate {start:%Y-%m-%d} is in {manifest.billing_month:%Y-%m}, not in its folder's month {folder_month:%Y-%m}",
        )
    return manifest
