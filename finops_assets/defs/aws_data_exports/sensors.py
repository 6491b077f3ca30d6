"""`aws_data_exports_new_exports`: a run of `aws_data_exports_raw` for each new Data Exports execution that lands."""

from __future__ import annotations

from functools import partial

import dagster as dg

from finops_assets.defs.aws_data_exports import discovery
from finops_assets.defs.sensors import build_export_sensor
from finops_assets.settings import Settings


def build_aws_data_exports_sensor(settings: Settings, asset: dg.AssetsDefinition) -> dg.SensorDefinition:
    return build_export_sensor(
        source=discovery.SOURCE, asset=asset, settings=settings,
        list_versions=partial(discovery.list_export_versions, prefix=settings.aws_data_exports_prefix),
    )
