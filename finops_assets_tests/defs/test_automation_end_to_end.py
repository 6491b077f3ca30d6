"""End to end without a click: a new demo month dropped into the landing folder is picked up by the export sensors,
loaded, and the dbt models rebuild through their automation conditions, all against one real Dagster instance
(SQLite in a temp DAGSTER_HOME) and a real DuckDB warehouse. The daemon's two steps are driven in-process: a sensor
tick per source (its run requests executed with their tags) and automation-condition evaluations (the requested
runs executed the same way), then both again to show nothing more is requested for the month.

The daemon evaluates while runs land, so a model can run before a table it reads was ever built; two orders are
run here: cost without any traces (a deployment without OTel: the dimensions read no span keys), and traces before
any cost on a fresh warehouse (the allocation and the dimensions run before the cost tables exist). Every run
must succeed: a failed run is an alert (macros/upstream.sql)."""

from __future__ import annotations

import contextlib
import io
from collections import defaultdict
from datetime import date, timedelta

import dagster as dg
import pytest

from finops_assets.definitions import build_definitions
from finops_assets.demo.__main__ import main as demo_main
from finops_assets.settings import Settings
from finops_assets_tests.conftest import query

THIS_MONTH = date.today().replace(day=1)
START = (THIS_MONTH - timedelta(days=1)).replace(day=1)
SENSORS = ("aws_cur_new_exports", "aws_data_exports_new_exports", "azure_focus_new_exports", "gcp_billing_new_exports")


def sensor_tick(defs: dg.Definitions, instance: dg.DagsterInstance, name: str, cursors: dict) -> list[dg.RunRequest]:
    context = dg.build_sensor_context(instance=instance, cursor=cursors.get(name), resources={"landing": defs.resources["landing"]})
    result = defs.get_sensor_def(name)(context)
    cursors[name] = result.cursor
    return list(result.run_requests)


def run(defs: dg.Definitions, instance: dg.DagsterInstance, keys: set[dg.AssetKey], partition: str | None, tags=None):
    assets = [defs.resolve_assets_def(key) for key in keys]
    return dg.materialize(
        list({id(a): a for a in assets}.values()), selection=sorted(keys), partition_key=partition,
        instance=instance, tags=tags or {},
    )


def automation_tick(defs: dg.Definitions, instance: dg.DagsterInstance, state: dict) -> dict[str | None, set[dg.AssetKey]]:
    """Evaluate every automation condition once; the requests grouped into runs the way the daemon does (by partition)."""
    result = dg.evaluate_automation_conditions(defs=defs, instance=instance, cursor=state.get("cursor"))
    state["cursor"] = result.cursor
    runs: dict[str | None, set[dg.AssetKey]] = defaultdict(set)
    for key in defs.resolve_all_asset_keys():
        for partition in result.get_requested_partitions(key):
            runs[partition].add(key)
    return runs


@pytest.fixture
def environment(tmp_path, monkeypatch):
    settings = Settings(landing_url=str(tmp_path / "landing"), duckdb_path=str(tmp_path / "warehouse.duckdb"), start_month=START)
    monkeypatch.setenv("FINOPS_LANDING_URL", settings.landing_url)
    monkeypatch.setenv("FINOPS_DUCKDB_PATH", settings.duckdb_path)
    monkeypatch.setenv("FINOPS_START_MONTH", START.isoformat())
    with dg.instance_for_test() as instance:
        yield settings, build_definitions(settings), instance


