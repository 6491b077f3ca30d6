"""dbt started ahead of time (finops_assets/dbt_warm.py): a run's first dbt invocation runs in the warm process its
dbt resource started, with the same arguments, folder, environment, output and exit code as `dbt`; anything else
runs dbt in `finops-dbt`'s own process; signals reach dbt; no warm process outlives its run."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from finops_assets.dbt_warm import HANDOFF_FILE, WARM_COMMAND
from finops_assets.defs.dbt.project import dbt_executable, finops_dbt_project
from finops_assets.defs.dbt.resource import FinopsDbtCliResource, WarmDbt, supports_warm_start

FINOPS_DBT = Path(sys.executable).with_name(WARM_COMMAND)
PROJECT_DIR = Path(finops_dbt_project().project_dir)


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie (exited, not yet reaped by this test process) is not running dbt.
    try:
        return Path(f"/proc/{pid}/stat").read_text().split(") ")[1][0] != "Z"
    except (FileNotFoundError, IndexError):
        return False


def wait_until(predicate, timeout_s: float = 20.0) -> bool:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return predicate()


def json_log_pids(output: str) -> set[int]:
    return {json.loads(line)["info"]["pid"] for line in output.splitlines() if line.startswith("{")}


def seed_parse(target: Path) -> Path:
    """The project's parse (make install's `dbt parse`) in `target`, so that dbt parses nothing again."""
    target.mkdir(parents=True, exist_ok=True)
    parsed = PROJECT_DIR / "target" / "partial_parse.msgpack"
    if parsed.exists():
        (target / "partial_parse.msgpack").write_bytes(parsed.read_bytes())
    return target


def finops_dbt(args: list[str], target: Path, cwd: Path = PROJECT_DIR, **kwargs) -> subprocess.CompletedProcess:
    seed_parse(target)
    env = {**os.environ, "DBT_TARGET_PATH": str(target), "DBT_LOG_PATH": str(target), "DBT_LOG_FORMAT": "json",
           "DBT_SEND_ANONYMOUS_USAGE_STATS": "false", "DBT_PROFILES_DIR": str(PROJECT_DIR)}
    return subprocess.run([str(FINOPS_DBT), *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=120,
                          **kwargs)


LS = ["ls", "--select", "fact_cost_daily", "--resource-type", "model", "--output", "name"]


def listed(output: str) -> list[str]:
    return [json.loads(line)["info"]["msg"] for line in output.splitlines()
            if line.startswith("{") and json.loads(line)["info"]["name"] == "PrintEvent"]


def test_the_project_runs_dbt_through_finops_dbt(monkeypatch):
    assert Path(dbt_executable()) == FINOPS_DBT
    assert supports_warm_start(dbt_executable())
    assert not supports_warm_start(str(Path(sys.executable).with_name("dbt")))
    monkeypatch.delattr(socket, "send_fds")  # a platform without fd passing (Windows): no warm process
    assert not supports_warm_start(dbt_executable())


def test_without_a_warm_process_finops_dbt_runs_dbt_in_its_own_process(tmp_path):
    cold = finops_dbt(LS, tmp_path / "target")
    assert cold.returncode == 0, cold.stderr
    assert listed(cold.stdout) == ["fact_cost_daily"]
    # A handoff file naming a socket nobody listens on: dbt runs here all the same.
    (tmp_path / "gone").mkdir()
    (tmp_path / "gone" / HANDOFF_FILE).write_text(str(tmp_path / "no.sock"))
    stale = finops_dbt(LS, tmp_path / "gone")
    assert stale.returncode == 0, stale.stderr
    assert listed(stale.stdout) == ["fact_cost_daily"]


def test_a_warm_process_runs_the_invocation_with_its_arguments_folder_environment_and_output(tmp_path):
    warm = WarmDbt(preload=["dbt.adapters.duckdb"])
    try:
        target = tmp_path / "target"
        assert warm.claim(target)
        assert not warm.claim(tmp_path / "other")  # one invocation per warm process
        result = finops_dbt(LS, target)
        assert result.returncode == 0, result.stderr
        assert listed(result.stdout) == ["fact_cost_daily"]
        # dbt's JSON log lines on the invocation's stdout come from the warm process.
        assert json_log_pids(result.stdout) == {warm.process.pid}
        # Its log file went to the invocation's DBT_LOG_PATH, as `dbt` writes it.
        assert json_log_pids((target / "dbt.log").read_text()) == {warm.process.pid}
        assert warm.process.wait(20) == 0  # served once, then gone
    finally:
        warm.stop()
    assert not Path(warm.folder).exists()


def test_dbts_exit_code_comes_back_through_finops_dbt(tmp_path):
    cold = finops_dbt(["ls", "--no-such-option"], tmp_path / "cold")
    warm = WarmDbt()
    try:
        assert warm.claim(tmp_path / "warm")
        handed = finops_dbt(["ls", "--no-such-option"], tmp_path / "warm")
        assert warm.process.wait(20) == cold.returncode
    finally:
        warm.stop()
    assert cold.returncode == handed.returncode == 2  # click's usage error
    assert "No such option" in cold.stderr and "No such option" in handed.stderr


@pytest.fixture
def slow_project(tmp_path) -> Path:
    """A dbt project whose one operation runs for hours (a Jinja loop: dbt's Python, interruptible at any point)."""
    project = tmp_path / "slow"
    (project / "macros").mkdir(parents=True)
    (project / "dbt_project.yml").write_text("name: slow\nversion: '1.0'\nprofile: slow\nconfig-version: 2\n")
    (project / "profiles.yml").write_text(
        f"slow:\n  target: local\n  outputs:\n    local:\n      type: duckdb\n      path: {tmp_path / 'slow.duckdb'}\n"
        "      threads: 1\n")
    (project / "macros" / "slow.sql").write_text(
        "{% macro slow() %}{{ log('slow loop starts', info=True) }}"
        "{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}{% endmacro %}\n")
    return project


def start_slow_operation(project: Path, target: Path) -> subprocess.Popen:
    env = {**os.environ, "DBT_TARGET_PATH": str(target), "DBT_LOG_PATH": str(target), "DBT_LOG_FORMAT": "json",
           "DBT_SEND_ANONYMOUS_USAGE_STATS": "false", "DBT_PROFILES_DIR": str(project)}
    return subprocess.Popen([str(FINOPS_DBT), "run-operation", "slow"], cwd=project, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def wait_for_query(process: subprocess.Popen) -> list[str]:
    """Lines of dbt's output up to the one saying the slow loop starts (the process is killed after 120 s)."""
    guard = threading.Timer(120, process.kill)
    guard.start()
    lines = []
    try:
        for line in process.stdout:
            lines.append(line)
            if line.startswith("{") and json.loads(line)["info"]["msg"] == "slow loop starts":
                time.sleep(0.5)  # into the loop
                return lines
    finally:
        guard.cancel()
    raise AssertionError(f"dbt ended before its query: {lines[-5:]}")


def test_sigint_to_finops_dbt_interrupts_dbt_in_the_warm_process(slow_project, tmp_path):
    warm = WarmDbt(preload=["dbt.adapters.duckdb"])
    try:
        assert warm.claim(tmp_path / "target")
        process = start_slow_operation(slow_project, tmp_path / "target")
        lines = wait_for_query(process)
        assert json_log_pids("".join(lines)) == {warm.process.pid}
        started = time.monotonic()
        process.send_signal(signal.SIGINT)  # what dagster-dbt sends to interrupt dbt
        rest, _ = process.communicate(timeout=60)
        assert time.monotonic() - started < 30
        assert process.returncode not in (0, None)
        assert warm.process.wait(20) == process.returncode
    finally:
        warm.stop()


def test_a_killed_finops_dbt_takes_the_warm_process_with_it(slow_project, tmp_path):
    warm = WarmDbt(preload=["dbt.adapters.duckdb"])
    try:
        assert warm.claim(tmp_path / "target")
        process = start_slow_operation(slow_project, tmp_path / "target")
        wait_for_query(process)
        process.kill()
        process.wait(10)
        assert wait_until(lambda: not alive(warm.process.pid)), "the warm dbt process outlived finops-dbt"
    finally:
        warm.stop()


def test_an_unused_warm_process_ends_with_its_resource(tmp_path):
    warm = WarmDbt()
    pid = warm.process.pid
    assert alive(pid)
    warm.stop()
    assert not alive(pid)
    assert not Path(warm.folder).exists()


def test_a_warm_process_that_is_gone_is_not_handed_an_invocation(tmp_path):
    warm = WarmDbt()
    try:
        warm.process.kill()
        warm.process.wait(10)
        assert not warm.claim(tmp_path / "target")
        assert not (tmp_path / "target" / HANDOFF_FILE).exists()
    finally:
        warm.stop()


def test_a_runs_first_dbt_invocation_runs_in_the_warm_process_the_next_in_its_own(tmp_path):
    """Through Dagster: the resource starts the warm process when the run sets up its resources and ends it at
    teardown; the run's first invocation runs there, a second one (no warm process left) in its own process."""
    seen: dict[str, object] = {}

    @dg.asset
    def two_listings(dbt: FinopsDbtCliResource) -> None:
        seen["warm_pid"] = dbt._warm.process.pid
        for name in ("first", "second"):
            invocation = dbt.cli(LS, target_path=seed_parse(tmp_path / name), raise_on_error=True)
            events = list(invocation.stream_raw_events())
            seen[name] = {event.raw_event["info"]["pid"] for event in events}
            seen[f"{name}_names"] = [e.raw_event["info"]["msg"] for e in events if e.raw_event["info"]["name"] == "PrintEvent"]

    resource = FinopsDbtCliResource(project_dir=finops_dbt_project(), dbt_executable=dbt_executable(),
                                    warm_preload=["dbt.adapters.duckdb"])
    result = dg.materialize([two_listings], resources={"dbt": resource}, instance=dg.DagsterInstance.ephemeral())
    assert result.success
    assert seen["first"] == {seen["warm_pid"]}
    assert seen["second"] and seen["second"] != {seen["warm_pid"]}
    assert seen["first_names"] == seen["second_names"] == ["fact_cost_daily"]
    assert (tmp_path / "first" / HANDOFF_FILE).exists() and not (tmp_path / "second" / HANDOFF_FILE).exists()
    assert not alive(seen["warm_pid"])


def test_warm_start_off_runs_every_invocation_in_its_own_process(tmp_path):
    seen = {}

    @dg.asset
    def listing(dbt: FinopsDbtCliResource) -> None:
        seen["warm"] = dbt._warm
        invocation = dbt.cli(LS, target_path=seed_parse(tmp_path / "target"), raise_on_error=True)
        invocation.wait()

    resource = FinopsDbtCliResource(project_dir=finops_dbt_project(), dbt_executable=dbt_executable(), warm_start=False)
    assert dg.materialize([listing], resources={"dbt": resource}, instance=dg.DagsterInstance.ephemeral()).success
    assert seen["warm"] is None
    assert not (tmp_path / "target" / HANDOFF_FILE).exists()


def test_the_warm_process_ends_with_dbts_log_written_and_the_warehouse_closed(slow_project, tmp_path):
    """It skips the interpreter's teardown but not what dbt's exit does: dbt.log ends with dbt's last line, and the
    DuckDB file is closed and checkpointed (no WAL left, another process opens it for writing at once)."""
    (slow_project / "models").mkdir()
    (slow_project / "models" / "one.sql").write_text("{{ config(materialized='table') }}\nselect 1 as x\n")
    warm = WarmDbt(preload=["dbt.adapters.duckdb"])
    try:
        target = tmp_path / "target"
        assert warm.claim(target)
        env = {**os.environ, "DBT_TARGET_PATH": str(target), "DBT_LOG_PATH": str(target), "DBT_LOG_FORMAT": "json",
               "DBT_SEND_ANONYMOUS_USAGE_STATS": "false", "DBT_PROFILES_DIR": str(slow_project)}
        result = subprocess.run([str(FINOPS_DBT), "build"], cwd=slow_project, env=env, capture_output=True, text=True,
                                timeout=120)
        assert result.returncode == 0, result.stdout[-2000:]
        assert json_log_pids(result.stdout) == {warm.process.pid}
        assert warm.process.wait(20) == 0
    finally:
        warm.stop()
    last = json.loads((target / "dbt.log").read_text().splitlines()[-1])
    assert last["info"]["name"] in ("CommandCompleted", "FlushEvents", "FlushEventsFailure")
    database = tmp_path / "slow.duckdb"
    assert not Path(f"{database}.wal").exists()
    with duckdb.connect(str(database)) as con:
        assert con.execute("select x from one").fetchall() == [(1,)]
