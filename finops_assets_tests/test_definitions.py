"""The code location loads in both environments with the same asset keys and resource keys."""

from datetime import date

import dagster as dg

from finops_assets.definitions import build_definitions
from finops_assets.settings import Settings
from finops_assets.warehouse.io_managers import BigQueryWarehouseIOManager, DuckDBWarehouseIOManager
from finops_assets.warehouse.query_resource import BigQueryWarehouseQuery, DuckDBWarehouseQuery


def test_local_definitions(tmp_path):
    defs = build_definitions(Settings(landing_url=str(tmp_path), duckdb_path=str(tmp_path / "w.duckdb"), start_month=date(2023, 1, 1)))
    asset = defs.resolve_assets_def("aws_cur_raw")
    partitions = asset.partitions_def
    assert isinstance(partitions, dg.MonthlyPartitionsDefinition)
    keys = partitions.get_partition_keys()
    assert keys[0] == "2023-01-01"
    assert keys[-1] == date.today().replace(day=1).isoformat()  # end_offset=1: the open month is a partition
    assert asset.metadata_by_key[dg.AssetKey("aws_cur_raw")]["partition_expr"] == "bill_billing_period_start_date"
    assert isinstance(defs.resources["warehouse_io_manager"], DuckDBWarehouseIOManager)
    defs.validate_loadable(defs)


def test_prod_definitions_swap_only_resources(tmp_path):
    local = build_definitions(Settings(landing_url=str(tmp_path)))
    prod = build_definitions(Settings(env="prod", gcp_project="p", landing_url="gs://bucket/exports"))
    assert set(prod.resources) >= set(local.resources)
    assert isinstance(prod.resources["warehouse_io_manager"], BigQueryWarehouseIOManager)
    prod_keys = sorted(k.to_user_string() for k in prod.resolve_all_asset_keys())
    assert prod_keys == sorted(k.to_user_string() for k in local.resolve_all_asset_keys())
    assert {"aws_cur_raw", "azure_focus_raw", "gcp_billing_export", "stg_aws_cur", "int_cost_focus", "cost_report"} <= set(prod_keys)
    assert isinstance(prod.resources["warehouse_query"], BigQueryWarehouseQuery)
    assert isinstance(local.resources["warehouse_query"], DuckDBWarehouseQuery)
    assert {"aws_data_exports_raw", "stg_aws_data_exports"} <= set(prod_keys)


def test_data_exports_source_links_the_raw_asset_to_its_staging_model(tmp_path):
    defs = build_definitions(Settings(landing_url=str(tmp_path), duckdb_path=str(tmp_path / "w.duckdb")))
    graph = defs.resolve_asset_graph()
    assert dg.AssetKey("aws_data_exports_raw") in graph.get(dg.AssetKey("stg_aws_data_exports")).parent_keys


def test_module_level_defs_load():
    from finops_assets.definitions import defs

    assert {dg.AssetKey("aws_cur_raw"), dg.AssetKey("azure_focus_raw")} <= set(defs.resolve_all_asset_keys())


def test_raw_assets_carry_the_data_quality_checks_in_both_environments(tmp_path):
    from finops_assets.defs.raw_checks import RAW_CHECKS

    local = build_definitions(Settings(landing_url=str(tmp_path)))
    prod = build_definitions(Settings(env="prod", gcp_project="p", landing_url="gs://bucket/exports"))
    for defs in (local, prod):
        checks = defs.resolve_asset_graph().asset_check_keys
        for asset in ("aws_cur_raw", "azure_focus_raw", "gcp_billing_export"):
            assert {c.name for c in RAW_CHECKS} <= {k.name for k in checks if k.asset_key == dg.AssetKey(asset)}
        assert {"unique_grain_fact_cost_hourly_billing_month__hour__service_key__region_key__environment_key__resource_key__cost_source__billing_currency",
                "assert_fact_cost_hourly_reconciles_with_raw"} <= {k.name for k in checks if k.asset_key == dg.AssetKey("fact_cost_hourly")}
        assert dg.AssetCheckKey(dg.AssetKey("dim_service"), "assert_dim_service_covers_fact_keys") in checks
        assert "warehouse_queries" in defs.resources


