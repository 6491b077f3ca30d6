"""Per-domain Dagster definitions: one folder per source."""
