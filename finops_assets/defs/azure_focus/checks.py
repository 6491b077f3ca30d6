"""Checks of `azure_focus_raw`: the FOCUS export spec for the shared raw-check factory, and whether the landing
mirror of the Azure storage container the export writes to (FINOPS_AZURE_FOCUS_SOURCE_URL) is behind.

(No `from __future__ import annotations` here: Dagster reads the check function's annotations at runtime.)
"""

from datetime import date, datetime, timedelta, timezone

import dagster as dg

from finops_assets.defs.azure_focus import discovery, schema
from finops_assets.defs.azure_focus.manifest import parse_focus_manifest
from finops_assets.defs.raw_checks import ExportStamp, RawCheckSpec, build_raw_checks, newest_listed_export
from finops_assets.landing import Landing
from finops_assets.landing.mirror import MonthVersion, mirror_lag_result, months_behind
from finops_assets.settings import Settings
from finops_assets.warehouse.load_request import LoadRequest


def azure_focus_check_spec(settings: Settings) -> RawCheckSpec:
    prefix = settings.azure_focus_prefix

    def current_export(landing: Landing, month: date) -> LoadRequest:
        return discovery.build_load_request(landing, discovery.read_current_run(landing, prefix, month))

    def newest_export(landing: Landing) -> ExportStamp | None:
        return newest_listed_export(discovery.discover_runs(landing, prefix))

    return RawCheckSpec(
        asset="azure_focus_raw",
        source=discovery.SOURCE,
        partition_column=schema.PARTITION_COLUMN,
        usage_start_column="charge_period_start",
        cost_column=schema.COST_COLUMN,
        account_column="sub_account_id",
        currency_column="billing_currency",
        # FOCUS has no line-item id: a charge is its account, resource group, resource, price, category and period,
        # with its amounts (two tax lines of one meter and hour differ by resource group or tags, and so in amount;
        # a re-delivered row repeats all of these).
        duplicate_key=("billing_account_id", "sub_account_id", "x_resource_group_name", "resource_id", "sku_price_id",
                       "charge_category", "charge_class", "commitment_discount_id", "charge_period_start",
                       "charge_period_end", "billed_cost", "consumed_quantity"),
        current_export=current_export,
        newest_export=newest_export,
    )


def build_azure_focus_checks(settings: Settings) -> dg.AssetChecksDefinition:
    return build_raw_checks(azure_focus_check_spec(settings), settings)


def current_runs(landing: Landing, prefix: str) -> dict[date, MonthVersion]:
    """Every month's current run (newest `submittedTime`, as the loads pick it) and when its manifest was written."""
    newest: dict[date, tuple[tuple[float, str], MonthVersion]] = {}
    for ref in discovery.discover_runs(landing, prefix):
        manifest = parse_focus_manifest(landing.read_bytes(ref.key), ref.key)
        recency = discovery.run_recency(manifest, ref.updated)
        if ref.billing_month not in newest or recency > newest[ref.billing_month][0]:
            newest[ref.billing_month] = (recency, MonthVersion(manifest.run_id, ref.updated, ref.key))
    return {month: version for month, (_, version) in newest.items()}


def build_azure_focus_mirror_check(settings: Settings) -> dg.AssetChecksDefinition | None:
    """Only when the Azure container is configured: without it there is nothing to compare the mirror with."""
    source_url = settings.azure_focus_source_url
    if not source_url:
        return None
    # dagster-azure takes seconds to import: only code locations that read an Azure container pay for it.
    from finops_assets.landing.azure_blob import azure_landing

    grace = timedelta(hours=settings.mirror_grace_hours)
    prefix = settings.azure_focus_prefix

    @dg.asset_check(
        asset="azure_focus_raw",
        name="azure_focus_mirror_lag",
        required_resource_keys={"landing"},
        description=f"The landing mirror shows, for every month, the run the Azure container ({source_url}) "
                    f"received more than {settings.mirror_grace_hours} h ago.",
    )
    def azure_focus_mirror_lag(context: dg.AssetCheckExecutionContext) -> dg.AssetCheckResult:
        with azure_landing(source_url, settings.azure_storage_key) as source:
            in_source = current_runs(source, "")
        in_mirror = current_runs(context.resources.landing.get_landing(), prefix)
        lags = months_behind(in_source, in_mirror, datetime.now(timezone.utc), grace)
        return mirror_lag_result(lags, len(in_source), settings.mirror_grace_hours, "run")

    return azure_focus_mirror_lag
