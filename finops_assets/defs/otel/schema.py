"""The shape of `otel_spans_raw`: one row per exported `ExportTraceServiceRequest` (one line of an OTLP/JSON file,
as the collector's file and GCS exporters write them), its `resourceSpans` kept whole as JSON.

Why JSON and not typed records: OTLP attribute values are a recursive union (`arrayValue`, `kvlistValue`) that no
BigQuery schema can declare, 64-bit integers (`intValue`, `startTimeUnixNano`) are JSON strings that some writers
emit as numbers, and an unknown field must not fail or vanish in the load. Kept as JSON, every span reaches the
warehouse exactly as written; `stg_otel_spans` flattens it (one row per span, typed columns, exact nanosecond
integers) with the same SQL on both warehouses and quarantines what it cannot read, with the reason.
"""

from __future__ import annotations

from finops_assets.warehouse.load_request import Column, ColumnType

RESOURCE_SPANS = Column(
    name="resource_spans",
    type=ColumnType.JSON,
    source_name="resourceSpans",
    origin="ExportTraceServiceRequest.resourceSpans (OTLP/JSON)",
)
COLUMNS = (RESOURCE_SPANS,)
# Not in the files: the first instant of the day folder the file landed in (the partition a load replaces).
PARTITION_COLUMN = "landing_day"
