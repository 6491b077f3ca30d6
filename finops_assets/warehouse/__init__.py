"""Warehouse IO managers: they turn a `LoadRequest` into one native load (DuckDB or BigQuery)."""
