"""Measuring one step of the benchmark: wall time and peak resident memory of a child process and all of its
descendants (sampled from /proc, so a multiprocess executor's step processes and DuckDB's threads count),
plus the small arithmetic of the report (median, ratios)."""

from __future__ import annotations

import json
import os
import resource
import statistics
import subprocess
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Mapping, Sequence

PROC = Path("/proc")
# Often enough for the load's sustained peaks, seldom enough that scanning /proc costs the 2-core machine ~2% of a core.
SAMPLE_SECONDS = 0.1


def rss_bytes_from_status(status_text: str) -> int:
    """`VmRSS:   123456 kB` of a /proc/<pid>/status text, in bytes (0 for a zombie, which has none)."""
    for line in status_text.splitlines():
        if line.startswith("VmRSS:"):
            value, unit = line.split()[1:3]
            if unit != "kB":
                raise ValueError(f"unexpected VmRSS unit {unit!r}")
            return int(value) * 1024
    return 0


def parent_pid_from_stat(stat_text: str) -> int:
    """The parent pid from a /proc/<pid>/stat text (the command name may hold spaces and parentheses)."""
    return int(stat_text[stat_text.rindex(")") + 2 :].split()[1])


def descendants(root: int, parents: Mapping[int, int]) -> set[int]:
    """`root` and every process whose chain of parents leads to it."""
    children: dict[int, list[int]] = {}
    for pid, parent in parents.items():
        children.setdefault(parent, []).append(pid)
    found, stack = set(), [root]
    while stack:
        pid = stack.pop()
        if pid not in found:
            found.add(pid)
            stack.extend(children.get(pid, ()))
    return found


def _read(path: Path) -> str | None:
    try:
        return path.read_text()
    except (FileNotFoundError, ProcessLookupError, PermissionError):
        return None  # the process ended between listing and reading


def tree_rss_bytes(root: int) -> int:
    parents = {}
    for entry in PROC.iterdir():
        if entry.name.isdigit() and (stat := _read(entry / "stat")):
            parents[int(entry.name)] = parent_pid_from_stat(stat)
    return sum(rss_bytes_from_status(_read(PROC / str(pid) / "status") or "") for pid in descendants(root, parents))


class PeakTreeRss:
    """Samples the summed RSS of a process tree in a thread until stopped; `peak` is the largest sum seen."""

    def __init__(self, root: int):
        self.root, self.peak = root, 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> "PeakTreeRss":
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, tree_rss_bytes(self.root))
            self._stop.wait(SAMPLE_SECONDS)


@dataclass
class Run:
    """One measured child process: its wall time, the peak RSS of its tree, and what it reported (its last
    stdout line, JSON, e.g. the seconds of its timed section without interpreter start-up)."""

    wall_s: float
    peak_rss_bytes: int
    report: dict = field(default_factory=dict)
    # CPU seconds (user + sys) of the child and the descendants it waited for: on a shared machine, contention
    # inflates wall times far more than the work done, so A/B comparisons read both.
    cpu_s: float = 0.0


class StepFailed(RuntimeError):
    pass


def run_measured(argv: Sequence[str], *, env: Mapping[str, str] | None = None, cwd: str | None = None,
                 log_path: Path | None = None, stdout_to_devnull: bool = False) -> Run:
    """Run `argv` to completion, timing it and sampling its tree's memory. stderr (and stdout unless it is
    discarded) go to `log_path`; the child's last stdout line, when JSON, becomes `Run.report`."""
    log = open(log_path, "ab") if log_path else subprocess.DEVNULL
    try:
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        started = time.perf_counter()
        process = subprocess.Popen(
            argv, env=dict(env) if env is not None else None, cwd=cwd,
            stdout=subprocess.DEVNULL if stdout_to_devnull else subprocess.PIPE, stderr=log,
        )
        with PeakTreeRss(process.pid) as sampler:
            out, _ = process.communicate()
        wall = time.perf_counter() - started
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
    finally:
        if log_path:
            log.close()
    text = (out or b"").decode(errors="replace")
    if log_path and text:
        with open(log_path, "a") as handle:
            handle.write(text)
    if process.returncode != 0:
        raise StepFailed(f"{' '.join(argv[:4])} ... exited with {process.returncode}; see {log_path}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return Run(wall_s=wall, peak_rss_bytes=sampler.peak, report=last_json_line(text), cpu_s=cpu)


def last_json_line(text: str) -> dict:
    for line in reversed(text.strip().splitlines()):
        if line.startswith("{"):
            return json.loads(line)
    return {}


def median(values: Iterable[float]) -> float:
    values = list(values)
    if not values:
        raise ValueError("median of no measurements")
    return statistics.median(values)


def ratio(numerator: float, denominator: float) -> float | None:
    """numerator / denominator, None when the denominator is not a positive measurement."""
    return numerator / denominator if denominator and denominator > 0 else None


def machine_cores() -> int:
    return len(os.sched_getaffinity(0))


def machine_memory_bytes(meminfo_text: str | None = None) -> int:
    text = meminfo_text if meminfo_text is not None else (PROC / "meminfo").read_text()
    for line in text.splitlines():
        if line.startswith("MemTotal:"):
            return int(line.split()[1]) * 1024
    raise ValueError("no MemTotal in /proc/meminfo")
