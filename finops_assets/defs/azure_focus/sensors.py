"""`azure_focus_new_exports`: a run of `azure_focus_raw` when a month gets a newer FOCUS export run."""

from __future__ import annotations

from functools import partial

import dagster as dg

from finops_assets.defs.azure_focus import discovery
from finops_assets.defs.sensors import build_export_sensor
from finops_assets.settings import Settings


def build_azure_focus_sensor(settings: Settings, asset: dg.AssetsDefinition) -> dg.SensorDefinition:
    return build_export_sensor(
        source=discovery.SOURCE, asset=asset, settings=settings,
        list_versions=partial(discovery.list_export_versions, prefix=settings.azure_focus_prefix),
    )
