"""The measured steps, each run as its own process by bench/run.py (`python -m bench.workloads STEP ...`), so
every step's memory is its own and its wall time includes nothing of the harness.

Each step prints one JSON line last: `seconds` is its timed section (definitions, instance and runs included;
interpreter start-up and imports excluded, the harness records those in the process wall time). The
configuration comes from the environment, as in production: FINOPS_LANDING_URL, FINOPS_DUCKDB_PATH and
DAGSTER_HOME point at the run's own folders.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

import dagster as dg
import duckdb
from dagster._core.storage.tags import ASSET_PARTITION_RANGE_END_TAG, ASSET_PARTITION_RANGE_START_TAG

from finops_assets.definitions import build_definitions
from finops_assets.defs.aws_cur.manifest import parse_cur_manifest
from finops_assets.defs.aws_cur.schema import warehouse_columns
from finops_assets.defs.dbt.project import finops_dbt_project
from finops_assets.defs.dbt.runs import build_models, dbt_asset_keys
from finops_assets.landing import LocalLanding
from finops_assets.settings import load_settings
from finops_assets.warehouse.duckdb_warehouse import DUCKDB_TYPES, load_connection_settings
from finops_assets.warehouse.identifiers import quote_duckdb as q
from finops_assets.warehouse.identifiers import sql_string

from bench.breakdown import invocation_logs, run_breakdown
from bench.generate import AWS_PREFIX, Dataset

RAW_ASSET = "aws_cur_raw"


def _emit(report: dict) -> None:
    print(json.dumps(report), flush=True)


def range_tags(months: list[date]) -> dict[str, str]:
    """The run tags of a single-run backfill of [min(months), max(months)] (what the UI and the CLI's
    `--partition-range` set)."""
    return {ASSET_PARTITION_RANGE_START_TAG: min(months).isoformat(), ASSET_PARTITION_RANGE_END_TAG: max(months).isoformat()}


def step_seconds(result: dg.ExecuteInProcessResult) -> dict[str, float]:
    """Each step's own duration (from its STEP_SUCCESS event), e.g. the load apart from its checks."""
    return {e.step_key: e.event_specific_data.duration_ms / 1000 for e in result.all_events
            if e.event_type_value == "STEP_SUCCESS"}


def breakdown(result: dg.ExecuteInProcessResult, instance: dg.DagsterInstance, started: float, finished: float) -> dict:
    """Where the run's time went (bench/breakdown.py): its event records and its dbt invocations' logs."""
    project = finops_dbt_project()
    logs = invocation_logs(Path(project.project_dir) / project.target_path, result.run_id)
    return run_breakdown(instance.all_logs(result.run_id), started, finished, logs)


def _materialize_range(asset: str, months: list[date], instance: dg.DagsterInstance) -> dict:
    """One in-process run loading every month of [min(months), max(months)] (a single-run backfill), with the
    asset's checks, as a backfill launched from the UI runs them."""
    defs = build_definitions(load_settings())
    key = defs.resolve_assets_def(asset).key
    started = time.perf_counter()
    result = defs.resolve_implicit_global_asset_job_def().execute_in_process(
        instance=instance, asset_selection=[key], tags=range_tags(months), raise_on_error=True)
    seconds = time.perf_counter() - started
    runs = []
    for event in result.get_asset_materialization_events():
        metadata = event.materialization.metadata
        runs.append({"month": event.materialization.partition, "rows": metadata["dagster/row_count"].value,
                     "skipped": metadata["skipped"].value, "load_seconds": metadata["load_seconds"].value})
    # A failed ERROR check fails its step and so the run (raise_on_error); WARN checks only report.
    checks = [e.event_specific_data for e in result.all_events if e.event_type_value == "ASSET_CHECK_EVALUATION"]
    steps = step_seconds(result)
    return {"seconds": seconds, "months": sorted(runs, key=lambda r: r["month"]), "checks": len(checks),
            "load_step_seconds": steps.get(asset, 0.0), "checks_step_seconds": steps.get(f"{asset}_checks", 0.0)}


def raw_inprocess(args) -> None:
    """Every month of aws_cur_raw in ONE run (a single-run backfill of the history), in this process (the
    in-process executor), its raw checks included."""
    dataset = Dataset.load(args.dataset)
    started = time.perf_counter()
    with dg.DagsterInstance.get() as instance:
        run = _materialize_range(RAW_ASSET, dataset.month_dates, instance)
    seconds = time.perf_counter() - started
    _check_loaded(run["months"], dataset.rows)
    # load_seconds: inside the warehouse load (DuckDB); the rest of the run is Dagster's, the checks' step apart.
    _emit({"seconds": seconds, "rows": sum(r["rows"] for r in run["months"]),
           "load_seconds": sum(r["load_seconds"] for r in run["months"]), "load_step_seconds": run["load_step_seconds"],
           "checks_seconds": run["checks_step_seconds"], "checks": run["checks"], "months": run["months"]})


