"""Partition definitions: one billing month per partition (exports), one day per partition (span files); the
current month / day included."""

from __future__ import annotations

from datetime import date

import dagster as dg


def billing_month_partitions(start_month: date) -> dg.MonthlyPartitionsDefinition:
    # end_offset=1: the current, still-open month is a partition too (AWS rewrites it several times a day).
    return dg.MonthlyPartitionsDefinition(start_date=start_month.isoformat(), end_offset=1)


def backfill_order(months: "list[date] | set[date]") -> list[date]:
    """Newest month first. A newer manifest carries better type information (a column an older one left as
    text is typed), and the month loaded first types the raw table, so older months then load into the newer
    types instead of failing on a column that was retyped."""
    return sorted(months, reverse=True)


def span_day_partitions(start_month: date) -> dg.DailyPartitionsDefinition:
    # end_offset=1: today's folder fills all day long (the collector rotates its files every few minutes).
    return dg.DailyPartitionsDefinition(start_date=start_month.isoformat(), end_offset=1)
