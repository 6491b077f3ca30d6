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
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from pathlib import Path

import dagster as dg
import duckdb

from finops_assets.definitions import build_definitions
from finops_assets.defs.aws_cur.manifest import parse_cur_manifest
from finops_assets.defs.aws_cur.schema import warehouse_columns
from finops_assets.defs.dbt.runs import build_models
from finops_assets.landing import LocalLanding
from finops_assets.settings import load_settings
from finops_assets.warehouse.duckdb_warehouse import DUCKDB_TYPES
from finops_assets.warehouse.identifiers import quote_duckdb as q
from finops_assets.warehouse.identifiers import sql_string

from bench.generate import AWS_PREFIX, Dataset

RAW_ASSET = "aws_cur_raw"


def _emit(report: dict) -> None:
    print(json.dumps(report), flush=True)


def _materialize_months(asset: str, months: list[date], instance: dg.DagsterInstance) -> list[dict]:
    """One in-process run per month, as a backfill of a partitioned asset without a single-run policy does."""
    # The resolved asset carries the environment's resources (build_resources), as in the code location.
    assets_def = build_definitions(load_settings()).resolve_assets_def(asset)
    runs = []
    for month in months:
        started = time.perf_counter()
        result = dg.materialize([assets_def], partition_key=month.isoformat(), instance=instance)
        (event,) = result.get_asset_materialization_events()
        metadata = event.materialization.metadata
        runs.append({"month": month.isoformat(), "seconds": time.perf_counter() - started,
                     "rows": metadata["dagster/row_count"].value, "skipped": metadata["skipped"].value,
                     "load_seconds": metadata["load_seconds"].value})
    return runs


def raw_inprocess(args) -> None:
    """Every month of aws_cur_raw, one run per month, in this process (the in-process executor)."""
    dataset = Dataset.load(args.dataset)
    started = time.perf_counter()
    with dg.DagsterInstance.get() as instance:
        runs = _materialize_months(RAW_ASSET, dataset.month_dates, instance)
    seconds = time.perf_counter() - started
    _check_loaded(runs, dataset.rows)
    # load_seconds: inside the warehouse load (DuckDB); the rest of each run is Dagster's.
    _emit({"seconds": seconds, "rows": sum(r["rows"] for r in runs), "load_seconds": sum(r["load_seconds"] for r in runs),
           "months": runs})


def raw_multiprocess(args) -> None:
    """Every month of aws_cur_raw through `dagster asset materialize` (the multiprocess executor: each run's step
    in a process of its own), `--workers` runs at a time. The warehouse is one DuckDB file, which has a single
    writer: concurrent runs wait for its lock (duckdb_warehouse.connect), so months load one after another
    while the next run's start-up overlaps."""
    dataset = Dataset.load(args.dataset)
    dagster = str(Path(sys.executable).with_name("dagster"))

    def one(month: str) -> dict:
        started = time.perf_counter()
        completed = subprocess.run(
            [dagster, "asset", "materialize", "-m", "finops_assets.definitions", "--select", RAW_ASSET,
             "--partition", month],
            capture_output=True, text=True,
        )
        if completed.returncode != 0:
            sys.stderr.write(completed.stdout + completed.stderr)
            raise RuntimeError(f"dagster asset materialize {month} exited with {completed.returncode}")
        return {"month": month, "seconds": time.perf_counter() - started}

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=args.workers) as pool:
        runs = list(pool.map(one, dataset.months))
    seconds = time.perf_counter() - started
    rows = _table_rows(load_settings())
    if rows != dataset.rows:
        raise RuntimeError(f"multiprocess load holds {rows} rows, expected {dataset.rows}")
    _emit({"seconds": seconds, "rows": rows, "workers": args.workers, "months": runs})


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
            _materialize_months(asset, dataset.month_dates, instance)
    _emit({})


def marts(args) -> None:
    """The dbt build of the cost marts over every month: one run, the monthly models in one dbt invocation
    over the whole range (a single-run backfill), then the dimensions; dbt tests run as asset checks."""
    dataset = Dataset.load(args.dataset)
    started = time.perf_counter()
    with dg.DagsterInstance.get() as instance:
        result = build_models(build_definitions(load_settings()), dataset.month_dates, instance)
    seconds = time.perf_counter() - started
    checks = [e for e in result.all_events if e.event_type_value == "ASSET_CHECK_EVALUATION"]
    failed = [e.event_specific_data.check_name for e in checks if not e.event_specific_data.passed]
    if not result.success or failed:
        raise RuntimeError(f"dbt build failed (run {result.run_id}); failed checks: {failed}")
    _emit({"seconds": seconds, "checks": len(checks)})


def month(args) -> None:
    """One month end to end: its raw load (the restated assembly replaces its predecessor), then its marts
    (the monthly models for that month only, and the dimensions)."""
    dataset = Dataset.load(args.dataset)
    restated = date.fromisoformat(dataset.restated_month)
    started = time.perf_counter()
    with dg.DagsterInstance.get() as instance:
        (run,) = _materialize_months(RAW_ASSET, [restated], instance)
        raw_seconds = time.perf_counter() - started
        result = build_models(build_definitions(load_settings()), [restated], instance)
    seconds = time.perf_counter() - started
    if not result.success:
        raise RuntimeError(f"dbt build of {restated:%Y-%m} failed (run {result.run_id})")
    if run["skipped"]:
        raise RuntimeError(f"{restated:%Y-%m} was already loaded: nothing was restated")
    _emit({"seconds": seconds, "raw_seconds": raw_seconds, "marts_seconds": seconds - raw_seconds,
           "rows": run["rows"]})


def floor(args) -> None:
    """The floor: one bare DuckDB INSERT ... SELECT * FROM read_csv of every history file into a fresh table, with
    the same explicit column types and CSV dialect as the warehouse load, and no Dagster, tracking or checks."""
    dataset = Dataset.load(args.dataset)
    # Every month of the history has the same columns; the newest month's original manifest names them.
    manifest = parse_cur_manifest((Path(dataset.root) / "history-manifest.json").read_bytes(), dataset.history_manifest)
    columns = warehouse_columns(manifest.columns, manifest.key)
    spec = ", ".join(f"{sql_string(c.name)}: '{DUCKDB_TYPES[c.type]}'" for c in columns)
    paths = "[" + ", ".join(sql_string(p) for p in dataset.data_files) + "]"
    started = time.perf_counter()
    con = duckdb.connect(args.warehouse)
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
    parser.add_argument("--workers", type=int, default=2, help="concurrent runs of raw_multiprocess")
    args = parser.parse_args(argv)
    STEPS[args.step](args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
