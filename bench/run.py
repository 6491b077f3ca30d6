"""`make bench`: generate (or reuse) the CUR history, run every measurement in one invocation so their ratios are
comparable, and write bench/RESULTS.md and bench/results.json.

Each measurement is a child process (bench/workloads.py, `gzip -dc`, or bench/dlt_peer.py in its own virtualenv),
timed and sampled for the peak RSS of its whole process tree; the figure reported is the median of
`--repeats` runs (the dbt build of the marts runs once, as the issue asks). Every run gets fresh warehouse files
and a fresh DAGSTER_HOME under the cache folder, removed afterwards except the one the marts are built on.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from bench.generate import Dataset, ensure_dataset
from bench.measure import (
    Run,
    machine_cores,
    machine_memory_bytes,
    median,
    ratio,
    run_measured,
)
from bench.report import Targets, render_markdown
from finops_assets.instance_storage import write_instance_yaml

BENCH_DIR = Path(__file__).resolve().parent
REPO = BENCH_DIR.parent


@dataclass
class Step:
    """The runs of one measurement."""

    name: str
    runs: list[Run] = field(default_factory=list)

    def seconds(self) -> float:
        """Median of the timed sections (the process wall time when the child reports none)."""
        return median(r.report.get("seconds", r.wall_s) for r in self.runs)

    def wall(self) -> float:
        return median(r.wall_s for r in self.runs)

    def peak_rss(self) -> int:
        return max(r.peak_rss_bytes for r in self.runs)

    def median_run(self) -> Run:
        """The run whose timed section is the median (the lower middle of an even count)."""
        ordered = sorted(self.runs, key=lambda r: r.report.get("seconds", r.wall_s))
        return ordered[(len(ordered) - 1) // 2]

    def summary(self) -> dict:
        return {"seconds": self.seconds(), "process_wall_s": self.wall(), "peak_rss_bytes": self.peak_rss(),
                "runs": [{"seconds": r.report.get("seconds", r.wall_s), "process_wall_s": r.wall_s,
                          "process_cpu_s": r.cpu_s, "peak_rss_bytes": r.peak_rss_bytes} for r in self.runs]}


class Bench:
    def __init__(self, dataset: Dataset, dataset_json: Path, work: Path, logs: Path):
        self.dataset, self.dataset_json, self.work, self.logs = dataset, dataset_json, work, logs
        self.python = sys.executable

    def env(self, folder: Path) -> dict[str, str]:
        """The run's configuration, through the FINOPS_* contract: its own warehouse file and Dagster instance."""
        home = folder / "dagster_home"
        home.mkdir(parents=True, exist_ok=True)
        # The project's local instance (dagster.yaml's storage: Dagster's SQLite files, event batches in one
        # transaction), telemetry off.
        write_instance_yaml(home)
        return {
            **os.environ,
            "FINOPS_ENV": "local",
            "FINOPS_LANDING_URL": self.dataset.landing,
            "FINOPS_DUCKDB_PATH": str(folder / "warehouse.duckdb"),  # absolute: dbt runs in its project folder
            "FINOPS_START_MONTH": self.dataset.months[0],
            "DAGSTER_HOME": str(home),
            "PYTHONPATH": str(REPO),
        }

    def workload(self, step: str, folder: Path, *extra: str) -> Run:
        log(f"  {step} ...")
        run = run_measured(
            [self.python, "-m", "bench.workloads", step, "--dataset", str(self.dataset_json), *extra],
            env=self.env(folder), cwd=str(REPO), log_path=self.logs / f"{step}.log",
        )
        log(f"  {step}: {run.report.get('seconds', run.wall_s):.2f} s (process {run.wall_s:.2f} s, "
            f"CPU {run.cpu_s:.2f} s, load average {os.getloadavg()[0]:.1f}, "
            f"peak RSS {run.peak_rss_bytes / 2**20:,.0f} MiB)")
        return run

    def gzip_floor(self) -> Run:
        log("  gzip -dc ...")
        run = run_measured(["gzip", "-dc", *self.dataset.data_files], stdout_to_devnull=True,
                           log_path=self.logs / "gzip.log")
        log(f"  gzip -dc: {run.wall_s:.2f} s")
        return run

    def dlt_peer(self, dlt_python: Path, folder: Path) -> Run:
        """dlt on the first month (it is ~100x slower than a native load; rows per second is what compares)."""
        from finops_assets.defs.aws_cur.manifest import parse_cur_manifest
        from finops_assets.defs.aws_cur.schema import warehouse_columns
        from finops_assets.warehouse.duckdb_warehouse import DUCKDB_TYPES

        manifest = parse_cur_manifest((Path(self.dataset.root) / "history-manifest.json").read_bytes(),
                                      self.dataset.history_manifest)
        columns = warehouse_columns(manifest.columns, manifest.key)
        types_path = folder / "types.json"
        folder.mkdir(parents=True, exist_ok=True)
        types_path.write_text(json.dumps({c.source_name: DUCKDB_TYPES[c.type] for c in columns}))
        month_folder = Path(self.dataset.data_files[0]).parent
        log("  dlt ...")
        run = run_measured(
            [str(dlt_python), str(BENCH_DIR / "dlt_peer.py"), "--folder", str(month_folder), "--types", str(types_path),
             "--database", str(folder / "dlt.duckdb"), "--pipelines-dir", str(folder / "pipelines")],
            env={**os.environ, "RUNTIME__LOG_LEVEL": "WARNING", "DLT_DATA_DIR": str(folder / "dlt_data")},
            log_path=self.logs / "dlt.log",
        )
        log(f"  dlt: {run.report['rows']:,} rows in {run.report['seconds']:.2f} s")
        return run


