"""OpenTelemetry traces: OTLP/JSON span files per day folder, discovery and `otel_spans_raw`."""
