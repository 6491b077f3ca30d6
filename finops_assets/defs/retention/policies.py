"""Retention policies as data: one row per mart table, its time column and the window it keeps.

Defaults come from the design: request-level performance data 90 days, hourly facts 2 years, daily facts
10 years (each configurable, see README). Raw billing tables are kept forever and have no policy: they are
the record the marts are rebuilt from. A day is the unit: a day is expired when it lies entirely before
`today - keep_days`; the cutoff day itself and everything after it are inside the window and never touched.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from finops_assets.settings import Settings


@dataclass(frozen=True)
class RetentionPolicy:
    table: str  # in the mart dataset (FINOPS_MART_DATASET)
    time_column: str  # DATE or TIMESTAMP; its UTC day decides
    keep_days: int

    def cutoff(self, today: date) -> date:
        """The oldest day inside the window: days before it are expired."""
        return today - timedelta(days=self.keep_days)


def retention_policies(settings: Settings) -> tuple[RetentionPolicy, ...]:
    return (
        RetentionPolicy("fact_performance_requests", "date", settings.retention_requests_days),
        RetentionPolicy("fact_cost_hourly", "hour", settings.retention_hourly_days),
        RetentionPolicy("fact_cost_daily", "date", settings.retention_daily_days),
    )