def raw_multiprocess(args) -> None:
    """Every month of aws_cur_raw in ONE run through `dagster asset materialize --partition-range` (the
    multiprocess executor: the load and its checks each in a step process of their own)."""
    dataset = Dataset.load(args.dataset)
    dagster = str(Path(sys.executable).with_name("dagster"))
    started = time.perf_counter()
    completed = subprocess.run(
        [dagster, "asset", "materialize", "-m", "finops_assets.definitions", "--select", RAW_ASSET,
         "--partition-range", f"{dataset.months[0]}...{dataset.months[-1]}"],
        capture_output=True, text=True,
    )
    seconds = time.perf_counter() - started
    if completed.returncode != 0:
        sys.stderr.write(completed.stdout + completed.stderr)
        raise RuntimeError(f"dagster asset materialize --partition-range exited with {completed.returncode}")
    rows = _table_rows(load_settings())
    if rows != dataset.rows:
        raise RuntimeError(f"multiprocess load holds {rows} rows, expected {dataset.rows}")
    _emit({"seconds": seconds, "rows": rows})


def _table_rows(settings) -> int:
    con = duckdb.connect(settings.duckdb_path, read_only=True)
    try:
        return con.execute(f"SELECT count(*) FROM {q(settings.raw_dataset)}.{q(RAW_ASSET)}").fetchone()[0]
    finally:
        con.close()


def _check_loaded(runs: list[dict], expected_rows: int) -> None:
    skipped = [r["month"] for r in runs if r["skipped"]]
    if skipped:
        raise RuntimeError(f"months skipped as already loaded (the warehouse was not fresh): {skipped}")
    loaded = sum(r["rows"] for r in runs)
    if loaded != expected_rows:
        raise RuntimeError(f"loaded {loaded} rows, expected {expected_rows}")


def other_clouds(args) -> None:
    """Setup for the marts (not timed by the report): the small Azure and GCP histories."""
    dataset = Dataset.load(args.dataset)
    with dg.DagsterInstance.get() as instance:
        for asset in ("azure_focus_raw", "gcp_billing_export"):
            _materialize_range(asset, dataset.month_dates, instance)
    _emit({})


def marts(args) -> None:
    """The dbt build of the cost marts over every month: one run, the monthly models in one dbt invocation
    over the whole range (a single-run backfill), then the dimensions; dbt tests run as asset checks."""
    dataset = Dataset.load(args.dataset)
    started, started_at = time.perf_counter(), time.time()
    with dg.DagsterInstance.get() as instance:
        result = build_models(build_definitions(load_settings()), dataset.month_dates, instance)
        seconds, finished_at = time.perf_counter() - started, time.time()
        phases = breakdown(result, instance, started_at, finished_at)
    checks = [e.event_specific_data for e in result.all_events if e.event_type_value == "ASSET_CHECK_EVALUATION"]
    # dbt tests of severity error must pass; warnings (the cost-anomaly WARN on generated data) only report.
    failed = [c.check_name for c in checks if not c.passed and c.severity == dg.AssetCheckSeverity.ERROR]
    if not result.success or failed:
        raise RuntimeError(f"dbt build failed (run {result.run_id}); failed checks: {failed}")
    _emit({"seconds": seconds, "checks": len(checks), "steps": step_seconds(result),
           "warnings": sorted(c.check_name for c in checks if not c.passed), "breakdown": phases})


def month(args) -> None:
    """One month end to end in one run: its raw load (the restated assembly replaces its predecessor) and its
    checks, then everything downstream of aws_cur_raw in the cost models (the monthly models for that month only,
    and the dimensions), as "materialize this month and everything downstream" from the UI does it, and as the
    automation sensor's runs after a restatement do. Models that do not read aws_cur_raw (the other clouds' and the
    traces' staging views, the trace keys and their dimensions, the seed) are not rebuilt: a CUR restatement leaves
    them unchanged."""
    dataset = Dataset.load(args.dataset)
    restated = date.fromisoformat(dataset.restated_month)
    started, started_at = time.perf_counter(), time.time()
    with dg.DagsterInstance.get() as instance:
        defs = build_definitions(load_settings())
        monthly, others = dbt_asset_keys(defs)
        raw_key = defs.resolve_assets_def(RAW_ASSET).key
        downstream = dg.AssetSelection.assets(raw_key).downstream().resolve(defs.resolve_asset_graph())
        models = sorted(key for key in (*monthly, *others) if key in downstream)
        result = defs.resolve_implicit_global_asset_job_def().execute_in_process(
            instance=instance, asset_selection=[raw_key, *models], tags=range_tags([restated]),
            raise_on_error=False)
        seconds, finished_at = time.perf_counter() - started, time.time()
        phases = breakdown(result, instance, started_at, finished_at) if result.success else None
    if not result.success:
        raise RuntimeError(f"raw load and dbt build of {restated:%Y-%m} failed (run {result.run_id})")
    (raw,) = [e.materialization for e in result.get_asset_materialization_events() if e.materialization.asset_key == raw_key]
    if raw.metadata["skipped"].value:
        raise RuntimeError(f"{restated:%Y-%m} was already loaded: nothing was restated")
    steps = step_seconds(result)
    raw_seconds = steps.get(RAW_ASSET, 0.0) + steps.get(f"{RAW_ASSET}_checks", 0.0)
    _emit({"seconds": seconds, "raw_seconds": raw_seconds, "marts_seconds": seconds - raw_seconds, "models": len(models),
           "rows": raw.metadata["dagster/row_count"].value, "steps": steps, "breakdown": phases})


