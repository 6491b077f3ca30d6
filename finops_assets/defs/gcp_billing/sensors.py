"""`gcp_billing_new_exports`: a run of `gcp_billing_export` when a month's export files change (fingerprint).

Only for the file-based export: with FINOPS_GCP_BILLING_TABLE set the export is a BigQuery table that Google
appends to several times a day, and there is no landing object to watch (the asset resolves its version from
the table's newest `export_time` when it runs).
"""

from __future__ import annotations

from functools import partial

import dagster as dg

from finops_assets.defs.gcp_billing import discovery
from finops_assets.defs.sensors import build_export_sensor
from finops_assets.settings import Settings


def build_gcp_billing_sensors(settings: Settings, asset: dg.AssetsDefinition) -> list[dg.SensorDefinition]:
    if settings.gcp_billing_table:
        return []
    return [
        build_export_sensor(
            source=discovery.SOURCE, asset=asset, settings=settings,
            list_versions=partial(discovery.list_export_versions, prefix=settings.gcp_billing_prefix),
        )
    ]
