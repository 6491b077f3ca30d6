"""Is a mirror behind its source? Storage Transfer Service copies the cloud's own export bucket into the
landing bucket; this compares the newest export version of every month on both sides.

A month is behind when the source has a version (assembly / run id) the mirror does not show as the
month's current one, and the source wrote it longer ago than the grace period (a transfer runs on a
schedule, so a fresh version is expected to be missing for a while).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from typing import Mapping

import dagster as dg


@dataclass(frozen=True)
class MonthVersion:
    execution_id: str  # assemblyId / runId
    written: float  # when the manifest was written, seconds since the epoch
    key: str


@dataclass(frozen=True)
class MirrorLag:
    month: date
    source: MonthVersion
    mirror: MonthVersion | None

    def describe(self) -> str:
        have = self.mirror.execution_id if self.mirror else "nothing"
        written = datetime.fromtimestamp(self.source.written, timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
        return f"{self.month:%Y-%m}: source has {self.source.execution_id} (written {written}), mirror has {have}"


def months_behind(
    source: Mapping[date, MonthVersion], mirror: Mapping[date, MonthVersion], now: datetime, grace: timedelta
) -> list[MirrorLag]:
    lags = []
    for month in sorted(source):
        version = source[month]
        mirrored = mirror.get(month)
        if mirrored is not None and mirrored.execution_id == version.execution_id:
            continue
        if now - datetime.fromtimestamp(version.written, timezone.utc) > grace:
            lags.append(MirrorLag(month, version, mirrored))
    return lags


def mirror_lag_result(lags: list[MirrorLag], months_in_source: int, grace_hours: int, version_name: str) -> dg.AssetCheckResult:
    """The check's verdict: the months behind with both versions (`source_<version_name>`, `mirror_<version_name>`)."""
    return dg.AssetCheckResult(
        passed=not lags,
        description="; ".join(lag.describe() for lag in lags) or None,
        metadata={
            "months_in_source": months_in_source,
            "months_behind": dg.MetadataValue.json([
                {"month": f"{lag.month:%Y-%m}", f"source_{version_name}": lag.source.execution_id,
                 f"mirror_{version_name}": lag.mirror.execution_id if lag.mirror else None}
                for lag in lags
            ]),
            "grace_hours": grace_hours,
        },
    )
