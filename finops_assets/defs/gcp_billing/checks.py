"""Data-quality checks of `gcp_billing_export`: the billing export spec for the shared raw-check factory."""

from __future__ import annotations

from datetime import date, datetime, timezone

import dagster as dg

from finops_assets.defs.gcp_billing import discovery, schema
from finops_assets.defs.raw_checks import ExportStamp, RawCheckSpec, build_raw_checks
from finops_assets.landing import Landing
from finops_assets.settings import Settings
from finops_assets.warehouse.load_request import LoadRequest

# Google invoices usage that reached the export late in the next invoice month (`invoice.month` after the usage).
LATE_USAGE_DAYS = 5


def gcp_billing_check_spec(settings: Settings) -> RawCheckSpec:
    prefix, table = settings.gcp_billing_prefix, settings.gcp_billing_table

    def current_export(landing: Landing, month: date) -> LoadRequest:
        if table:
            return discovery.table_request(table, month)
        return discovery.files_request(landing, prefix, month)

    def newest_export(landing: Landing) -> ExportStamp | None:
        files = [] if table else discovery.discover_files(landing, prefix)
        if not files:
            return None
        newest = max(files, key=lambda f: (f.invoice_month, f.obj.updated))
        return ExportStamp(newest.invoice_month, newest.obj.key, datetime.fromtimestamp(newest.obj.updated, timezone.utc))

    return RawCheckSpec(
        asset="gcp_billing_export",
        source=discovery.SOURCE,
        partition_column=schema.PARTITION_COLUMN,
        usage_start_column="usage_start_time",
        cost_column=schema.COST_COLUMN,
        account_column="billing_account_id",
        currency_column="currency",
        # The export has no row id: a row is one SKU of one project, zone and resource for one usage window, cost
        # type and export, with its amounts (rows that differ only by labels differ in amount; a re-delivered row
        # repeats all of these).
        duplicate_key=("billing_account_id", "service.id", "sku.id", "project.id", "location.zone",
                       "resource.global_name", "usage_start_time", "usage_end_time", "cost_type", "export_time",
                       "cost", "usage.amount"),
        current_export=current_export,
        newest_export=newest_export,
        usage_lead_days=LATE_USAGE_DAYS,
    )


def build_gcp_billing_checks(settings: Settings) -> dg.AssetChecksDefinition:
    return build_raw_checks(gcp_billing_check_spec(settings), settings)
