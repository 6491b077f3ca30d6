"""Find the current Data Exports (CUR 2.0) manifest of a month and turn it into a `LoadRequest`.

Layout (AWS documents it as `s3://<bucket>/<prefix>/<export-name>/{data,metadata}/<partition>/`, the partition
of CUR 2.0 being `BILLING_PERIOD=YYYY-MM`; Storage Transfer mirrors it under FINOPS_AWS_DATA_EXPORTS_PREFIX):
    <prefix>/[<s3 prefix>/]<export>/metadata/BILLING_PERIOD=YYYY-MM/<export>-Manifest.json
    <prefix>/[<s3 prefix>/]<export>/data/BILLING_PERIOD=YYYY-MM/<export>-00001.snappy.parquet        (overwrite)
    <prefix>/[<s3 prefix>/]<export>/data/BILLING_PERIOD=YYYY-MM/<execution folder>/<export>-00001...  (create new)
The month's manifest is rewritten by every refresh and names the current execution (`executionId`) and its
files (`dataFiles`). With "create new file" versioning older executions' files stay in the data folder, so
only the files the manifest lists are loaded, never a listing of the folder (that would count costs twice).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Iterable, Iterator, Sequence

from finops_assets.defs.aws_data_exports import schema
from finops_assets.defs.aws_data_exports.manifest import DataExportManifest, ManifestError, parse_data_export_manifest
from finops_assets.defs.sensors import ExportError, ExportVersion
from finops_assets.landing import Landing, LandingObject, LandingPathError, confine_key
from finops_assets.landing.month_folders import find_month_folders
from finops_assets.warehouse.load_request import DataFile, FileFormat, LoadRequest

SOURCE = "aws_data_exports"
MANIFEST_PATTERN = "**/metadata/BILLING_PERIOD=*/*-Manifest.json"
_MANIFEST_PATH = re.compile(r"^(?:.*/)?(?P<export>[^/]+)/metadata/BILLING_PERIOD=(?P<year>\d{4})-(?P<month>\d{2})/(?P=export)-Manifest\.json$")
_S3_URI = re.compile(r"^s3://[^/]+/")
_PERIOD_FOLDER = re.compile(r"^BILLING_PERIOD=(\d{4})-(\d{2})$")


@dataclass(frozen=True)
class ManifestRef:
    """A month's manifest found by listing, before it is read."""

    key: str
    export_name: str
    billing_month: date
    updated: float

    @property
    def export_root(self) -> str:
        """The landing folder holding the export's `data/` and `metadata/` folders."""
        return self.key.split("/metadata/BILLING_PERIOD=", 1)[0]


def manifest_ref(obj: LandingObject) -> ManifestRef | None:
    """A `ManifestRef` when `obj` is a month's manifest (`<export>/metadata/BILLING_PERIOD=YYYY-MM/<export>-Manifest.json`)."""
    match = _MANIFEST_PATH.match(obj.key)
    if not match or not 1 <= int(match["month"]) <= 12:
        return None
    return ManifestRef(
        key=obj.key, export_name=match["export"], billing_month=date(int(match["year"]), int(match["month"]), 1),
        updated=obj.updated,
    )


def discover_manifests(landing: Landing, prefix: str) -> list[ManifestRef]:
    return [ref for obj in landing.list(prefix, f"{prefix}/{MANIFEST_PATTERN}") if (ref := manifest_ref(obj))]


def read_manifest(landing: Landing, ref: ManifestRef) -> DataExportManifest:
    return parse_data_export_manifest(landing.read_bytes(ref.key), ref.key, ref.billing_month, ref.export_name)


def export_versions(manifests: Iterable[DataExportManifest]) -> list[ExportVersion]:
    """Every export version (billing month, execution id, manifest key), oldest month first; pure. AWS keeps one
    manifest per month and export, rewritten by each execution, so a month's version is its manifest's execution;
    the sensor keys its run requests on (month, execution id)."""
    return sorted(
        (ExportVersion(m.billing_month.isoformat(), m.execution_id, m.key) for m in manifests),
        key=lambda v: (v.partition_key, v.object_key),
    )


def billing_period_folder_month(name: str) -> date | None:
    match = _PERIOD_FOLDER.match(name)
    return date(int(match[1]), int(match[2]), 1) if match and 1 <= int(match[2]) <= 12 else None


