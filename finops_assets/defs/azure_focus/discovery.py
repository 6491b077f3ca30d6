"""Find the month's newest FOCUS export run and describe it as a `LoadRequest`.

Layout (Cost Management writes it; Storage Transfer mirrors it):
    <prefix>/<rootFolderPath>/<exportName>/<YYYYMMDD-YYYYMMDD>/<runId>/manifest.json
    <prefix>/<rootFolderPath>/<exportName>/<YYYYMMDD-YYYYMMDD>/<runId>/part_0_0001.parquet | *.csv.gz | *.csv
A month is re-exported daily (month-to-date) and again early in the next month: the run with the newest
`submittedTime` is the month's current version; its runId is the execution id.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Iterator, Sequence

import dagster as dg
import pyarrow as pa
import pyarrow.parquet as pq

from finops_assets.defs.azure_focus import schema
from finops_assets.defs.azure_focus.manifest import FocusManifest, ManifestError, parse_focus_manifest
from finops_assets.defs.sensors import ExportError, ExportVersion
from finops_assets.landing import Landing, LandingObject, LandingPathError
from finops_assets.landing.csv_header import DataFileError, read_csv_header
from finops_assets.landing.keys import ReferencedKeyError, key_next_to_manifest
from finops_assets.landing.month_folders import find_month_folders
from finops_assets.warehouse.load_request import ColumnType, DataFile, FileFormat, LoadRequest

SOURCE = "azure_focus"
MANIFEST_PATTERN = "**/manifest.json"
_RUN_PATH = re.compile(r"(?:^|/)(\d{4})(\d{2})01-\d{8}/[^/]+/manifest\.json$")
_PERIOD_FOLDER = re.compile(r"^(\d{4})(\d{2})01-\d{8}$")
# FOCUS samples write a literal NULL into empty cells.
NULL_MARKERS = ("", "NULL")


@dataclass(frozen=True)
class RunRef:
    key: str
    billing_month: date
    updated: float


def run_manifest(obj: LandingObject) -> RunRef | None:
    match = _RUN_PATH.search(obj.key)
    if not match:
        return None
    return RunRef(key=obj.key, billing_month=date(int(match[1]), int(match[2]), 1), updated=obj.updated)


def period_folder_month(name: str) -> date | None:
    match = _PERIOD_FOLDER.match(name)
    return date(int(match[1]), int(match[2]), 1) if match and 1 <= int(match[2]) <= 12 else None


def run_recency(manifest: FocusManifest, updated: float) -> tuple[float, str]:
    """Newest submittedTime wins; manifests without runInfo fall back to the object's update time."""
    return (manifest.submitted_time.timestamp() if manifest.submitted_time else updated, manifest.run_id)


def list_export_versions(landing: Landing, partition_keys: Sequence[str], *, prefix: str) -> Iterator[ExportVersion | ExportError]:
    """The sensor's view: each given month's newest run (its runId), from that month's period folders only."""
    months = {date.fromisoformat(key) for key in partition_keys}
    runs: dict[date, list[tuple[FocusManifest, float]]] = {}
    for folder in find_month_folders(landing, prefix, period_folder_month):
        if folder.month not in months:
            continue
        for obj in landing.list(folder.key, f"{folder.key}/*/manifest.json"):
            if (ref := run_manifest(obj)) is None:
                continue
            try:
                runs.setdefault(folder.month, []).append((parse_focus_manifest(landing.read_bytes(ref.key), ref.key), ref.updated))
            except (ManifestError, FileNotFoundError) as exc:
                yield ExportError(ref.key, getattr(exc, "problem", str(exc)), folder.month.isoformat())
    for month, manifests in sorted(runs.items()):
        exports = sorted({m.export_name for m, _ in manifests})
        if len(exports) > 1:
            for manifest, _ in manifests:
                yield ExportError(manifest.key, f"{len(exports)} FOCUS exports ({', '.join(exports)}) deliver {month:%Y-%m}; keep one", month.isoformat())
            continue
        newest = max(manifests, key=lambda pair: run_recency(*pair))[0]
        yield ExportVersion(month.isoformat(), newest.run_id, newest.key)


def discover_runs(landing: Landing, prefix: str) -> list[RunRef]:
    """Run manifests under `prefix` ("" for the landing root, e.g. the Azure container the export writes to)."""
    pattern = f"{prefix}/{MANIFEST_PATTERN}" if prefix else MANIFEST_PATTERN
    return [ref for obj in landing.list(prefix, pattern) if (ref := run_manifest(obj))]


def partition_key_for(month: date, partitions: dg.PartitionsDefinition, manifest_key: str) -> str:
    """The partition a run belongs to; a run for a month the partitions do not cover is an error."""
    key = month.isoformat()
    if not partitions.has_partition_key(key):
        keys = partitions.get_partition_keys()
        raise ManifestError(
            manifest_key,
            f"run for {month:%Y-%m} is outside the partitions ({keys[0][:7]}..{keys[-1][:7]}); "
            "set FINOPS_START_MONTH earlier to load it",
        )
    return key


