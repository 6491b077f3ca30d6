"""Month-partitioned dbt assets: a run rebuilds only its billing months (incremental), a restated month replaces
its predecessor, other months are untouched, and a range of months is one dbt invocation (single-run backfill)."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import dagster as dg
import pytest

from finops_assets.definitions import build_definitions
from finops_assets.defs.dbt.project import finops_dbt_project
from finops_assets.defs.dbt.runs import build_models, dbt_asset_keys
from finops_assets.settings import load_settings
from finops_assets_tests.conftest import MONTH, materialize_month, query
from finops_assets_tests.cur_exports import CurExport, exact_total
from finops_assets_tests.defs.dbt.test_cost_marts import COLUMNS
from finops_assets_tests.focus_exports import FocusExport, focus_rows
from finops_assets_tests.gcp_exports import gcp_rows, write_gcp_month

# Hand-made line items have real tenfold days: the cost anomaly WARN may report them (it never blocks).
ANOMALY_WARNING = "warn_service_daily_cost_anomaly"

OCTOBER = date(2025, 10, 1)
TABLES = ("int_cost_focus", "fact_cost_hourly", "fact_cost_daily", "fact_cost_weekly", "fact_cost_monthly",
          "fact_cost_allocation")
MONTH_COLUMN = {"int_cost_focus": "cast(BillingPeriodStart AS DATE)"}


def cur_rows(month: date, count: int, salt: str = "") -> list[list[str]]:
    """Hourly EC2 usage lines of `month` in the marts test's columns, costs with 10 decimals."""
    following = date(month.year + month.month // 12, month.month % 12 + 1, 1)
    rows = []
    for i in range(count):
        start = f"{month:%Y-%m}-{1 + i % 28:02d}T{i % 24:02d}:00:00.000Z"
        end = f"{month:%Y-%m}-{1 + i % 28:02d}T{i % 24:02d}:59:59.000Z"
        rows.append([f"li-{salt}{i}", f"{month:%Y-%m}-01T00:00:00.000Z", f"{following:%Y-%m}-01T00:00:00.000Z",
                     "111122223333", "Usage", start, end, "AmazonEC2", f"i-{i % 3}", "1", "USD",
                     f"{i + 1}.{i:010d}", "Hrs", "Amazon Elastic Compute Cloud", "us-east-1", "m5.large",
                     "checkout-service", "production"])
    return rows


def totals(settings) -> dict[tuple[str, date], tuple]:
    """Per table and billing month: (rows, a cost total)."""
    out = {}
    for table in TABLES:
        month = MONTH_COLUMN.get(table, "billing_month")
        cost = "BilledCost" if table == "int_cost_focus" else ("allocated_cost" if table == "fact_cost_allocation" else "total_cost")
        for billing_month, count, total in query(settings, f"SELECT {month}, count(*), sum({cost}) FROM finops.{table} GROUP BY 1"):
            out[(table, billing_month)] = (count, total)
    return out


@pytest.fixture
def two_months(tmp_path, monkeypatch):
    landing = tmp_path / "landing"
    for key, value in {"FINOPS_LANDING_URL": str(landing), "FINOPS_DUCKDB_PATH": str(tmp_path / "w.duckdb"),
                       "FINOPS_START_MONTH": "2024-01", "FINOPS_ENV": "local"}.items():
        monkeypatch.setenv(key, value)
    for month in (MONTH, OCTOBER):
        CurExport(landing, month, f"asm-{month:%m}", columns=COLUMNS, rows=cur_rows(month, 12), parts=1).write()
        FocusExport(landing, month, f"run-{month:%m}", rows=focus_rows(month, 6)).write()
        write_gcp_month(landing, month, gcp_rows(month, 6), parts=1)
    settings = load_settings()
    defs = build_definitions(settings)
    for month in (MONTH, OCTOBER):
        for asset in ("aws_cur_raw", "azure_focus_raw", "gcp_billing_export"):
            materialize_month(defs, month, asset=asset)
    return settings, defs, landing


def test_a_month_run_replaces_only_its_month(two_months):
    settings, defs, landing = two_months
    instance = dg.DagsterInstance.ephemeral()
    assert build_models(defs, [MONTH], instance).success
    september = totals(settings)
    assert {m for _, m in september} == {MONTH}  # only the run's month was read

    assert build_models(defs, [OCTOBER], instance).success
    both = totals(settings)
    assert {k: v for k, v in both.items() if k[1] == MONTH} == september  # September untouched
    assert {m for _, m in both} == {MONTH, OCTOBER}

    # AWS restates October with other rows: the October run replaces October's rows in every monthly model
    restated = cur_rows(OCTOBER, 30, salt="r")
    CurExport(landing, OCTOBER, "asm-10-b", columns=COLUMNS, rows=restated, parts=1).write()
    materialize_month(defs, OCTOBER, asset="aws_cur_raw")
    result = build_models(defs, [OCTOBER], instance)
    assert result.success
    after = totals(settings)
    assert {k: v for k, v in after.items() if k[1] == MONTH} == september
    aws_october = query(settings, """SELECT count(*), sum(BilledCost) FROM finops.int_cost_focus
                                     WHERE x_cost_source = 'aws_cur' AND BillingPeriodStart = TIMESTAMP '2025-10-01'""")
    assert aws_october == [(30, exact_total(restated, 11))]
    hourly = query(settings, """SELECT sum(total_cost) FROM finops.fact_cost_hourly
                                WHERE cost_source = 'aws_cur' AND billing_month = DATE '2025-10-01'""")
    assert hourly == [(exact_total(restated, 11),)]
    checks = [e.event_specific_data for e in result.all_events if e.event_type_value == "ASSET_CHECK_EVALUATION"]
    assert checks and all(c.passed or c.check_name == ANOMALY_WARNING for c in checks)


def test_a_range_of_months_is_one_dbt_invocation(two_months):
    settings, defs, _ = two_months
    monthly = defs.resolve_assets_def("fact_cost_hourly")
    assert monthly.backfill_policy == dg.BackfillPolicy.single_run()
    assert monthly.partitions_def == defs.resolve_assets_def("aws_cur_raw").partitions_def
    graph = defs.resolve_asset_graph()
    assert graph.get(dg.AssetKey("dim_service")).partitions_def is None  # dimensions are rebuilt whole

    instance = dg.DagsterInstance.ephemeral()
    result = build_models(defs, [MONTH, OCTOBER], instance)
    assert result.success
    commands = [e.user_message for e in instance.all_logs(result.run_id) if "Running dbt command" in e.user_message]
    assert len(commands) == 1, commands  # the monthly models and the dimensions: one dbt process
    assert '"min_month": "2025-09-01", "max_month": "2025-11-01"' in commands[0]
    assert {m for _, m in totals(settings)} == {MONTH, OCTOBER}


def _parse_events(dbt_log) -> list[str]:
    events = [json.loads(line)["info"] for line in dbt_log.read_text().splitlines() if line.startswith("{")]
    return [e["name"] for e in events if "Pars" in e["name"]]


def test_a_month_built_again_skips_dbts_full_parse(two_months):
    """The run's dbt invocation (the monthly models with the month's vars, and the dimensions) keeps its parse cache
    per vars: a month built again (a restatement, the open month refreshed) parses nothing."""
    _, defs, _ = two_months
    instance = dg.DagsterInstance.ephemeral()
    assert build_models(defs, [OCTOBER], instance).success
    result = build_models(defs, [OCTOBER], instance)
    assert result.success

    target = Path(finops_dbt_project().project_dir) / "target"
    folders = sorted(target.glob(f"finops_dbt_*-{result.run_id[:7]}-*"))
    assert [f.name.split("-")[0] for f in folders] == ["finops_dbt_costs"]
    for folder in folders:
        events = _parse_events(folder / "dbt.log")
        assert "UnableToPartialParse" not in events and "PartialParsingSkipParsing" in events, (folder.name, events)


def test_no_dbt_version_process_is_started(two_months, monkeypatch):
    """The dbt version comes from the installed dbt-core package: a run starts dbt once per invocation, never
    `dbt --version` (a dbt start-up that also asks PyPI for the latest versions)."""
    _, defs, _ = two_months
    import dagster_dbt.core.resource as dbt_resource

    def no_version_process(*args, **kwargs):
        raise AssertionError(f"dbt --version was run: {args}")

    monkeypatch.setattr(dbt_resource, "check_output", no_version_process)
    result = build_models(defs, [OCTOBER], dg.DagsterInstance.ephemeral())
    assert result.success


def test_the_dimensions_stay_unpartitioned_assets_built_by_the_months_dbt_process(two_months):
    """One dbt invocation builds a month's models and the dimensions, yet in Dagster the monthly models are
    materialized for their month and the dimensions (and their checks) as unpartitioned assets; a run of the
    dimensions alone (no month) passes dbt no month vars."""
    settings, defs, _ = two_months
    graph = defs.resolve_asset_graph()
    monthly_keys = {k for k in graph.get_all_asset_keys() if k.path[0] in ("int_cost_focus", "fact_cost_hourly")}
    dimension_keys = {dg.AssetKey("dim_service"), dg.AssetKey("dim_resource"), dg.AssetKey("dim_time")}
    monthly, others = dbt_asset_keys(defs)
    assert monthly_keys <= set(monthly) and dimension_keys <= set(others) and not set(monthly) & set(others)
    instance = dg.DagsterInstance.ephemeral()
    result = build_models(defs, [OCTOBER], instance)
    assert result.success
    partitions = {e.materialization.asset_key: e.materialization.partition
                  for e in result.get_asset_materialization_events()}
    assert {partitions[k] for k in monthly_keys} == {"2025-10-01"}
    assert all(partitions[k] is None for k in dimension_keys)
    checks = {(e.event_specific_data.asset_key, e.event_specific_data.check_name): e.event_specific_data
              for e in result.all_events if e.event_type_value == "ASSET_CHECK_EVALUATION"}
    assert checks[(dg.AssetKey("dim_service"), "unique_dim_service_service_key")].passed
    assert checks[(dg.AssetKey("dim_resource"), "assert_dim_resource_covers_fact_keys")].passed
    assert [e.step_key for e in result.all_events if e.event_type_value == "STEP_START"] == ["finops_dbt_costs"]

    dimensions = sorted(defs.resolve_asset_graph().get(k).key for k in dimension_keys)
    alone = defs.resolve_implicit_global_asset_job_def().execute_in_process(instance=instance, asset_selection=dimensions)
    assert alone.success
    (command,) = [e.user_message for e in instance.all_logs(alone.run_id) if "Running dbt command" in e.user_message]
    assert "min_month" not in command
    assert {e.materialization.asset_key for e in alone.get_asset_materialization_events()} == set(dimensions)


def _node_times(dbt_log: Path) -> dict[str, tuple[str, str]]:
    """Each model's (start, finish) timestamps in a dbt JSON log."""
    times: dict[str, list[str]] = {}
    for line in dbt_log.read_text().splitlines():
        if not line.startswith("{"):
            continue
        event = json.loads(line)
        if event["info"]["name"] in ("NodeStart", "NodeFinished"):
            node = event["data"]["node_info"]["unique_id"]
            if node.startswith("model."):
                times.setdefault(node.split(".")[-1], []).append(event["info"]["ts"])
    return {name: (min(ts), max(ts)) for name, ts in times.items()}


def test_a_months_dimensions_wait_for_its_daily_fact_not_the_other_way_round(two_months):
    """The dimensions checked against the facts are built after the month's hourly and daily facts (depends_on
    fact_cost_daily). Built after fact_cost_hourly only, they shared its graph level with fact_cost_daily, and dbt
    ran them first (alphabetical within a level), holding back the daily fact and everything after it."""
    _, defs, _ = two_months
    instance = dg.DagsterInstance.ephemeral()
    result = build_models(defs, [OCTOBER], instance)
    assert result.success
    target = Path(finops_dbt_project().project_dir) / "target"
    (folder,) = target.glob(f"finops_dbt_costs-{result.run_id[:7]}-*")
    times = _node_times(folder / "dbt.log")
    dimensions = ("dim_service", "dim_resource", "dim_region", "dim_environment", "dim_endpoint")
    daily_finished = times["fact_cost_daily"][1]
    assert times["fact_cost_hourly"][1] <= times["fact_cost_daily"][0]
    for dimension in dimensions:
        assert times[dimension][0] >= daily_finished, (dimension, times[dimension], times["fact_cost_daily"])
