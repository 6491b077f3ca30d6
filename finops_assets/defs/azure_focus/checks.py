"""Data-quality checks of `azure_focus_raw`: the FOCUS export spec for the shared raw-check factory."""

from __future__ import annotations

from datetime import date

import dagster as dg

from finops_assets.defs.azure_focus import discovery, schema
from finops_assets.defs.raw_checks import ExportStamp, RawCheckSpec, build_raw_checks, newest_listed_export
from finops_assets.landing import Landing
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
