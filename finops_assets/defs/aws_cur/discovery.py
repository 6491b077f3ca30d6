"""Find the current CUR v1 manifest of a month and turn it into a `LoadRequest`.

Layout (as AWS writes it, mirrored into the landing area):
    <prefix>/[<s3 prefix>/]<report>/<YYYYMMDD-YYYYMMDD>/<report>-Manifest.json      <- month level: current
    <prefix>/[<s3 prefix>/]<report>/<YYYYMMDD-YYYYMMDD>/<assemblyId>/<report>-Manifest.json   <- copies, ignored
    <prefix>/[<s3 prefix>/]<report>/<YYYYMMDD-YYYYMMDD>/<assemblyId>/<report>-<n>.csv.gz
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Iterable, Iterator, Sequence

from finops_assets.defs.aws_cur import schema
from finops_assets.defs.aws_cur.manifest import CurManifest, ManifestError, parse_cur_manifest
from finops_assets.defs.sensors import ExportError, ExportVersion
from finops_assets.landing import Landing, LandingObject, LandingPathError
from finops_assets.landing.csv_header import check_csv_header
from finops_assets.landing.keys import ReferencedKeyError, key_next_to_manifest
from finops_assets.landing.month_folders import find_month_folders
from finops_assets.warehouse.load_request import DataFile, FileFormat, LoadRequest

SOURCE = "aws_cur"
MANIFEST_PATTERN = "**/*-Manifest.json"
_PERIOD_FOLDER = re.compile(r"^(\d{4})(\d{2})01-\d{8}$")


@dataclass(frozen=True)
class ManifestRef:
    """A month-level manifest found by listing, before it is read."""

    key: str
    billing_month: date
    updated: float


def month_level_manifest(obj: LandingObject) -> ManifestRef | None:
    """A `ManifestRef` when `obj` is a month-level manifest, None for assembly copies and other files."""
    parts = obj.key.split("/")
    if len(parts) < 3 or not parts[-1].endswith("-Manifest.json"):
        return None
    match = _PERIOD_FOLDER.match(parts[-2])
    if not match:
        return None
    return ManifestRef(key=obj.key, billing_month=date(int(match[1]), int(match[2]), 1), updated=obj.updated)


def period_folder_month(name: str) -> date | None:
    """`20250901-20251001` -> 2025-09-01; any other folder name -> None."""
    match = _PERIOD_FOLDER.match(name)
    return date(int(match[1]), int(match[2]), 1) if match and 1 <= int(match[2]) <= 12 else None


def list_export_versions(landing: Landing, partition_keys: Sequence[str], *, prefix: str) -> Iterator[ExportVersion | ExportError]:
    """The sensor's view: the assembly of each month-level manifest in the given months' period folders only."""
    months = {date.fromisoformat(key) for key in partition_keys}
    for folder in find_month_folders(landing, prefix, period_folder_month):
        if folder.month not in months:
            continue
        for obj in landing.list(folder.key, f"{folder.key}/*-Manifest.json"):
            if (ref := month_level_manifest(obj)) is None:
                continue
            try:
                manifest = parse_cur_manifest(landing.read_bytes(ref.key), ref.key)
                if manifest.billing_month != ref.billing_month:
                    raise ManifestError(ref.key, f"billingPeriod.start is in {manifest.billing_month:%Y-%m}, not in its folder's month")
            except (ManifestError, FileNotFoundError) as exc:
                yield ExportError(ref.key, getattr(exc, "problem", str(exc)), folder.month.isoformat())
                continue
            yield ExportVersion(folder.month.isoformat(), manifest.assembly_id, ref.key)


def discover_manifests(landing: Landing, prefix: str) -> list[ManifestRef]:
    """Month-level manifests under `prefix` ("" for the landing root, e.g. the S3 bucket AWS delivers to)."""
    pattern = f"{prefix}/{MANIFEST_PATTERN}" if prefix else MANIFEST_PATTERN
    return [ref for obj in landing.list(prefix, pattern) if (ref := month_level_manifest(obj))]


def manifests_for_month(refs: Iterable[ManifestRef], month: date) -> list[ManifestRef]:
    return sorted((r for r in refs if r.billing_month == month), key=lambda r: r.key)


def read_current_manifest(landing: Landing, prefix: str, month: date) -> CurManifest:
    """The month's current manifest. Exactly one report per month is expected under the prefix."""
    candidates = manifests_for_month(discover_manifests(landing, prefix), month)
    if not candidates:
        raise LookupError(f"no CUR manifest for {month:%Y-%m} under {landing.url}/{prefix}")
    if len(candidates) > 1:
        keys = ", ".join(r.key for r in candidates)
        raise LookupError(
            f"{len(candidates)} CUR reports deliver {month:%Y-%m} under {prefix} ({keys}); "
            "point FINOPS_AWS_CUR_PREFIX at one report so costs are not counted twice"
        )
    ref = candidates[0]
    manifest = parse_cur_manifest(landing.read_bytes(ref.key), ref.key)
    if manifest.billing_month != month:
        raise ManifestError(
            ref.key, f"billingPeriod.start {manifest.billing_period_start:%Y-%m-%d} does not match its folder {month:%Y-%m}"
        )
    return manifest


def report_key_to_landing_key(manifest_key: str, report_key: str) -> str:
    """Map a reportKey (an S3 key) to the file next to the month-level manifest."""
    try:
        return key_next_to_manifest(manifest_key, report_key)
    except ReferencedKeyError as exc:
        raise ManifestError(manifest_key, f"reportKey {exc}") from exc


def build_load_request(landing: Landing, manifest: CurManifest, *, force: bool = False) -> LoadRequest:
    columns = schema.warehouse_columns(manifest.columns, manifest.key)
    files = []
    for report_key in manifest.report_keys:
        key = report_key_to_landing_key(manifest.key, report_key)
        try:
            obj = landing.stat(key)
        except (FileNotFoundError, LandingPathError) as exc:
            raise ManifestError(manifest.key, f"reportKey {report_key!r}: data file {key} is missing ({exc})") from exc
        files.append(DataFile(key=key, uri=landing.native_uri(key), size=obj.size))
    return LoadRequest(
        source=SOURCE,
        billing_month=manifest.billing_month,
        execution_id=manifest.assembly_id,
        manifest_uri=landing.native_uri(manifest.key),
        files=tuple(files),
        file_format=FileFormat.PARQUET if manifest.is_parquet else FileFormat.CSV,
        compression=None if manifest.is_parquet else "gzip",
        columns=columns,
        partition_column=schema.PARTITION_COLUMN,
        clustering_columns=tuple(c for c in schema.CLUSTERING_COLUMNS if any(col.name == c for col in columns)),
        cost_column=schema.COST_COLUMN if any(c.name == schema.COST_COLUMN for c in columns) else None,
        preview_columns=tuple(c for c in schema.PREVIEW_COLUMNS if any(col.name == c for col in columns)),
        force=force,
        details={"report_name": manifest.report_name, "account": manifest.account, "manifest_key": manifest.key},
    )


def check_headers(landing: Landing, request: LoadRequest) -> None:
    """CSV columns load by position: every file's header must be the manifest's column list."""
    if request.file_format is not FileFormat.CSV:
        return
    expected = [c.source_name for c in request.columns]
    for file in request.files:
        check_csv_header(landing, file.key, expected, gzip=request.compression == "gzip")
