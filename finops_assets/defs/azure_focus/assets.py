"""`azure_focus_raw`: one billing month per partition from the month's newest FOCUS export run."""

from __future__ import annotations

from datetime import date

import dagster as dg

from finops_assets.defs.azure_focus import discovery, schema
from finops_assets.defs.raw_assets import build_raw_month_asset
from finops_assets.landing import Landing
from finops_assets.settings import Settings
from finops_assets.warehouse.load_request import LoadRequest


def build_azure_focus_raw(settings: Settings) -> dg.AssetsDefinition:
    prefix = settings.azure_focus_prefix

    def describe(landing: Landing, month: date, force: bool) -> LoadRequest:
        return discovery.build_load_request(landing, discovery.read_current_run(landing, prefix, month), force=force)

    return build_raw_month_asset(
        name="azure_focus_raw",
        source=discovery.SOURCE,
        cloud="azure",
        settings=settings,
        partition_expr=schema.PARTITION_COLUMN,
        describe=describe,
        description=(
            "Azure Cost Management FOCUS export, one billing month per partition (the month of the run's "
            "`runInfo.startDate`). The newest run by `submittedTime` replaces the month; rows loaded must equal "
            "the manifest's `blobs[].dataRowCount` total or the load fails and the previous month stays."
        ),
    )
