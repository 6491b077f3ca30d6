"""The CUR v1 manifest (`<report>-Manifest.json`), parsed once at the edge.

Every problem is reported as a `ManifestError` naming the manifest file and the field.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime, timezone

COMPRESSIONS = {"GZIP": "gzip", "Parquet": None, "PARQUET": None}


class ManifestError(ValueError):
    def __init__(self, manifest_key: str, problem: str):
        super().__init__(f"{manifest_key}: {problem}")
        self.manifest_key = manifest_key
        self.problem = problem


@dataclass(frozen=True)
class CurColumn:
    category: str
    name: str
    type: str

    @property
    def header(self) -> str:
        """The CSV header of this column: `lineItem/UsageAmount`."""
        return f"{self.category}/{self.name}"


@dataclass(frozen=True)
class CurManifest:
    key: str  # landing key of the manifest file
    assembly_id: str
    account: str
    report_name: str
    billing_period_start: datetime
    billing_period_end: datetime
    columns: tuple[CurColumn, ...]
    report_keys: tuple[str, ...]
    compression: str  # GZIP | Parquet, as written
    content_type: str

    @property
    def billing_month(self) -> date:
        return self.billing_period_start.date().replace(day=1)

    @property
    def is_parquet(self) -> bool:
        return self.compression.upper() == "PARQUET"


def parse_billing_instant(value: object, manifest_key: str, field: str) -> datetime:
    """`20250901T000000.000Z` (CUR) -> an aware UTC datetime."""
    if not isinstance(value, str):
        raise ManifestError(manifest_key, f"{field} must be a string like 20250901T000000.000Z, got {value!r}")
    for fmt in ("%Y%m%dT%H%M%S.%fZ", "%Y%m%dT%H%M%SZ"):
        try:
            return datetime.strptime(value, fmt).replace(tzinfo=timezone.utc)
        except ValueError:
            continue
    raise ManifestError(manifest_key, f"{field} {value!r} is not a CUR timestamp like 20250901T000000.000Z")


def _require(document: dict, field: str, kind: type, manifest_key: str):
    if field not in document:
        raise ManifestError(manifest_key, f"missing required field '{field}'")
    value = document[field]
    if not isinstance(value, kind) or (kind is str and not value.strip()):
        raise ManifestError(manifest_key, f"field '{field}' must be a non-empty {kind.__name__}, got {value!r}")
    return value


def parse_cur_manifest(raw: bytes, manifest_key: str) -> CurManifest:
    try:
        document = json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ManifestError(manifest_key, f"malformed JSON ({exc})") from exc
    if not isinstance(document, dict):
        raise ManifestError(manifest_key, "top level must be a JSON object")

    assembly_id = _require(document, "assemblyId", str, manifest_key)
    period = _require(document, "billingPeriod", dict, manifest_key)
    start = parse_billing_instant(period.get("start"), manifest_key, "billingPeriod.start")
    end = parse_billing_instant(period.get("end"), manifest_key, "billingPeriod.end")
    if end <= start:
        raise ManifestError(manifest_key, f"billingPeriod.end {end} is not after billingPeriod.start {start}")

    raw_columns = _require(document, "columns", list, manifest_key)
    if not raw_columns:
        raise ManifestError(manifest_key, "'columns' is empty")
    columns = []
    for index, entry in enumerate(raw_columns):
        if not isinstance(entry, dict):
            raise ManifestError(manifest_key, f"columns[{index}] must be an object")
        values = []
        for field in ("category", "name", "type"):
            value = entry.get(field)
            if not isinstance(value, str) or not value:
                raise ManifestError(manifest_key, f"columns[{index}].{field} missing or not a string")
            values.append(value)
        columns.append(CurColumn(*values))

    report_keys = _require(document, "reportKeys", list, manifest_key)
    if not report_keys:
        raise ManifestError(manifest_key, "'reportKeys' is empty: the export has no data files")
    for index, key in enumerate(report_keys):
        if not isinstance(key, str) or not key:
            raise ManifestError(manifest_key, f"reportKeys[{index}] must be a non-empty string")

    compression = _require(document, "compression", str, manifest_key)
    if compression not in COMPRESSIONS:
        raise ManifestError(manifest_key, f"compression {compression!r} is not one of GZIP, Parquet")

    return CurManifest(
        key=manifest_key,
        assembly_id=assembly_id,
        account=str(document.get("account", "")),
        report_name=str(document.get("reportName", "")),
        billing_period_start=start,
        billing_period_end=end,
        columns=tuple(columns),
        report_keys=tuple(report_keys),
        compression=compression,
        content_type=str(document.get("contentType", "")),
    )