def test_new_demo_month_is_loaded_and_the_marts_rebuilt_without_a_click(environment):
    settings, defs, instance = environment
    cursors: dict = {}
    automation: dict = {}
    assert all(sensor_tick(defs, instance, name, cursors) == [] for name in SENSORS)  # empty landing area
    # A fresh warehouse: the seed is built once, nothing else is requested.
    first = automation_tick(defs, instance, automation)
    assert {p: {k.to_user_string() for k in keys} for p, keys in first.items()} == {None: {"region_geography"}}
    assert run(defs, instance, first[None], None).success

    with contextlib.redirect_stdout(io.StringIO()):
        assert demo_main(["generate", "--months", "1", "--rows-per-month", "300", "--seed", "5", "--end-month", f"{THIS_MONTH:%Y-%m}"]) == 0

    month = THIS_MONTH.isoformat()
    requests = [r for name in SENSORS for r in sensor_tick(defs, instance, name, cursors)]
    assert sorted(r.tags["finops/partition"] for r in requests) == [f"{s}:{month}" for s in ("aws_cur", "aws_data_exports", "azure_focus", "gcp_billing")]
    for request in requests:
        assert request.partition_key == month
        run(defs, instance, set(request.asset_selection), request.partition_key, request.tags)

    # The daemon evaluates again after each run: first the month's models, then the dimensions that read them.
    runs = automation_tick(defs, instance, automation)
    assert set(runs) == {month}, "dimensions must wait for the month's models"
    assert {"stg_aws_cur", "stg_aws_data_exports", "stg_azure_focus", "stg_gcp_billing", "int_cost_focus", "fact_cost_hourly",
            "fact_cost_monthly", "fact_cost_allocation"} <= {k.to_user_string() for k in runs[month]}
    assert "int_otel_span_keys" not in {k.to_user_string() for k in runs[month]}  # no traces loaded: never built
    assert run(defs, instance, runs[month], month).success
    after = automation_tick(defs, instance, automation)
    assert set(after) == {None} and {"dim_service", "dim_region", "dim_time", "dim_endpoint"} <= {k.to_user_string() for k in after[None]}
    # Without traces the dimensions read no span keys (int_otel_span_keys was never built) and still build.
    assert run(defs, instance, after[None], None).success
    assert query(settings, "SELECT count(*) FROM finops.dim_service WHERE service_source = 'telemetry'") == [(0,)]
    assert query(settings, "SELECT count(*) FROM finops.dim_service")[0][0] > 0
    assert query(settings, "SELECT count(*) FROM finops.dim_endpoint") == [(0,)]

    totals = dict(query(settings, "SELECT cost_source, sum(total_cost) FROM finops.fact_cost_monthly WHERE billing_month = ? GROUP BY 1", [THIS_MONTH]))
    assert totals["aws_cur"] == query(settings, "SELECT sum(line_item_unblended_cost) FROM billing_raw.aws_cur_raw")[0][0]
    assert totals["azure_focus"] == query(settings, "SELECT sum(billed_cost) FROM billing_raw.azure_focus_raw")[0][0]
    assert set(totals) == {"aws_cur", "aws_data_exports", "azure_focus", "gcp_billing"}

    # Quiet afterwards: no new export version, and the months' models are not requested again.
    assert all(sensor_tick(defs, instance, name, cursors) == [] for name in SENSORS)
    assert month not in automation_tick(defs, instance, automation)



def test_traces_landing_before_any_cost_rebuild_everything_without_a_failed_run(environment):
    settings, defs, instance = environment
    cursors: dict = {}
    automation: dict = {}
    first = automation_tick(defs, instance, automation)
    assert run(defs, instance, first[None], None).success  # the seed
    with contextlib.redirect_stdout(io.StringIO()):
        assert demo_main(["generate", "--months", "1", "--rows-per-month", "300", "--seed", "5", "--end-month", f"{THIS_MONTH:%Y-%m}"]) == 0
    month = THIS_MONTH.isoformat()

    def run_all(requested: dict) -> set[str]:
        for partition, keys in requested.items():
            assert run(defs, instance, keys, partition).success, (partition, sorted(k.to_user_string() for k in keys))
        return {k.to_user_string() for keys in requested.values() for k in keys}

    # Traces first: no cost table exists yet.
    span_requests = sensor_tick(defs, instance, "otel_new_exports", cursors)
    assert span_requests
    for request in span_requests:
        assert run(defs, instance, set(request.asset_selection), request.partition_key, request.tags).success
    built = run_all(automation_tick(defs, instance, automation))
    assert {"stg_otel_spans", "int_otel_span_keys", "fact_cost_allocation"} <= built  # the allocation reads no cost yet
    built = run_all(automation_tick(defs, instance, automation))
    assert {"dim_service", "dim_environment", "dim_region", "dim_endpoint"} <= built  # no int_cost_keys yet
    assert query(settings, "SELECT count(*) FROM finops.fact_cost_allocation") == [(0,)]
    assert query(settings, "SELECT count(*) FROM finops.dim_service WHERE service_source <> 'telemetry'") == [(0,)]
    assert query(settings, "SELECT count(*) FROM finops.dim_endpoint")[0][0] > 0

    # Then the month's cost: its models, the allocation and the dimensions are rebuilt with it.
    for request in [r for name in SENSORS for r in sensor_tick(defs, instance, name, cursors)]:
        assert run(defs, instance, set(request.asset_selection), request.partition_key, request.tags).success
    # The daemon held the allocation back while the traces' runs were in flight and rebuilt the month's cost facts
    # without it: the allocation's reconciliation with fact_cost_daily must wait for the allocation's own rebuild
    # (dbt's eager test selection ran it against the allocation built before any cost: a false ERROR, a failed run).
    requested = automation_tick(defs, instance, automation)
    allocation = dg.AssetKey("fact_cost_allocation")
    assert allocation in requested[month]
    assert run(defs, instance, requested[month] - {allocation}, month).success
    assert run(defs, instance, {allocation}, month).success
    for _ in range(4):
        requested = automation_tick(defs, instance, automation)
        if not requested:
            break
        run_all(requested)
    assert automation_tick(defs, instance, automation) == {}
    daily, allocated = query(settings, f"""
        SELECT (SELECT sum(total_cost) FROM finops.fact_cost_daily WHERE billing_month = DATE '{month}'),
               (SELECT sum(allocated_cost) FROM finops.fact_cost_allocation WHERE billing_month = DATE '{month}')""")[0]
    assert daily is not None and daily == allocated
    assert query(settings, "SELECT count(*) FROM finops.dim_service WHERE service_source <> 'telemetry'")[0][0] > 0
