"""The daily snapshot job for the fact and dimension tables, and the restore job.

(No `from __future__ import annotations` here: Dagster reads the op function's annotations at runtime.)
"""

import dagster as dg
from pydantic import Field

from finops_assets.defs.retention.assets import run_day


class SnapshotConfig(dg.Config):
    day: str | None = Field(default=None, description="The snapshot's date (default: today, UTC).")


class RestoreConfig(dg.Config):
    day: str = Field(description="The date of the snapshot to restore, YYYY-MM-DD.")


@dg.op(required_resource_keys={"marts"})
def snapshot_marts(context: dg.OpExecutionContext, config: SnapshotConfig) -> dg.Output:
    day = run_day(config.day)
    snapshots = context.resources.marts.snapshot(day)
    pruned = context.resources.marts.prune_snapshots(day)
    for snapshot in snapshots:
        context.log.info(f"{snapshot.table} -> {snapshot.location} ({snapshot.rows} rows)")
    return dg.Output(
        [s.table for s in snapshots],
        metadata={
            "day": day.isoformat(),
            "tables": dg.MetadataValue.json({s.table: {"location": s.location, "rows": s.rows} for s in snapshots}),
            "pruned": dg.MetadataValue.json(pruned),
        },
    )


@dg.op(required_resource_keys={"marts"})
def restore_marts(context: dg.OpExecutionContext, config: RestoreConfig) -> dg.Output:
    restored = context.resources.marts.restore(run_day(config.day))
    for snapshot in restored:
        context.log.info(f"{snapshot.table} <- {snapshot.location}")
    return dg.Output(
        [s.table for s in restored],
        metadata={"day": config.day, "tables": dg.MetadataValue.json({s.table: s.location for s in restored})},
    )


@dg.job(description="Snapshot every fact and dimension table of the marts (daily; kept 90 days).")
def mart_snapshot_job():
    snapshot_marts()


@dg.job(description="Replace the fact and dimension tables with a snapshot: run config `ops.restore_marts.config.day`.")
def restore_marts_job():
    restore_marts()


mart_snapshot_schedule = dg.ScheduleDefinition(
    name="mart_snapshot_daily", job=mart_snapshot_job, cron_schedule="30 3 * * *", execution_timezone="UTC"
)
