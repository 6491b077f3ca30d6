"""The performance models are one dbt asset set partitioned by landing day like `otel_spans_raw`; the OTel staging
view stays in the monthly set; the new dimensions are unpartitioned."""

from __future__ import annotations

from datetime import date

import dagster as dg

from finops_assets.definitions import build_definitions
from finops_assets.settings import Settings

PERFORMANCE = ["fact_performance_requests", "fact_performance_metrics_hourly", "fact_performance_metrics_daily",
               "fact_performance_cost_joined"]


def test_performance_facts_are_day_partitioned_like_the_spans(tmp_path):
    defs = build_definitions(Settings(landing_url=str(tmp_path), duckdb_path=str(tmp_path / "w.duckdb"), start_month=date(2025, 1, 1)))
    raw = defs.resolve_assets_def("otel_spans_raw").partitions_def
    assert isinstance(raw, dg.DailyPartitionsDefinition)
    assert raw.get_partition_keys()[0] == "2025-01-01" and raw.get_partition_keys()[-1] == date.today().isoformat()
    daily = defs.resolve_assets_def("fact_performance_requests")
    assert {k.to_user_string() for k in daily.keys} == set(PERFORMANCE)
    assert daily.partitions_def == raw
    assert daily.backfill_policy == dg.BackfillPolicy.single_run()
    graph = defs.resolve_asset_graph()  # each key's own partitions (the monthly models and the dimensions share a set)
    assert isinstance(graph.get(dg.AssetKey("stg_otel_spans")).partitions_def, dg.MonthlyPartitionsDefinition)
    for dimension in ("dim_endpoint", "dim_user_segment"):
        assert graph.get(dg.AssetKey(dimension)).partitions_def is None
    assert dg.AssetKey("otel_spans_raw") in graph.get(dg.AssetKey("stg_otel_spans")).parent_keys
    assert dg.AssetKey("fact_cost_hourly") in graph.get(dg.AssetKey("fact_performance_cost_joined")).parent_keys
    # the database-query driver (ephemeral int_allocation_drivers) reads the spans
    assert dg.AssetKey("stg_otel_spans") in graph.get(dg.AssetKey("fact_cost_allocation")).parent_keys
