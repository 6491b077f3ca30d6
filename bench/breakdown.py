"""Where a measured run's time went, from the run's own records: its Dagster event log (the run's start and end,
each step's start and end, the planned events written before the run starts) and the log of each dbt invocation it
made (dbt's JSON file log in the invocation's target folder: its first line, every node's start and end). Both carry
wall-clock timestamps of this machine, so the phases line up:

    before the run      definitions, the run's creation and its planned events (stored as one batch)
    each step           STEP_START -> STEP_SUCCESS; a dbt step further split into
        start           the handover to the run's warm dbt process, or a new dbt process's start and imports
                        (the step's start -> dbt's first log line)
        setup           dbt's project, profile, cached parse and first connection (-> the first node starts)
        nodes           models and tests (the first node's start -> the last node's end)
        exit            dbt's summary and exit, DuckDB's close (its checkpoint) and the step's last events
    between steps       Dagster between and around the steps inside the run
    after the run       the run's end -> the workload's clock stops
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from datetime import datetime
from pathlib import Path
from typing import Any

from dagster import DagsterEventType, EventLogEntry

from finops_assets.defs.dbt.assets import INVOCATION_FOLDER

PLANNED = (DagsterEventType.ASSET_MATERIALIZATION_PLANNED, DagsterEventType.ASSET_CHECK_EVALUATION_PLANNED)
RUN_END = (DagsterEventType.RUN_SUCCESS, DagsterEventType.RUN_FAILURE)


def _epoch(iso: str) -> float:
    return datetime.fromisoformat(iso.replace("Z", "+00:00")).timestamp()


def dbt_log_nodes(path: Path) -> dict[str, Any]:
    """The timeline of one dbt invocation from its JSON file log: its first line and each node's start and end."""
    first: float | None = None
    starts: dict[str, float] = {}
    nodes = []
    with open(path, encoding="utf-8") as log:
        for line in log:
            if not line.startswith("{"):
                continue
            event = json.loads(line)
            info = event["info"]
            at = _epoch(info["ts"])
            first = at if first is None else first
            if info["name"] not in ("NodeStart", "NodeFinished"):
                continue
            unique_id = event["data"]["node_info"]["unique_id"]
            if info["name"] == "NodeStart":
                starts[unique_id] = at
            elif unique_id in starts:
                nodes.append({"id": unique_id, "start": starts.pop(unique_id), "end": at})
    if first is None:
        raise ValueError(f"{path}: no JSON log line (is dbt's file log format json?)")
    return {"first_line": first, "nodes": nodes}


def dbt_phases(timeline: Mapping[str, Any], step_start: float, step_end: float) -> dict[str, Any]:
    """A dbt step split into start, setup, nodes and exit, with its models' times and its tests' total."""
    nodes = timeline["nodes"]
    first_line = timeline["first_line"]
    if not nodes:
        return {"start_s": first_line - step_start, "setup_s": step_end - first_line, "nodes_s": 0.0, "exit_s": 0.0,
                "models": {}, "models_thread_s": 0.0, "tests": 0, "tests_thread_s": 0.0}
    first_node = min(n["start"] for n in nodes)
    last_node = max(n["end"] for n in nodes)
    models = {n["id"].split(".")[-1]: n["end"] - n["start"] for n in nodes if n["id"].startswith(("model.", "seed."))}
    tests = [n["end"] - n["start"] for n in nodes if n["id"].startswith("test.")]
    return {
        "start_s": first_line - step_start,
        "setup_s": first_node - first_line,
        "nodes_s": last_node - first_node,
        "exit_s": step_end - last_node,
        "models": dict(sorted(models.items(), key=lambda item: -item[1])),
        "models_thread_s": sum(models.values()),
        "tests": len(tests),
        "tests_thread_s": sum(tests),
    }


def run_breakdown(records: Iterable[EventLogEntry], started: float, finished: float,
                  dbt_logs: Mapping[str, Path]) -> dict[str, Any]:
    """The phases of one run. `started`/`finished`: the workload's clock (epoch seconds) around the run, its definitions
    included; `dbt_logs`: the dbt log of each dbt step (by step key)."""
    run_start = run_end = None
    planned = events = 0
    step_start: dict[str, float] = {}
    step_end: dict[str, float] = {}
    for record in records:
        events += 1
        event = record.dagster_event
        if event is None:
            continue
        kind = event.event_type
        if kind == DagsterEventType.RUN_START:
            run_start = record.timestamp
        elif kind in RUN_END:
            run_end = record.timestamp
        elif kind in PLANNED and run_start is None:
            planned += 1
        elif kind == DagsterEventType.STEP_START:
            step_start[event.step_key] = record.timestamp
        elif kind in (DagsterEventType.STEP_SUCCESS, DagsterEventType.STEP_FAILURE):
            step_end[event.step_key] = record.timestamp
    if run_start is None or run_end is None:
        raise ValueError("the run has no start or end event")
    steps = {key: step_end[key] - start for key, start in sorted(step_start.items(), key=lambda item: item[1])
             if key in step_end}
    dbt = {key: dbt_phases(dbt_log_nodes(path), step_start[key], step_end[key])
           for key, path in dbt_logs.items() if key in steps}
    return {
        "before_run_s": run_start - started,
        "planned_events": planned,
        "events": events,
        "steps": steps,
        "dbt": dbt,
        "between_steps_s": (run_end - run_start) - sum(steps.values()),
        "after_run_s": finished - run_end,
    }


def invocation_logs(target_dir: Path, run_id: str) -> dict[str, Path]:
    """The dbt log of each dbt invocation of a run, by step: the target folders named by the project's
    INVOCATION_FOLDER (finops_assets/defs/dbt/assets.py); the newest folder wins if a step ran dbt twice."""
    logs: dict[str, Path] = {}
    for folder in sorted(Path(target_dir).iterdir(), key=lambda p: p.stat().st_mtime):
        match = INVOCATION_FOLDER.match(folder.name)
        if match and match["run"] == run_id[:7] and (folder / "dbt.log").exists():
            logs[match["step"]] = folder / "dbt.log"
    return logs