def list_export_versions(landing: Landing, partition_keys: Sequence[str], *, prefix: str) -> Iterator[ExportVersion | ExportError]:
    """The sensor's view: the execution of each given month's manifest, from that month's metadata folder only."""
    months = {date.fromisoformat(key) for key in partition_keys}
    for folder in find_month_folders(landing, prefix, billing_period_folder_month):
        if folder.month not in months or "/metadata/" not in f"/{folder.key}":
            continue  # data/BILLING_PERIOD=... folders hold Parquet, the manifests are under metadata/
        for obj in landing.list(folder.key, f"{folder.key}/*-Manifest.json"):
            if (ref := manifest_ref(obj)) is None:
                continue
            try:
                manifest = read_manifest(landing, ref)
            except (ManifestError, FileNotFoundError) as exc:
                yield ExportError(ref.key, getattr(exc, "problem", str(exc)), folder.month.isoformat())
                continue
            yield ExportVersion(folder.month.isoformat(), manifest.execution_id, ref.key)


def read_current_manifest(landing: Landing, prefix: str, month: date) -> DataExportManifest:
    """The month's manifest. Exactly one export per month is expected under the prefix."""
    candidates = sorted((r for r in discover_manifests(landing, prefix) if r.billing_month == month), key=lambda r: r.key)
    if not candidates:
        raise LookupError(f"no Data Exports manifest for {month:%Y-%m} under {landing.url}/{prefix}")
    if len(candidates) > 1:
        keys = ", ".join(r.key for r in candidates)
        raise LookupError(
            f"{len(candidates)} Data Exports deliver {month:%Y-%m} under {prefix} ({keys}); "
            "point FINOPS_AWS_DATA_EXPORTS_PREFIX at one export so costs are not counted twice"
        )
    return read_manifest(landing, candidates[0])


def data_file_to_landing_key(manifest: DataExportManifest, data_file: str) -> str:
    """Map a `dataFiles` entry (`s3://bucket/<s3 prefix>/<export>/data/BILLING_PERIOD=YYYY-MM/...`) to the same
    file under the export's folder in the landing area. A file of another month or another export is an error."""
    key = _S3_URI.sub("", data_file)
    try:
        key = confine_key(key)
    except LandingPathError as exc:
        raise ManifestError(manifest.key, f"dataFiles entry {data_file!r} rejected: {exc}") from exc
    anchor = f"{manifest.export_name}/data/"
    at = key.find(anchor)
    if at == -1 or (at > 0 and key[at - 1] != "/"):
        raise ManifestError(manifest.key, f"dataFiles entry {data_file!r} is not under {anchor!r}")
    relative = key[at + len(anchor):]
    partition = f"BILLING_PERIOD={manifest.billing_month:%Y-%m}/"
    if not relative.startswith(partition):
        raise ManifestError(
            manifest.key, f"dataFiles entry {data_file!r} is not a file of {manifest.billing_month:%Y-%m} (expected {partition!r})"
        )
    root = manifest.key.split("/metadata/BILLING_PERIOD=", 1)[0]
    return f"{root}/data/{relative}"


def build_load_request(landing: Landing, manifest: DataExportManifest, *, force: bool = False) -> LoadRequest:
    columns = schema.warehouse_columns(manifest.columns, manifest.key)
    files = []
    for data_file in manifest.data_files:
        key = data_file_to_landing_key(manifest, data_file)
        if not key.endswith(".parquet"):
            raise ManifestError(manifest.key, f"dataFiles entry {data_file!r} is not a Parquet file (only Parquet exports are loaded)")
        try:
            obj = landing.stat(key)
        except (FileNotFoundError, LandingPathError) as exc:
            raise ManifestError(manifest.key, f"dataFiles entry {data_file!r}: data file {key} is missing ({exc})") from exc
        files.append(DataFile(key=key, uri=landing.native_uri(key), size=obj.size))
    names = {c.name for c in columns}
    return LoadRequest(
        source=SOURCE,
        billing_month=manifest.billing_month,
        execution_id=manifest.execution_id,
        manifest_uri=landing.native_uri(manifest.key),
        files=tuple(files),
        file_format=FileFormat.PARQUET,
        columns=columns,
        partition_column=schema.PARTITION_COLUMN,
        clustering_columns=tuple(c for c in schema.CLUSTERING_COLUMNS if c in names),
        cost_column=schema.COST_COLUMN,
        preview_columns=tuple(c for c in schema.PREVIEW_COLUMNS if c in names),
        force=force,
        details={"export_name": manifest.export_name, "export_arn": manifest.export_arn, "manifest_key": manifest.key},
    )
