"""The code location: assembles `defs` from the per-domain folders and the environment's resources."""

from __future__ import annotations

import dagster as dg

from finops_assets.defs.alerts import build_alert_sensors
from finops_assets.defs.automation import build_automation_sensor
from finops_assets.defs.aws_cur.assets import build_aws_cur_raw
from finops_assets.defs.aws_cur.sensors import build_aws_cur_sensor
from finops_assets.defs.aws_cur.checks import build_aws_cur_checks, build_aws_cur_mirror_check
from finops_assets.defs.aws_data_exports.assets import build_aws_data_exports_raw
from finops_assets.defs.aws_data_exports.checks import build_aws_data_exports_checks
from finops_assets.defs.aws_data_exports.sensors import build_aws_data_exports_sensor
from finops_assets.defs.azure_focus.assets import build_azure_focus_raw
from finops_assets.defs.azure_focus.sensors import build_azure_focus_sensor
from finops_assets.defs.azure_focus.checks import build_azure_focus_checks, build_azure_focus_mirror_check
from finops_assets.defs.dbt.assets import build_dbt_assets
from finops_assets.defs.gcp_billing.assets import build_gcp_billing_export
from finops_assets.defs.retention.assets import build_mart_retention, build_retention_schedule
from finops_assets.defs.snapshots.jobs import mart_snapshot_job, mart_snapshot_schedule, restore_marts_job
from finops_assets.defs.gcp_billing.checks import build_gcp_billing_checks
from finops_assets.defs.gcp_billing.sensors import build_gcp_billing_sensors
from finops_assets.defs.otel.assets import build_otel_spans_raw
from finops_assets.defs.otel.checks import build_otel_checks
from finops_assets.defs.otel.sensors import build_otel_sensor
from finops_assets.defs.reporting.assets import build_cost_report
from finops_assets.resources import build_resources
from finops_assets.settings import Settings, load_settings


def build_definitions(settings: Settings | None = None) -> dg.Definitions:
    settings = settings or load_settings()
    aws_cur_raw = build_aws_cur_raw(settings)
    azure_focus_raw = build_azure_focus_raw(settings)
    gcp_billing_export = build_gcp_billing_export(settings)
    aws_data_exports_raw = build_aws_data_exports_raw(settings)
    otel_spans_raw = build_otel_spans_raw(settings)
    return dg.Definitions(
        assets=[
            aws_cur_raw,
            aws_data_exports_raw,
            azure_focus_raw,
            gcp_billing_export,
            otel_spans_raw,
            *build_dbt_assets(settings),
            build_mart_retention(settings),
            build_cost_report(settings),
        ],
        sensors=[
            build_aws_cur_sensor(settings, aws_cur_raw),
            build_aws_data_exports_sensor(settings, aws_data_exports_raw),
            build_azure_focus_sensor(settings, azure_focus_raw),
            *build_gcp_billing_sensors(settings, gcp_billing_export),
            build_otel_sensor(settings, otel_spans_raw),
            build_automation_sensor(),
            *build_alert_sensors(settings),
        ],
        asset_checks=[
            build_aws_cur_checks(settings),
            build_aws_data_exports_checks(settings),
            build_azure_focus_checks(settings),
            build_gcp_billing_checks(settings),
            build_otel_checks(),
            *[
                check
                for check in (build_aws_cur_mirror_check(settings), build_azure_focus_mirror_check(settings))
                if check is not None
            ],
        ],
        jobs=[mart_snapshot_job, restore_marts_job],
        schedules=[build_retention_schedule(), mart_snapshot_schedule],
        resources=build_resources(settings),
    )


defs = build_definitions()
