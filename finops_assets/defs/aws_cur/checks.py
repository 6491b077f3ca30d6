"""Checks of `aws_cur_raw`: the CUR v1 spec for the shared raw data-quality factory, and whether the GCS mirror of
the AWS CUR bucket (FINOPS_AWS_CUR_SOURCE_URL) is behind.

(No `from __future__ import annotations` here: Dagster reads the check function's annotations at runtime.)
"""

from datetime import date, datetime, timedelta, timezone

import dagster as dg

from finops_assets.defs.aws_cur import discovery, schema
from finops_assets.defs.aws_cur.manifest import parse_cur_manifest
from finops_assets.defs.raw_checks import ExportStamp, RawCheckSpec, build_raw_checks, newest_listed_export
from finops_assets.landing import Landing
from finops_assets.landing.mirror import MonthVersion, mirror_lag_result, months_behind
from finops_assets.landing.resource import LandingResource
from finops_assets.settings import Settings
from finops_assets.warehouse.load_request import LoadRequest


# The line-item columns the checks read, named alike in CUR v1 (Athena names) and Data Exports / CUR 2.0. A line item is
# restated per time interval (hourly/daily granularity), so its identity is the pair.
AWS_LINE_ITEM_COLUMNS = dict(
    partition_column=schema.PARTITION_COLUMN,
    usage_start_column="line_item_usage_start_date",
    cost_column=schema.COST_COLUMN,
    account_column="line_item_usage_account_id",
    currency_column="line_item_currency_code",
    duplicate_key=("identity_line_item_id", "identity_time_interval"),
)


def aws_cur_check_spec(settings: Settings) -> RawCheckSpec:
    prefix = settings.aws_cur_prefix

    def current_export(landing: Landing, month: date) -> LoadRequest:
        return discovery.build_load_request(landing, discovery.read_current_manifest(landing, prefix, month))

    def newest_export(landing: Landing) -> ExportStamp | None:
        return newest_listed_export(discovery.discover_manifests(landing, prefix))

    return RawCheckSpec(
        asset="aws_cur_raw",
        source=discovery.SOURCE,
        **AWS_LINE_ITEM_COLUMNS,
        current_export=current_export,
        newest_export=newest_export,
    )


def build_aws_cur_checks(settings: Settings) -> dg.AssetChecksDefinition:
    return build_raw_checks(aws_cur_check_spec(settings), settings)



def current_versions(landing: Landing, prefix: str) -> dict[date, MonthVersion]:
    """The newest month-level manifest of every month and the assembly it names."""
    newest: dict[date, MonthVersion] = {}
    for ref in sorted(discovery.discover_manifests(landing, prefix), key=lambda r: r.updated):
        manifest = parse_cur_manifest(landing.read_bytes(ref.key), ref.key)
        newest[ref.billing_month] = MonthVersion(manifest.assembly_id, ref.updated, ref.key)
    return newest


def build_aws_cur_mirror_check(settings: Settings) -> dg.AssetChecksDefinition | None:
    """Only when the S3 source is configured: without it there is nothing to compare the mirror with."""
    if not settings.aws_cur_source_url:
        return None
    source = LandingResource(
        url=settings.aws_cur_source_url, s3_endpoint_url=settings.s3_endpoint_url, s3_region=settings.s3_region
    )
    grace = timedelta(hours=settings.mirror_grace_hours)
    prefix = settings.aws_cur_prefix

    @dg.asset_check(
        asset="aws_cur_raw",
        name="aws_cur_mirror_lag",
        required_resource_keys={"landing"},
        description=f"The landing mirror shows, for every month, the assembly the S3 source "
                    f"({settings.aws_cur_source_url}) delivered more than {settings.mirror_grace_hours} h ago.",
    )
    def aws_cur_mirror_lag(context: dg.AssetCheckExecutionContext) -> dg.AssetCheckResult:
        in_source = current_versions(source.get_landing(), "")
        in_mirror = current_versions(context.resources.landing.get_landing(), prefix)
        lags = months_behind(in_source, in_mirror, datetime.now(timezone.utc), grace)
        return mirror_lag_result(lags, len(in_source), settings.mirror_grace_hours, "assembly")

    return aws_cur_mirror_lag