def read_current_run(landing: Landing, prefix: str, month: date) -> FocusManifest:
    refs = [r for r in discover_runs(landing, prefix) if r.billing_month == month]
    if not refs:
        raise LookupError(f"no Azure FOCUS export run for {month:%Y-%m} under {landing.url}/{prefix}")
    manifests = [(parse_focus_manifest(landing.read_bytes(r.key), r.key), r.updated) for r in refs]
    exports = sorted({m.export_name for m, _ in manifests})
    if len(exports) > 1:
        raise LookupError(
            f"{len(exports)} FOCUS exports ({', '.join(exports)}) deliver {month:%Y-%m} under {prefix}; "
            "point FINOPS_AZURE_FOCUS_PREFIX at one export so costs are not counted twice"
        )
    return max(manifests, key=lambda pair: run_recency(*pair))[0]


def _arrow_type_name(arrow_type: pa.DataType) -> str:
    if pa.types.is_floating(arrow_type):
        return "DOUBLE"
    if pa.types.is_decimal(arrow_type):
        return "DECIMAL"
    if pa.types.is_integer(arrow_type):
        return "BIGINT"
    if pa.types.is_timestamp(arrow_type) or pa.types.is_date(arrow_type):
        return "TIMESTAMP"
    if pa.types.is_boolean(arrow_type):
        return "BOOLEAN"
    if pa.types.is_map(arrow_type) or pa.types.is_struct(arrow_type):
        return "MAP"
    return "VARCHAR"


_ALLOWED_PARQUET = {
    ColumnType.DECIMAL: {"DOUBLE", "DECIMAL", "BIGINT"},
    ColumnType.TIMESTAMP: {"TIMESTAMP", "VARCHAR"},
    ColumnType.JSON: {"VARCHAR", "MAP"},
    ColumnType.STRING: None,
}


def _parquet_columns(landing: Landing, keys: list[str]) -> tuple[list[str], dict[str, str]]:
    names: list[str] = []
    types: dict[str, str] = {}
    for key in keys:
        try:
            with landing.open(key) as handle:
                file_schema = pq.read_schema(handle)
        except (pa.ArrowInvalid, OSError) as exc:
            raise DataFileError(key, f"not a readable Parquet file ({exc})") from exc
        for field in file_schema:
            physical = _arrow_type_name(field.type)
            expected = schema.KNOWN_TYPES.get(field.name)
            allowed = _ALLOWED_PARQUET.get(expected) if expected else None
            if allowed is not None and physical not in allowed:
                raise DataFileError(
                    key, f"column {field.name!r} is Parquet {field.type}, but FOCUS types it {expected.value}"
                )
            if field.name not in types:
                names.append(field.name)
                types[field.name] = physical
    return names, types


def _csv_columns(landing: Landing, keys: list[str], gzip: bool) -> list[str]:
    header = None
    for key in keys:
        file_header = read_csv_header(landing, key, gzip)
        if header is None:
            header = file_header
        elif file_header != header:
            raise DataFileError(key, f"header differs from the run's first file {keys[0]}")
    return header or []


def build_load_request(landing: Landing, manifest: FocusManifest, *, force: bool = False) -> LoadRequest:
    keys = []
    for blob in manifest.blobs:
        try:
            key = key_next_to_manifest(manifest.key, blob.name)
            landing.stat(key)
        except ReferencedKeyError as exc:
            raise ManifestError(manifest.key, f"blob {exc}") from exc
        except (FileNotFoundError, LandingPathError) as exc:
            raise ManifestError(manifest.key, f"blob {blob.name!r}: data file {key} is missing ({exc})") from exc
        keys.append(key)
    if manifest.file_format == "parquet":
        names, physical = _parquet_columns(landing, keys)
        columns = schema.focus_columns(names, physical)
    else:
        columns = schema.focus_columns(_csv_columns(landing, keys, gzip=manifest.compression == "gzip"))
    present = {c.source_name for c in columns}
    missing = [c for c in schema.REQUIRED_COLUMNS if c not in present]
    if missing:
        raise ManifestError(manifest.key, f"the export's files have no {', '.join(missing)} column")
    names = {c.name for c in columns}
    return LoadRequest(
        source=SOURCE,
        billing_month=manifest.billing_month,
        execution_id=manifest.run_id,
        manifest_uri=landing.native_uri(manifest.key),
        files=tuple(DataFile(key=k, uri=landing.native_uri(k), size=landing.stat(k).size) for k in keys),
        file_format=FileFormat.PARQUET if manifest.file_format == "parquet" else FileFormat.CSV,
        compression=manifest.compression,
        null_markers=NULL_MARKERS,
        columns=columns,
        partition_column=schema.PARTITION_COLUMN,
        clustering_columns=tuple(c for c in schema.CLUSTERING_COLUMNS if c in names),
        cost_column=schema.COST_COLUMN,
        preview_columns=tuple(c for c in schema.PREVIEW_COLUMNS if c in names),
        expected_row_count=manifest.expected_row_count,
        force=force,
        details={
            "export_name": manifest.export_name,
            "manifest_version": manifest.manifest_version,
            "submitted_time": manifest.submitted_time.isoformat() if manifest.submitted_time else "",
            "manifest_key": manifest.key,
        },
    )
