"""One factory for the monthly raw billing assets: every source is "find the month's current export, describe
it as a LoadRequest"; the warehouse IO manager does the rest.

A backfill is one run (`BackfillPolicy.single_run()`): the run's partition range arrives as one LoadBatch of
every month, newest first, which the IO manager loads month by month (each replaced atomically, skipped when its
export version is already loaded, tracked and reported with its own metadata). A sensor's run holds one month.

(No `from __future__ import annotations` here: Dagster reads the asset function's annotations at runtime.)
"""

from datetime import date
from typing import Callable

import dagster as dg
from pydantic import Field

from finops_assets.landing import Landing
from finops_assets.landing.resource import LandingResource
from finops_assets.partitions import backfill_order, billing_month_partitions
from finops_assets.retries import retry_transient, transient_retry_policy
from finops_assets.settings import Settings
from finops_assets.warehouse.load_request import LoadBatch, LoadRequest

# (landing, month, force) -> the month's load request; raises LookupError when the month has no export.
DescribeMonth = Callable[[Landing, date, bool], LoadRequest]


class RawLoadConfig(dg.Config):
    force: bool = Field(default=False, description="Reload the month even if its current export is already loaded.")


def build_raw_month_asset(
    *, name: str, source: str, cloud: str, settings: Settings, partition_expr: str, describe: DescribeMonth,
    description: str, partitions_def: dg.TimeWindowPartitionsDefinition | None = None, group_name: str = "raw_billing",
) -> dg.AssetsDefinition:
    """A raw asset per billing month; `partitions_def` swaps the month for another time window (OTel: a day),
    whose first day `describe` receives."""
    retry_policy = transient_retry_policy(settings.retry_delay_seconds)

    @dg.asset(
        name=name,
        partitions_def=partitions_def or billing_month_partitions(settings.start_month),
        io_manager_key="warehouse_io_manager",
        group_name=group_name,
        kinds={cloud, "bigquery" if settings.env == "prod" else "duckdb"},
        tags={"finops/source": source},
        metadata={"partition_expr": partition_expr},
        description=description,
        # A backfill of the history is one run, not one per month: the fixed cost of a run is paid once.
        backfill_policy=dg.BackfillPolicy.single_run(),
    )
    def raw_month(context: dg.AssetExecutionContext, config: RawLoadConfig, landing: LandingResource) -> LoadBatch:
        context.add_output_metadata({"attempt": context.retry_number + 1})
        store = landing.get_landing()
        requests, missing = [], []
        # Every month is described before any is loaded: a month without an export fails the run up front.
        try:
            for month in backfill_order([date.fromisoformat(key) for key in context.partition_keys]):
                try:
                    with retry_transient(retry_policy, context.retry_number):
                        request = describe(store, month, config.force)
                except LookupError as exc:
                    missing.append(str(exc))
                    continue
                requests.append(request)
        finally:
            if requests:
                # One log event for the run's months (those described before an error too), a line each: every
                # event is a commit to Dagster's event log (39 of them for the benchmark's history).
                context.log.info("\n".join(describe_line(source, request) for request in requests))
        if missing:
            raise dg.Failure(description="; ".join(missing))
        return LoadBatch(tuple(requests))

    return raw_month


def describe_line(source: str, request: LoadRequest) -> str:
    return (f"{source} {request.partition_label}: execution {request.execution_id}, {len(request.files)} files, "
            f"{request.total_bytes:,} bytes, {len(request.columns)} columns")
