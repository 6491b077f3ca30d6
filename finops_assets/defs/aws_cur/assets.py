"""`aws_cur_raw`: one CUR v1 billing month per partition, described by its current manifest."""

from __future__ import annotations

from datetime import date

import dagster as dg

from finops_assets.defs.aws_cur import discovery, schema
from finops_assets.defs.raw_assets import build_raw_month_asset
from finops_assets.landing import Landing
from finops_assets.settings import Settings
from finops_assets.warehouse.load_request import LoadRequest


def build_aws_cur_raw(settings: Settings) -> dg.AssetsDefinition:
    prefix = settings.aws_cur_prefix

    def describe(landing: Landing, month: date, force: bool) -> LoadRequest:
        manifest = discovery.read_current_manifest(landing, prefix, month)
        request = discovery.build_load_request(landing, manifest, force=force)
        discovery.check_headers(landing, request)
        return request

    return build_raw_month_asset(
        name="aws_cur_raw",
        source=discovery.SOURCE,
        cloud="aws",
        settings=settings,
        partition_expr=schema.PARTITION_COLUMN,
        describe=describe,
        description=(
            "AWS Cost and Usage Report (CUR v1), one billing month per partition. The month's current "
            "manifest (the month-level `<report>-Manifest.json`) names the assembly and its files; the "
            "warehouse IO manager loads them natively and replaces the month atomically. Re-materializing "
            "an already loaded assembly is a no-op (config `force: true` reloads)."
        ),
    )
