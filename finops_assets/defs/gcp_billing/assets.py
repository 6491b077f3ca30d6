"""`gcp_billing_export`: one invoice month per partition of the GCP detailed billing export."""

from __future__ import annotations

from datetime import date

import dagster as dg

from finops_assets.defs.gcp_billing import discovery, schema
from finops_assets.defs.raw_assets import build_raw_month_asset
from finops_assets.landing import Landing
from finops_assets.settings import Settings
from finops_assets.warehouse.load_request import LoadRequest


def build_gcp_billing_export(settings: Settings) -> dg.AssetsDefinition:
    prefix = settings.gcp_billing_prefix
    table = settings.gcp_billing_table

    def describe(landing: Landing, month: date, force: bool) -> LoadRequest:
        # Where the export lives is configuration (a table, or files), not the environment.
        if table:
            return discovery.table_request(table, month, force=force)
        return discovery.files_request(landing, prefix, month, force=force)

    return build_raw_month_asset(
        name="gcp_billing_export",
        source=discovery.SOURCE,
        cloud="gcp",
        settings=settings,
        partition_expr=schema.PARTITION_COLUMN,
        describe=describe,
        description=(
            "Google Cloud detailed billing export, one invoice month (`invoice.month`) per partition, nested "
            "records kept (service, sku, project, labels, credits[] ...), costs exact. With "
            "FINOPS_GCP_BILLING_TABLE set the month is copied inside BigQuery by one query job; otherwise it is "
            "loaded from newline-delimited JSON files under FINOPS_GCP_BILLING_PREFIX."
        ),
    )
