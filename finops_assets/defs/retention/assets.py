"""`mart_retention`: enforces the retention policies on the marts, daily, and reports what it removed.

(No `from __future__ import annotations` here: Dagster reads the asset function's annotations at runtime.)
"""

from datetime import date, datetime, timezone

import dagster as dg
from pydantic import Field

from finops_assets.defs.retention.policies import retention_policies
from finops_assets.settings import Settings


class RetentionConfig(dg.Config):
    today: str | None = Field(default=None, description="The day the windows count back from (default: today, UTC).")


def run_day(value: str | None) -> date:
    return date.fromisoformat(value) if value else datetime.now(timezone.utc).date()


def build_mart_retention(settings: Settings) -> dg.AssetsDefinition:
    policies = retention_policies(settings)
    windows = ", ".join(f"{p.table} {p.keep_days} days" for p in policies)

    @dg.asset(
        name="mart_retention",
        group_name="maintenance",
        kinds={"bigquery" if settings.env == "prod" else "duckdb"},
        required_resource_keys={"marts"},
        description=f"Deletes the day partitions older than each table's retention window ({windows}); raw "
                    "billing is kept. Data inside a window is never touched.",
    )
    def mart_retention(context: dg.AssetExecutionContext, config: RetentionConfig) -> dg.MaterializeResult:
        today = run_day(config.today)
        metadata: dict[str, dg.MetadataValue] = {"today": dg.MetadataValue.text(today.isoformat())}
        total = 0
        for policy in policies:
            expired = context.resources.marts.expire(policy, today)
            context.log.info(expired.summary())
            total += expired.rows_removed
            metadata[f"{policy.table}"] = dg.MetadataValue.text(expired.summary())
            if expired.removed:
                metadata[f"{policy.table} removed"] = dg.MetadataValue.md(expired.markdown())
        metadata["rows_removed"] = dg.MetadataValue.int(total)
        return dg.MaterializeResult(metadata=metadata)

    return mart_retention


def build_retention_schedule() -> dg.ScheduleDefinition:
    job = dg.define_asset_job("mart_retention_job", selection=["mart_retention"])
    return dg.ScheduleDefinition(name="mart_retention_daily", job=job, cron_schedule="0 4 * * *", execution_timezone="UTC")
