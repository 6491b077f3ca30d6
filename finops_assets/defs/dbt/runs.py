"""Running the dbt models from Python (the demo, tests): one Dagster run over a range of billing months, the way a
single-run backfill does it, with the unpartitioned models (dimensions, seeds) in the same dbt invocation; then one run
over a range of landing days for the performance facts (they read the dimensions and the hourly cost)."""

from __future__ import annotations

from datetime import date

import dagster as dg
from dagster._core.storage.tags import ASSET_PARTITION_RANGE_END_TAG, ASSET_PARTITION_RANGE_START_TAG


def dbt_asset_keys(defs: dg.Definitions) -> tuple[list[dg.AssetKey], list[dg.AssetKey]]:
    """(monthly model keys, unpartitioned model keys) of the dbt asset set that holds both (one dbt invocation)."""
    graph = defs.resolve_asset_graph()
    keys = defs.resolve_assets_def("int_cost_focus").keys
    monthly = sorted(k for k in keys if graph.get(k).partitions_def is not None)
    others = sorted(k for k in keys if graph.get(k).partitions_def is None)
    return monthly, others


def build_models(defs: dg.Definitions, months: list[date], instance: dg.DagsterInstance, *, raise_on_error: bool = False
                 ) -> dg.ExecuteInProcessResult:
    """`dbt build` of the monthly models for [min(months), max(months)] and of the rest, in one dbt invocation."""
    monthly, others = dbt_asset_keys(defs)
    tags = {ASSET_PARTITION_RANGE_START_TAG: min(months).isoformat(), ASSET_PARTITION_RANGE_END_TAG: max(months).isoformat()}
    return defs.resolve_implicit_global_asset_job_def().execute_in_process(
        instance=instance, asset_selection=monthly + others, tags=tags, raise_on_error=raise_on_error
    )


def build_performance_models(defs: dg.Definitions, days: list[date], instance: dg.DagsterInstance, *,
                             raise_on_error: bool = False) -> dg.ExecuteInProcessResult:
    """`dbt build` of the day-partitioned performance models for [min(days), max(days)] in one dbt invocation."""
    daily = sorted(defs.resolve_assets_def("fact_performance_requests").keys)
    tags = {ASSET_PARTITION_RANGE_START_TAG: min(days).isoformat(), ASSET_PARTITION_RANGE_END_TAG: max(days).isoformat()}
    return defs.resolve_implicit_global_asset_job_def().execute_in_process(
        instance=instance, asset_selection=daily, tags=tags, raise_on_error=raise_on_error
    )
