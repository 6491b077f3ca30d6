"""Benchmark: export sensor ticks over a landing area of ~10,000 objects (39 months of three sources).

    python bench/sensor_tick.py [--months 39] [--objects-per-month 256]

Builds the landing area in a temp folder, then times, per sensor: the first tick (a full rescan of every month), a bounded tick (recent months only, nothing
new) and a tick after a new CUR assembly of the current month. Data files are placeholders: sensors never read
them, only the manifests.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

import dagster as dg

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from finops_assets.definitions import build_definitions  # noqa: E402
from finops_assets.landing.resource import LandingResource  # noqa: E402
from finops_assets.settings import Settings  # noqa: E402
from finops_assets_tests.cur_exports import CurExport  # noqa: E402
from finops_assets_tests.focus_exports import FocusExport  # noqa: E402

SENSORS = ("aws_cur_new_exports", "azure_focus_new_exports", "gcp_billing_new_exports")


def months_back(count: int) -> list[date]:
    month = date.today().replace(day=1)
    months = []
    for _ in range(count):
        months.append(month)
        month = (month - timedelta(days=1)).replace(day=1)
    return sorted(months)


def write_landing(root: Path, months: list[date], per_month: int) -> int:
    """Per month: a CUR assembly with per_month/2 files, Azure daily runs with per_month/2 files, 2 GCP files."""
    for month in months:
        cur = CurExport(root, month, f"asm-{month:%Y%m}", parts=per_month // 2 - 2)
        for part in range(1, cur.parts + 1):
            path = cur.data_path(part)
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(b"x")
        body = json.dumps(cur.manifest()).encode()
        (cur.folder / cur.assembly_id / cur.manifest_path.name).write_bytes(body)
        cur.manifest_path.write_bytes(body)
        runs = max(1, (per_month // 2) // 5)
        for day in range(runs):
            run = FocusExport(root, month, f"run-{month:%Y%m}-{day:02d}", parts=4,
                              submitted=f"{month:%Y-%m}-{1 + day % 28:02d}T06:00:00.1234567Z")
            run.folder.mkdir(parents=True, exist_ok=True)
            for part in range(1, run.parts + 1):
                (run.folder / run.file_name(part)).write_bytes(b"x")
            run.manifest_path.write_text(json.dumps(run.manifest()))
        gcp = root / "gcp_billing" / f"invoice_month={month:%Y%m}"
        gcp.mkdir(parents=True, exist_ok=True)
        for part in range(2):
            (gcp / f"export-{part:03d}.jsonl.gz").write_bytes(b"x")
    return sum(1 for p in root.rglob("*") if p.is_file())


def tick(defs: dg.Definitions, name: str, landing: LandingResource, cursor: str | None) -> tuple[float, dg.SensorResult]:
    context = dg.build_sensor_context(cursor=cursor, resources={"landing": landing})
    started = time.perf_counter()
    result = defs.get_sensor_def(name)(context)
    return time.perf_counter() - started, result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--months", type=int, default=39)
    parser.add_argument("--objects-per-month", type=int, default=256)
    args = parser.parse_args()
    months = months_back(args.months)
    with tempfile.TemporaryDirectory() as tmp:
        local = Path(tmp) / "landing"
        count = write_landing(local, months, args.objects_per_month)
        settings = Settings(landing_url=str(local), duckdb_path=str(Path(tmp) / "w.duckdb"), start_month=months[0])
        landing = LandingResource(url=str(local))
        defs = build_definitions(settings)
        print(f"landing: {local} with {count} objects, {len(months)} months")
        # The first sensor evaluation in a process pays Dagster's one-time setup; a code server pays it once.
        warm_up, _ = tick(defs, SENSORS[-1], landing, None)
        print(f"first evaluation in the process (one-time warm-up) {warm_up:.2f} s")
        cursors = {}
        for name in SENSORS:
            full, first = tick(defs, name, landing, None)
            bounded, second = tick(defs, name, landing, first.cursor)
            cursors[name] = second.cursor
            print(f"{name:26s} full rescan {full:6.2f} s ({len(first.run_requests)} requests)   "
                  f"bounded tick {bounded:6.2f} s ({len(second.run_requests)} requests)")
        cur = CurExport(local, months[-1], "asm-new", parts=1)
        cur.data_path(1).parent.mkdir(parents=True, exist_ok=True)
        cur.data_path(1).write_bytes(b"x")
        cur.manifest_path.write_text(json.dumps(cur.manifest()))
        new, third = tick(defs, SENSORS[0], landing, cursors[SENSORS[0]])
        print(f"{SENSORS[0]:26s} tick with a new assembly {new:6.2f} s ({len(third.run_requests)} request)")


if __name__ == "__main__":
    main()
