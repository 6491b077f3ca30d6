"""Data-quality checks of `aws_data_exports_raw`: the Data Exports (CUR 2.0) spec for the shared raw-check factory."""

from __future__ import annotations

from datetime import date

import dagster as dg

from finops_assets.defs.aws_cur.checks import AWS_LINE_ITEM_COLUMNS
from finops_assets.defs.aws_data_exports import discovery
from finops_assets.defs.raw_checks import ExportStamp, RawCheckSpec, build_raw_checks, newest_listed_export
from finops_assets.landing import Landing
from finops_assets.settings import Settings
from finops_assets.warehouse.load_request import LoadRequest


def aws_data_exports_check_spec(settings: Settings) -> RawCheckSpec:
    prefix = settings.aws_data_exports_prefix

    def current_export(landing: Landing, month: date) -> LoadRequest:
        return discovery.build_load_request(landing, discovery.read_current_manifest(landing, prefix, month))

    def newest_export(landing: Landing) -> ExportStamp | None:
        return newest_listed_export(discovery.discover_manifests(landing, prefix))

    return RawCheckSpec(
        asset="aws_data_exports_raw",
        source=discovery.SOURCE,
        # CUR 2.0 keeps CUR v1's column names and line-item identity.
        **AWS_LINE_ITEM_COLUMNS,
        current_export=current_export,
        newest_export=newest_export,
    )


def build_aws_data_exports_checks(settings: Settings) -> dg.AssetChecksDefinition:
    return build_raw_checks(aws_data_exports_check_spec(settings), settings)
