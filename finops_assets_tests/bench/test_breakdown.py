"""bench/breakdown.py: a run's phases from its Dagster event records and its dbt invocation's log."""

import json
import time
from datetime import datetime, timezone

import dagster as dg
import pytest

from bench.breakdown import dbt_log_nodes, invocation_logs, run_breakdown
from bench.report import Targets, breakdown_lines, render_markdown

from .test_report import results


def _line(name: str, unique_id: str | None = None) -> str:
    """One line of dbt's JSON file log, stamped now (dbt writes UTC with a Z)."""
    data = {"node_info": {"unique_id": unique_id}} if unique_id else {}
    ts = datetime.now(timezone.utc).isoformat().replace("+00:00", "Z")
    return json.dumps({"info": {"name": name, "ts": ts, "invocation_id": "x"}, "data": data}) + "\n"


def test_a_run_splits_into_phases_that_add_up_to_its_time(tmp_path):
    """A real run: a load step, then a step writing a dbt-like log (start-up, a model and a test on two threads, an
    exit) while it sleeps through each phase."""
    log = tmp_path / "finops_dbt_costs-abcdef0-1234567" / "dbt.log"
    log.parent.mkdir()

    @dg.asset
    def load():
        time.sleep(0.2)

    @dg.asset(deps=[load])
    def models():
        time.sleep(0.15)  # the dbt process's start-up, before its first log line
        with open(log, "w") as out:
            out.write("plain text lines (dbt's text format) are skipped\n")
            out.write(_line("MainReportVersion"))
            time.sleep(0.1)  # parse
            out.write(_line("NodeStart", "model.finops.fact_cost_hourly"))
            out.write(_line("NodeStart", "test.finops.unique_grain.abc"))
            time.sleep(0.1)
            out.write(_line("NodeFinished", "test.finops.unique_grain.abc"))
            time.sleep(0.2)
            out.write(_line("NodeFinished", "model.finops.fact_cost_hourly"))
        time.sleep(0.1)  # exit

    instance = dg.DagsterInstance.ephemeral()
    started = time.time()
    result = dg.materialize([load, models], instance=instance)
    finished = time.time()
    assert result.success

    phases = run_breakdown(instance.all_logs(result.run_id), started, finished, {"models": log})

    assert list(phases["steps"]) == ["load", "models"]  # in the order they ran
    assert 0.2 <= phases["steps"]["load"] < 2  # sleeps are lower bounds; a busy machine only adds
    assert phases["planned_events"] == 2 and phases["events"] > 10
    dbt = phases["dbt"]["models"]
    assert 0.15 <= dbt["start_s"] < 2
    assert 0.1 <= dbt["setup_s"] < 2
    assert 0.3 <= dbt["nodes_s"] < 2
    assert 0.1 <= dbt["exit_s"] < 2
    assert dbt["tests"] == 1 and 0.1 <= dbt["tests_thread_s"] < dbt["models_thread_s"]
    assert list(dbt["models"]) == ["fact_cost_hourly"] and dbt["models_thread_s"] == pytest.approx(dbt["nodes_s"])
    # The dbt step is exactly its four phases, and the phases of the run exactly the measured time.
    assert sum(dbt[k] for k in ("start_s", "setup_s", "nodes_s", "exit_s")) == pytest.approx(phases["steps"]["models"])
    total = phases["before_run_s"] + sum(phases["steps"].values()) + phases["between_steps_s"] + phases["after_run_s"]
    assert total == pytest.approx(finished - started)
    assert all(phases[k] >= 0 for k in ("before_run_s", "between_steps_s", "after_run_s"))

    # The run's dbt log is found by its run id in dagster-dbt's target folders; other runs' folders are not.
    (tmp_path / "finops_dbt_costs-fedcba9-7654321").mkdir()
    (tmp_path / "finops_dbt_costs-fedcba9-7654321" / "dbt.log").write_text(_line("MainReportVersion"))
    assert invocation_logs(tmp_path, "abcdef0" + "0" * 29) == {"finops_dbt_costs": log}

    # Rendered: one row per phase, the shares, the slowest model.
    text = "\n".join(breakdown_lines("One restated month", phases))
    assert f"### One restated month: {finished - started:,.2f} s" in text
    assert "| step `load` |" in text and "dbt nodes: 1 models" in text and "fact_cost_hourly" in text
    assert text.count("\n| ") == 1 + 1 + 1 + 4 + 1  # header, before the run, load, four dbt phases, Dagster


def test_a_log_without_json_lines_is_named():
    with pytest.raises(ValueError, match="no JSON log line"):
        dbt_log_nodes(__file__)


def test_results_without_a_breakdown_render_without_the_section():
    assert "## Where the time goes" not in render_markdown(results(), Targets())
