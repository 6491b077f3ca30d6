"""The code location: assembles `defs` from the per-domain folders and the environment's resources."""

from __future__ import annotations

import dagster as dg

from finops_assets.defs.aws_cur.assets import build_aws_cur_raw
from finops_assets.defs.azure_focus.assets import build_azure_focus_raw
from finops_assets.defs.dbt.assets import build_dbt_assets
from finops_assets.defs.gcp_billing.assets import build_gcp_billing_export
from finops_assets.defs.reporting.assets import build_cost_report
from finops_assets.resources import build_resources
from finops_assets.settings import Settings, load_settings


def build_definitions(settings: Settings | None = None) -> dg.Definitions:
    settings = settings or load_settings()
    return dg.Definitions(
        assets=[
            build_aws_cur_raw(settings),
            build_azure_focus_raw(settings),
            build_gcp_billing_export(settings),
            *build_dbt_assets(settings),
            build_cost_report(settings),
        ],
        resources=build_resources(settings),
    )


defs = build_definitions()
