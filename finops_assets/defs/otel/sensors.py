"""`otel_new_exports`: a run of `otel_spans_raw` for each day folder whose span files changed (new or late files)."""

from __future__ import annotations

from functools import partial

import dagster as dg

from finops_assets.defs.otel import discovery
from finops_assets.defs.sensors import build_export_sensor
from finops_assets.settings import Settings


def build_otel_sensor(settings: Settings, asset: dg.AssetsDefinition) -> dg.SensorDefinition:
    return build_export_sensor(
        source=discovery.SOURCE, asset=asset, settings=settings,
        list_versions=partial(discovery.list_export_versions, prefix=settings.otel_prefix),
    )