def log(message: str) -> None:
    print(f"[bench {datetime.now(timezone.utc):%H:%M:%S}] {message}", flush=True)


def fresh(folder: Path) -> Path:
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    return folder


FULL_SCALE_ROWS, FULL_SCALE_MONTHS = 10_000_000, 39


def is_full_scale(rows: int, months: int) -> bool:
    """The issue's scale: 39 months, 10,000,000 rows split evenly over them (10,000,000 // 39 a month, so 9,999,990)."""
    return months >= FULL_SCALE_MONTHS and rows >= (FULL_SCALE_ROWS // FULL_SCALE_MONTHS) * months


def run_bench(args: argparse.Namespace) -> dict:
    cache = Path(args.cache).resolve()
    dataset = ensure_dataset(cache, months=args.months, rows=args.rows, parts=args.parts, log=log)
    dataset_json = Path(dataset.root) / "dataset.json"
    work = fresh(cache / "work")
    logs = fresh(cache / "logs")
    bench = Bench(dataset, dataset_json, work, logs)
    steps = {name: Step(name) for name in
             ("floor_duckdb", "floor_duckdb_tuned", "gzip_floor", "raw_inprocess", "raw_multiprocess", "marts", "restated_month",
              "sensor_tick", "dlt")}
    try:
        dataset.use_history()
        for repeat in range(args.repeats):
            log(f"repeat {repeat + 1}/{args.repeats}")
            floor_dir = fresh(work / "floor")
            steps["floor_duckdb"].runs.append(
                bench.workload("floor", floor_dir, "--warehouse", str(floor_dir / "floor.duckdb")))
            shutil.rmtree(floor_dir)
            floor_dir = fresh(work / "floor")
            steps["floor_duckdb_tuned"].runs.append(
                bench.workload("floor", floor_dir, "--warehouse", str(floor_dir / "floor.duckdb"), "--tuned"))
            shutil.rmtree(floor_dir)
            steps["gzip_floor"].runs.append(bench.gzip_floor())
            inproc = fresh(work / f"inprocess-{repeat}")
            steps["raw_inprocess"].runs.append(bench.workload("raw_inprocess", inproc))
            if repeat:
                shutil.rmtree(inproc)  # the first repeat's warehouse is kept for the marts
            multi = fresh(work / "multiprocess")
            steps["raw_multiprocess"].runs.append(bench.workload("raw_multiprocess", multi))
            shutil.rmtree(multi)
            steps["sensor_tick"].runs.append(bench.workload("sensor", work))

        warehouse = work / "inprocess-0"
        log("marts (one run) on the full history")
        bench.workload("other_clouds", warehouse)
        steps["marts"].runs.append(bench.workload("marts", warehouse))
        for repeat in range(args.repeats):
            if repeat:
                log("  restoring the original assembly of the restated month (not timed)")
                dataset.use_history()
                bench.workload("month", warehouse)
            dataset.use_restatement()
            steps["restated_month"].runs.append(bench.workload("month", warehouse))
        dataset.use_history()

        dlt_python = Path(args.dlt_python)
        for repeat in range(args.repeats if args.dlt_repeats is None else args.dlt_repeats):
            steps["dlt"].runs.append(bench.dlt_peer(dlt_python, fresh(work / "dlt")))
    finally:
        dataset.use_history()
    shutil.rmtree(work)
    return results(dataset, steps, args)


def results(dataset: Dataset, steps: dict[str, Step], args: argparse.Namespace) -> dict:
    executor_steps = {"in_process": steps["raw_inprocess"], "multiprocess": steps["raw_multiprocess"]}
    executors = {name: step.seconds() for name, step in executor_steps.items()}
    best = min(executors, key=executors.get)
    raw = executors[best]
    dlt_rows = int(median(r.report["rows"] for r in steps["dlt"].runs))
    dlt_s = steps["dlt"].seconds()
    ours_rows_per_s = dataset.rows / raw
    dlt_rows_per_s = dlt_rows / dlt_s
    ours_steps = ("raw_inprocess", "raw_multiprocess", "marts", "restated_month")
    return {
        "scale": "full" if is_full_scale(dataset.rows, len(dataset.months)) else "reduced",
        "measured_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "rows": dataset.rows,
        "months": len(dataset.months),
        "rows_per_month": dataset.rows_per_month,
        "parts_per_month": dataset.parts_per_month,
        "data_bytes": dataset.bytes,
        "repeats": args.repeats,
        "raw_full_history_s": raw,
        "raw_best_executor": best,
        "raw_in_process_s": executors["in_process"],
        "raw_multiprocess_s": executors["multiprocess"],
        "raw_in_process_warehouse_s": median(r.report["load_seconds"] for r in steps["raw_inprocess"].runs),
        "raw_in_process_checks_s": median(r.report["checks_seconds"] for r in steps["raw_inprocess"].runs),
        "raw_per_month_s": raw / len(dataset.months),
        "floor_duckdb_s": steps["floor_duckdb"].seconds(),
        # The same INSERT on a connection with our loads' settings (no insertion order, memory limit): the stricter one.
        "floor_duckdb_tuned_s": steps["floor_duckdb_tuned"].seconds(),
        "gzip_floor_s": steps["gzip_floor"].seconds(),
        "dlt_s": dlt_s,
        "dlt_rows": dlt_rows,
        "dlt_rows_per_s": dlt_rows_per_s,
        "ours_rows_per_s": ours_rows_per_s,
        "marts_s": steps["marts"].seconds(),
        "raw_plus_marts_s": raw + steps["marts"].seconds(),
        "restated_month_s": steps["restated_month"].seconds(),
        "restated_month_raw_s": median(r.report["raw_seconds"] for r in steps["restated_month"].runs),
        # Each Dagster step's own seconds (raw load, raw checks, dbt monthly models, dbt dimensions), last run.
        "restated_month_steps_s": steps["restated_month"].runs[-1].report.get("steps", {}),
        "marts_steps_s": steps["marts"].runs[-1].report.get("steps", {}),
        # Where the time went (bench/breakdown.py): the median restated-month run and the marts run.
        "restated_month_breakdown": steps["restated_month"].median_run().report.get("breakdown"),
        "marts_breakdown": steps["marts"].median_run().report.get("breakdown"),
        "restated_month_rows": dataset.restated_rows,
        # The memory target is the load's (streaming, whatever the month size): the best executor's process tree.
        "peak_rss_bytes": executor_steps[best].peak_rss(),
        "peak_rss_all_steps_bytes": max(steps[s].peak_rss() for s in ours_steps),
        "sensor_tick_10k_s": steps["sensor_tick"].seconds(),
        "sensor_objects": dataset.sensor_objects,
        "ratio_ours_over_floor": ratio(raw, steps["floor_duckdb"].seconds()),
        "ratio_ours_over_floor_tuned": ratio(raw, steps["floor_duckdb_tuned"].seconds()),
        "ratio_ours_over_gzip": ratio(raw, steps["gzip_floor"].seconds()),
        "speedup_over_dlt": ratio(ours_rows_per_s, dlt_rows_per_s),
        "generator_rows_per_s": dataset.rows / dataset.generate_seconds,
        "generator_cpu_s": dataset.generate_cpu_seconds,
        "generator_rows_per_cpu_s": dataset.rows / dataset.generate_cpu_seconds,
        "generate_s": dataset.generate_seconds,
        "cores": machine_cores(),
        "memory_bytes": machine_memory_bytes(),
        "load_average_at_end": os.getloadavg()[0],
        "steps": {name: step.summary() for name, step in steps.items()},
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__.splitlines()[0])
    parser.add_argument("--months", type=int, default=39)
    parser.add_argument("--rows", type=int, default=10_000_000, help="AWS CUR rows over the whole history")
    parser.add_argument("--parts", type=int, default=4, help="CSV.gz parts per month")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--dlt-repeats", type=int, default=None,
                        help="runs of the dlt peer (default: --repeats; it loads one month)")
    parser.add_argument("--cache", default=str(BENCH_DIR / ".cache"))
    parser.add_argument("--out", default=str(BENCH_DIR), help="folder of RESULTS.md and results.json")
    parser.add_argument("--dlt-python", default=str(BENCH_DIR / ".venv-dlt" / "bin" / "python"))
    args = parser.parse_args(argv)
    started, load_at_start = time.perf_counter(), os.getloadavg()[0]
    data = run_bench(args)
    data["load_average_at_start"] = load_at_start
    data["bench_wall_s"] = time.perf_counter() - started
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / "results.json").write_text(json.dumps(data, indent=2) + "\n")
    (out / "RESULTS.md").write_text(render_markdown(data, Targets()))
    log(f"wrote {out / 'RESULTS.md'} and {out / 'results.json'} in {data['bench_wall_s']:.0f} s")
    print((out / "RESULTS.md").read_text())
    return 0


if __name__ == "__main__":
    sys.exit(main())
