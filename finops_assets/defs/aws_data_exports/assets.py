"""`aws_data_exports_raw`: one CUR 2.0 billing month per partition, described by the month's Data Exports manifest."""

from __future__ import annotations

from datetime import date

import dagster as dg

from finops_assets.defs.aws_data_exports import discovery, schema
from finops_assets.defs.raw_assets import build_raw_month_asset
from finops_assets.landing import Landing
from finops_assets.settings import Settings
from finops_assets.warehouse.load_request import LoadRequest


def build_aws_data_exports_raw(settings: Settings) -> dg.AssetsDefinition:
    prefix = settings.aws_data_exports_prefix

    def describe(landing: Landing, month: date, force: bool) -> LoadRequest:
        return discovery.build_load_request(landing, discovery.read_current_manifest(landing, prefix, month), force=force)

    return build_raw_month_asset(
        name="aws_data_exports_raw",
        source=discovery.SOURCE,
        cloud="aws",
        settings=settings,
        partition_expr=schema.PARTITION_COLUMN,
        describe=describe,
        description=(
            "AWS Data Exports (CUR 2.0), one billing month per partition. The month's manifest "
            "(`metadata/BILLING_PERIOD=YYYY-MM/<export>-Manifest.json`) names the execution and its Parquet files; "
            "the warehouse IO manager loads them natively (tags and product attributes as string maps) and replaces "
            "the month atomically. Re-materializing an already loaded execution is a no-op (config `force: true` reloads)."
        ),
    )