def test_the_ui_lists_each_assets_checks_error_ones_blocking(tmp_path):
    """The checks each asset's Checks tab lists (issue 8), with their severity: ERROR checks are blocking, WARN only
    report."""
    from finops_assets.defs.raw_checks import RAW_CHECKS

    defs = build_definitions(Settings(landing_url=str(tmp_path)))
    graph = defs.resolve_asset_graph()
    by_asset: dict[str, dict[str, bool]] = {}
    for key in graph.asset_check_keys:
        by_asset.setdefault(key.asset_key.to_user_string(), {})[key.name] = graph.get_check_spec(key).blocking
    raw = {c.name: c.severity is dg.AssetCheckSeverity.ERROR for c in RAW_CHECKS}
    for asset in ("aws_cur_raw", "aws_data_exports_raw", "azure_focus_raw", "gcp_billing_export"):
        assert by_asset[asset] == raw, asset
    expected = {  # asset: {check: blocking}
        "int_cost_focus": {"assert_focus_billed_cost_reconciles_with_raw": True},
        "fact_cost_hourly": {"assert_fact_cost_hourly_reconciles_with_raw": True, "assert_fact_cost_hourly_reconciles_with_focus": True},
        "fact_cost_daily": {"assert_fact_cost_daily_reconciles_with_hourly": True, "warn_service_daily_cost_anomaly": False},
        "dim_service": {"assert_dim_service_covers_fact_keys": True},
        "dim_region": {"assert_dim_region_covers_fact_keys": True},
        "dim_environment": {"assert_dim_environment_covers_fact_keys": True},
        "dim_resource": {"assert_dim_resource_covers_fact_keys": True},
        "fact_performance_requests": {"finops_between_fact_performance_requests_duration_ms__300000__0": True,
                                      "assert_performance_span_ids_unique": True},
        "fact_performance_metrics_hourly": {"finops_between_fact_performance_metrics_hourly_error_rate__1__0": True},
        "fact_performance_metrics_daily": {"finops_between_fact_performance_metrics_daily_error_rate__1__0": True,
                                           "warn_performance_request_count_jump": False},
        "fact_performance_cost_joined": {"assert_performance_facts_finite": True},
        "stg_otel_spans": {"otel_spans_quarantined": False},
    }
    for asset, checks in expected.items():
        assert {name: by_asset[asset].get(name) for name in checks} == checks, asset
    grain = [name for name in by_asset["fact_cost_hourly"] if name.startswith("unique_grain_fact_cost_hourly")]
    assert len(grain) == 1 and by_asset["fact_cost_hourly"][grain[0]]


def test_sensors_and_automation_are_in_defs(tmp_path):
    defs = build_definitions(Settings(landing_url=str(tmp_path)))
    sensors = {s.name: s for s in defs.sensors}
    assert set(sensors) == {"aws_cur_new_exports", "aws_data_exports_new_exports", "azure_focus_new_exports",
                            "gcp_billing_new_exports", "otel_new_exports",
                            "default_automation_condition_sensor", "asset_check_failure_alerts", "run_failure_alerts"}
    assert all(s.default_status == dg.DefaultSensorStatus.RUNNING for s in sensors.values())
    graph = defs.resolve_asset_graph()
    assert graph.get(dg.AssetKey("fact_cost_monthly")).automation_condition is not None
    assert graph.get(dg.AssetKey("aws_cur_raw")).automation_condition is None  # raw months come from the sensors
    table_prod = build_definitions(Settings(env="prod", gcp_project="p", gcp_billing_table="p.d.t"))
    assert "gcp_billing_new_exports" not in {s.name for s in table_prod.sensors}
