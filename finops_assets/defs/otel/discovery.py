"""Find the OTLP/JSON span files of a day and describe the day as a `LoadRequest`.

Layout (the collector's file exporter rotating into dated folders, or its GCS exporter):
    <FINOPS_OTEL_PREFIX>/YYYY/MM/DD/[any/sub/folders/]<name>.json | .jsonl | .json.gz | .jsonl.gz
each line one `ExportTraceServiceRequest`. A day has no manifest: its version (execution id) is a fingerprint of
the folder's files (names, sizes, update times), so a file dropped later into a loaded day (late spans) makes the
day load again, whole.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Iterator, Sequence

from finops_assets.defs.otel import quarantine, schema
from finops_assets.defs.sensors import ExportError, ExportVersion
from finops_assets.landing import Landing, LandingObject, files_fingerprint
from finops_assets.warehouse.load_request import DataFile, FileFormat, LoadRequest, PartitionGrain

SOURCE = "otel"
_DAY_FILE = re.compile(r"^(\d{4})/(\d{2})/(\d{2})/(?:[^/]+/)*[^/]+\.(?:json|jsonl)(?:\.gz)?$")

# Beyond this many days (a full rescan of the history) one listing of the whole prefix is cheaper than a listing per day.
MAX_DAYS_LISTED_ONE_BY_ONE = 100


@dataclass(frozen=True)
class DayFolder:
    """The span files of one day folder and the day's version."""

    day: date
    execution_id: str
    files: tuple[LandingObject, ...]


def span_file_day(key: str, prefix: str) -> date | None:
    """The day folder of a span file key (`otel/2025/09/30/traces-1.json.gz` -> 2025-09-30), None for other keys."""
    relative = key[len(prefix) + 1 :] if prefix else key
    if prefix and not key.startswith(f"{prefix}/"):
        return None
    match = _DAY_FILE.match(relative)
    if not match:
        return None
    try:
        return date(int(match[1]), int(match[2]), int(match[3]))
    except ValueError:  # 2025/02/30
        return None


def day_folders(objects: list[LandingObject], prefix: str) -> list[DayFolder]:
    """Group listed objects into day folders with their execution ids, oldest day first (pure: a sensor calls it
    on a listing and uses `otel:<day>:<execution_id>` as its run key)."""
    by_day: dict[date, list[LandingObject]] = {}
    for obj in objects:
        day = span_file_day(obj.key, prefix)
        if day is not None:
            by_day.setdefault(day, []).append(obj)
    return [
        DayFolder(day=day, execution_id=files_fingerprint(files), files=tuple(sorted(files, key=lambda o: o.key)))
        for day, files in sorted(by_day.items())
    ]


def discover_day_folders(landing: Landing, prefix: str) -> list[DayFolder]:
    return day_folders(list(landing.list(prefix, f"{prefix}/**")), prefix)


def list_export_versions(landing: Landing, partition_keys: Sequence[str], *, prefix: str) -> Iterator[ExportVersion | ExportError]:
    """The sensor's view: each given day's fingerprint. A few days (the recent window) are listed folder by folder
    (`<prefix>/YYYY/MM/DD/`); a full rescan lists the prefix once instead of one call per day of history."""
    wanted = set(partition_keys)
    if len(wanted) > MAX_DAYS_LISTED_ONE_BY_ONE:
        listings = [list(landing.list(prefix, f"{prefix}/**"))]
    else:
        folders = sorted(f"{prefix}/{date.fromisoformat(key):%Y/%m/%d}" for key in wanted)
        listings = [list(landing.list(folder, f"{folder}/**")) for folder in folders]
    for objects in listings:
        for folder in day_folders(objects, prefix):
            key = folder.day.isoformat()
            if key not in wanted:
                continue
            folder_key = f"{prefix}/{folder.day:%Y/%m/%d}"
            if len({o.key.endswith(".gz") for o in folder.files}) > 1:
                yield ExportError(folder_key, "mixes gzipped and plain span files; keep one kind per day", key)
                continue
            yield ExportVersion(key, folder.execution_id, folder_key)


def day_request(landing: Landing, prefix: str, day: date, *, force: bool = False) -> LoadRequest:
    folder = next((f for f in discover_day_folders(landing, prefix) if f.day == day), None)
    if folder is None:
        raise LookupError(f"no OTLP/JSON span files for {day:%Y-%m-%d} under {landing.url}/{prefix}/{day:%Y/%m/%d}/")
    compressed = {o.key.endswith(".gz") for o in folder.files}
    if len(compressed) > 1:
        raise LookupError(f"{prefix}/{day:%Y/%m/%d} mixes gzipped and plain span files; keep one kind per day")
    return LoadRequest(
        source=SOURCE,
        billing_month=day,
        grain=PartitionGrain.DAY,
        execution_id=folder.execution_id,
        manifest_uri=landing.native_uri(f"{prefix}/{day:%Y/%m/%d}"),
        files=tuple(DataFile(key=o.key, uri=landing.native_uri(o.key), size=o.size) for o in folder.files),
        file_format=FileFormat.NDJSON,
        compression="gzip" if compressed == {True} else None,
        columns=schema.COLUMNS,
        partition_column=schema.PARTITION_COLUMN,
        partition_from_folder=True,
        force=force,
        details={"day_folder": f"{prefix}/{day:%Y/%m/%d}"},
        summary=quarantine.span_quarantine_summary(),
    )
