"""`otel_spans_raw`: one landing day folder of OTLP/JSON span files per partition."""

from __future__ import annotations

from datetime import date

import dagster as dg

from finops_assets.defs.otel import discovery, schema
from finops_assets.defs.raw_assets import build_raw_month_asset
from finops_assets.landing import Landing
from finops_assets.partitions import span_day_partitions
from finops_assets.settings import Settings
from finops_assets.warehouse.load_request import LoadRequest


def build_otel_spans_raw(settings: Settings) -> dg.AssetsDefinition:
    prefix = settings.otel_prefix

    def describe(landing: Landing, day: date, force: bool) -> LoadRequest:
        return discovery.day_request(landing, prefix, day, force=force)

    return build_raw_month_asset(
        name="otel_spans_raw",
        source=discovery.SOURCE,
        cloud="opentelemetry",
        settings=settings,
        partition_expr=schema.PARTITION_COLUMN,
        describe=describe,
        partitions_def=span_day_partitions(settings.start_month),
        group_name="raw_telemetry",
        description=(
            "OpenTelemetry traces: the OTLP/JSON files (ExportTraceServiceRequest per line, gzip or plain) of one "
            "landing day folder FINOPS_OTEL_PREFIX/YYYY/MM/DD/ per partition, one row per request with its "
            "resourceSpans kept as JSON; the day is replaced whole when its files change (late spans). "
            "stg_otel_spans flattens it to one row per span."
        ),
    )
