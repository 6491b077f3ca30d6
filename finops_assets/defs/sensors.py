"""The one sensor factory for every export source: new export version in the landing area -> one run request.

A source contributes a single pure function, `list_versions(landing, partition_keys)`, which looks only at the
given partitions and yields, per partition, the export version currently there (`ExportVersion`: partition key,
execution id, the object it came from) or an `ExportError` for an object it cannot read. The factory does the
rest, identically for all sources:

- which partitions to look at: the ones in the last `FINOPS_SENSOR_RECENT_MONTHS` months on every tick, all of
  them on the first tick and then at most every `FINOPS_SENSOR_FULL_RESCAN_HOURS` (late restatements of old
  months are caught by that rescan);
- the cursor (JSON, stored by Dagster, so it survives restarts): the execution id last requested per partition,
  the objects currently in error and the time of the last full rescan;
- one `RunRequest(partition_key, run_key="<source>:<partition>:<execution id>")` per partition whose version
  changed, tagged `finops/source` and `finops/partition` (the concurrency limits of `dagster.yaml` use them);
  a version seen before yields nothing, a restatement (new execution id) a new request;
- errors: one bad object never stops the others; each new error is logged on the tick and recorded as an
  `AssetObservation` of the asset (partition, object, problem), so it shows in the UI next to the asset;
- transient storage errors (rate limits, 5xx, timeouts: `finops_assets.retries.is_transient`) while listing are
  retried within the tick with backoff (`FINOPS_SENSOR_RETRY_DELAY_SECONDS`, then x3, x7), each retry logged; if
  they outlast the retries the tick skips naming the error and keeps its cursor, so nothing unseen is passed
  over. Any other error fails the tick at once (a retry would fail the same way).

Adding a source (e.g. AWS Data Exports or OTel spans):
1. in `defs/<source>/discovery.py` write `list_export_versions(landing, prefix, partition_keys)` that lists only
   the folders of those partitions (`finops_assets.landing.month_folders.find_month_folders` finds month folders
   without enumerating objects) and yields `ExportVersion` / `ExportError`;
2. in `defs/<source>/sensors.py` call `build_export_sensor(source=..., asset=<the raw asset>, settings=settings,
   list_versions=functools.partial(list_export_versions, prefix=settings.<source>_prefix))`;
3. add the sensor to `sensors` in `finops_assets/definitions.py`.
Daily partitions work the same way: the recent window covers every day of the recent months.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta, timezone
from typing import Callable, Iterable, Sequence

import dagster as dg

from finops_assets.landing import Landing
from finops_assets.landing.resource import LandingResource
from finops_assets.retries import backoff_delays, call_with_backoff, is_transient
from finops_assets.settings import Settings

CURSOR_VERSION = 1


@dataclass(frozen=True)
class ExportVersion:
    """The export version a partition currently has in the landing area."""

    partition_key: str
    execution_id: str
    object_key: str


@dataclass(frozen=True)
class ExportError:
    """An object the listing could not turn into a version (corrupt manifest, month outside its folder...)."""

    object_key: str
    problem: str
    partition_key: str | None = None


# (landing, partition keys to look at) -> the versions and errors found in exactly those partitions.
ListExportVersions = Callable[[Landing, Sequence[str]], Iterable["ExportVersion | ExportError"]]


@dataclass(frozen=True)
class SensorCursor:
    requested: dict[str, str] = field(default_factory=dict)  # partition key -> execution id last requested
    errors: dict[str, str] = field(default_factory=dict)  # object key -> problem, as of the last tick
    full_rescan_at: float | None = None  # epoch seconds

    def encode(self) -> str:
        return json.dumps(
            {"v": CURSOR_VERSION, "requested": self.requested, "errors": self.errors, "full_rescan_at": self.full_rescan_at},
            sort_keys=True,
        )

    @staticmethod
    def decode(text: str | None) -> "SensorCursor":
        if not text:
            return SensorCursor()
        document = json.loads(text)
        if document.get("v") != CURSOR_VERSION:
            return SensorCursor()  # an unknown layout: start over (a full rescan; loads of known versions are no-ops)
        return SensorCursor(
            requested=dict(document.get("requested", {})),
            errors=dict(document.get("errors", {})),
            full_rescan_at=document.get("full_rescan_at"),
        )


@dataclass(frozen=True)
class TickOutcome:
    requests: list[ExportVersion]
    errors: list[ExportError]
    new_errors: list[ExportError]
    cursor: SensorCursor


def full_rescan_due(cursor: SensorCursor, now: float, every_hours: float) -> bool:
    return cursor.full_rescan_at is None or now - cursor.full_rescan_at >= every_hours * 3600


def recent_partition_keys(partitions: dg.TimeWindowPartitionsDefinition, now: datetime, months: int) -> list[str]:
    """Partition keys whose window starts in the last `months` calendar months (the current one included)."""
    first = now.date().replace(day=1)
    for _ in range(months - 1):
        first = (first - timedelta(days=1)).replace(day=1)
    keys = partitions.get_partition_keys(current_time=now)
    return [k for k in keys if partitions.time_window_for_partition_key(k).start.date() >= first]



def evaluate_listing(
    cursor: SensorCursor, found: Iterable[ExportVersion | ExportError], valid_keys: set[str], *, now: float, full_rescan: bool,
) -> TickOutcome:
    """Pure: what a tick requests and reports, given what the listing found and what was requested before."""
    versions: dict[str, list[ExportVersion]] = {}
    errors: list[ExportError] = []
    for item in found:
        if isinstance(item, ExportError):
            errors.append(item)
        elif item.partition_key not in valid_keys:
            errors.append(ExportError(item.object_key, f"partition {item.partition_key} is not a partition of the asset", item.partition_key))
        else:
            versions.setdefault(item.partition_key, []).append(item)
    requests: list[ExportVersion] = []
    requested = dict(cursor.requested)
    for key in sorted(versions):
        candidates = versions[key]
        if len({v.execution_id for v in candidates}) > 1:
            objects = ", ".join(sorted(v.object_key for v in candidates))
            for version in candidates:
                errors.append(ExportError(version.object_key, f"{len(candidates)} exports deliver {key} ({objects}); keep one", key))
            continue
        version = candidates[0]
        if requested.get(key) != version.execution_id:
            requests.append(version)
            requested[key] = version.execution_id
    current_errors = {e.object_key: e.problem for e in errors}
    new_errors = [e for e in errors if cursor.errors.get(e.object_key) != e.problem]
    next_cursor = replace(
        cursor, requested=requested, errors=current_errors, full_rescan_at=now if full_rescan else cursor.full_rescan_at
    )
    return TickOutcome(requests=requests, errors=errors, new_errors=new_errors, cursor=next_cursor)


def run_request(source: str, asset_key: dg.AssetKey, version: ExportVersion) -> dg.RunRequest:
    return dg.RunRequest(
        run_key=f"{source}:{version.partition_key}:{version.execution_id}",
        partition_key=version.partition_key,
        asset_selection=[asset_key],
        tags={
            "finops/source": source,
            "finops/partition": f"{source}:{version.partition_key}",
            "finops/execution_id": version.execution_id,
            "finops/object": version.object_key,
        },
    )


def build_export_sensor(
    *, source: str, asset: dg.AssetsDefinition, settings: Settings, list_versions: ListExportVersions,
) -> dg.SensorDefinition:
    asset_key = asset.key
    partitions = asset.partitions_def
    if not isinstance(partitions, dg.TimeWindowPartitionsDefinition):
        raise TypeError(f"{asset_key.to_user_string()}: export sensors need time-window partitions")

    @dg.sensor(
        name=f"{source}_new_exports",
        asset_selection=[asset_key],
        minimum_interval_seconds=settings.sensor_interval_seconds,
        default_status=dg.DefaultSensorStatus.RUNNING,
        description=(
            f"Requests one {asset_key.to_user_string()} run per new {source} export version (run key "
            f"`{source}:<partition>:<execution id>`). Lists the last {settings.sensor_recent_months} months every tick "
            f"and every month at most every {settings.sensor_full_rescan_hours:g} h."
        ),
    )
    def export_sensor(context: dg.SensorEvaluationContext, landing: LandingResource) -> dg.SensorResult | dg.SkipReason:
        cursor = SensorCursor.decode(context.cursor)
        now = time.time()
        full = full_rescan_due(cursor, now, settings.sensor_full_rescan_hours)
        current = datetime.fromtimestamp(now, tz=timezone.utc)
        all_keys = partitions.get_partition_keys(current_time=current)
        keys = all_keys if full else recent_partition_keys(partitions, current, settings.sensor_recent_months)
        delays = backoff_delays(settings.sensor_retry_delay_seconds)

        def report_retry(attempt: int, error: BaseException, delay: float) -> None:
            context.log.warning(f"{source}: transient error listing the landing area ({error}); retry {attempt}/{len(delays)} in {delay:g} s")

        try:
            # Listed whole inside the retried call: a generator failing halfway must not leave a partial listing.
            found = call_with_backoff(lambda: list(list_versions(landing.get_landing(), keys)), delays, on_retry=report_retry)
        except Exception as exc:
            if not is_transient(exc):
                raise
            context.log.error(f"{source}: transient error listing the landing area after {len(delays)} retries: {exc}")
            # No SensorResult: the stored cursor stays as it was, so the next tick lists the same partitions again.
            return dg.SkipReason(
                f"{source}: the landing area could not be listed after {len(delays)} retries ({type(exc).__name__}: {exc}); "
                "cursor kept, the next tick tries again"
            )
        outcome = evaluate_listing(cursor, found, set(all_keys), now=now, full_rescan=full)
        for error in outcome.new_errors:
            context.log.error(f"{source}: skipped {error.object_key}: {error.problem}")
        observations = [
            dg.AssetObservation(
                asset_key=asset_key,
                partition=error.partition_key if error.partition_key in all_keys else None,
                metadata={"sensor_error": error.problem, "object": error.object_key},
            )
            for error in outcome.new_errors
        ]
        scope = "every partition" if full else f"{len(keys)} recent partitions"
        skip = None
        if not outcome.requests:
            skip = f"no new {source} export version in {scope}"
            if outcome.errors:
                skip += f"; {len(outcome.errors)} object(s) in error: " + "; ".join(
                    f"{e.object_key}: {e.problem}" for e in outcome.errors[:3]
                )
        return dg.SensorResult(
            run_requests=[run_request(source, asset_key, v) for v in outcome.requests],
            cursor=outcome.cursor.encode(),
            skip_reason=skip,
            asset_events=observations,
        )

    return export_sensor