def floor(args) -> None:
    """The floor: one bare DuckDB INSERT ... SELECT * FROM read_csv of every history file into a fresh table, with
    the same explicit column types and CSV dialect as the warehouse load, and no Dagster, tracking or checks. With
    `--tuned`, on a connection with the warehouse loads' own settings (no insertion order, the memory limit):
    the stricter floor, since those settings alone make DuckDB faster. Its timed section is the connection, the
    CREATE TABLE, the INSERT and the close (its checkpoint), as ours includes its load connection's close."""
    dataset = Dataset.load(args.dataset)
    # Every month of the history has the same columns; the newest month's original manifest names them.
    manifest = parse_cur_manifest((Path(dataset.root) / "history-manifest.json").read_bytes(), dataset.history_manifest)
    columns = warehouse_columns(manifest.columns, manifest.key)
    spec = ", ".join(f"{sql_string(c.name)}: '{DUCKDB_TYPES[c.type]}'" for c in columns)
    paths = "[" + ", ".join(sql_string(p) for p in dataset.data_files) + "]"
    started = time.perf_counter()
    con = duckdb.connect(args.warehouse)
    if args.tuned:
        for statement in load_connection_settings(args.warehouse, load_settings().duckdb_memory_limit):
            con.execute(statement)
    con.execute(f"CREATE TABLE floor ({', '.join(f'{q(c.name)} {DUCKDB_TYPES[c.type]}' for c in columns)})")
    rows = con.execute(
        f"INSERT INTO floor SELECT * FROM read_csv({paths}, header = true, auto_detect = false, columns = {{{spec}}}, "
        "delim = ',', quote = '\"', escape = '\"', compression = 'gzip', nullstr = [''], max_line_size = 10000000)"
    ).fetchone()[0]
    con.close()
    seconds = time.perf_counter() - started
    if rows != dataset.rows:
        raise RuntimeError(f"floor loaded {rows} rows, expected {dataset.rows}")
    _emit({"seconds": seconds, "rows": rows})


def measure_sensor_tick(landing_root: str, prefix: str, first_month: date) -> dict:
    """Seconds of one tick of the real `aws_cur_new_exports` sensor over a landing area (10,000 objects in the
    benchmark): its first tick, a full rescan that finds every month's folder, reads each month-level manifest and
    requests a run per month. One warm-up tick over an empty landing folder first pays Dagster's one-time setup of a
    sensor evaluation in a fresh process (a code server pays it once), so only the tick itself is timed."""
    import tempfile

    def tick(root: str):
        settings = load_settings({"FINOPS_LANDING_URL": root, "FINOPS_AWS_CUR_PREFIX": prefix,
                                  "FINOPS_START_MONTH": first_month.isoformat()})
        defs = build_definitions(settings)
        sensor_def = defs.get_sensor_def("aws_cur_new_exports")
        context = dg.build_sensor_context(cursor=None, resources={"landing": defs.resources["landing"]})
        started = time.perf_counter()
        result = sensor_def(context)
        return time.perf_counter() - started, len(result.run_requests or [])

    with tempfile.TemporaryDirectory() as empty:
        tick(empty)
    seconds, requests = tick(landing_root)
    return {"seconds": seconds, "manifests": requests}


def sensor(args) -> None:
    dataset = Dataset.load(args.dataset)
    report = measure_sensor_tick(dataset.sensor_landing, AWS_PREFIX, dataset.month_dates[0])
    if report["manifests"] != len(dataset.months):
        raise RuntimeError(f"sensor listing found {report['manifests']} manifests, expected {len(dataset.months)}")
    _emit({**report, "objects": dataset.sensor_objects})


STEPS = {f.__name__: f for f in (raw_inprocess, raw_multiprocess, other_clouds, marts, month, floor, sensor)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.workloads")
    parser.add_argument("step", choices=sorted(STEPS))
    parser.add_argument("--dataset", required=True, help="the dataset.json of the cached dataset")
    parser.add_argument("--warehouse", help="the DuckDB file of the floor")
    parser.add_argument("--tuned", action="store_true", help="the floor with the warehouse loads' connection settings")
    args = parser.parse_args(argv)
    STEPS[args.step](args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
