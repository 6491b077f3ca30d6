"""The benchmark's measuring helpers: /proc parsing, the process tree, medians and ratios."""

import sys

import pytest

from bench.measure import (
    descendants,
    last_json_line,
    machine_memory_bytes,
    median,
    parent_pid_from_stat,
    ratio,
    rss_bytes_from_status,
    run_measured,
)


def test_rss_is_read_from_vmrss_in_bytes():
    status = "Name:\tpython\nVmPeak:\t  900 kB\nVmRSS:\t   2048 kB\nThreads:\t4\n"
    assert rss_bytes_from_status(status) == 2048 * 1024


def test_a_zombie_without_vmrss_counts_as_no_memory():
    assert rss_bytes_from_status("Name:\tdefunct\nState:\tZ (zombie)\n") == 0


def test_parent_pid_survives_a_command_name_with_spaces_and_parentheses():
    assert parent_pid_from_stat("4242 (dagster (step) 1) S 4100 4242 4242 0 -1") == 4100


def test_descendants_follow_the_whole_tree_and_nothing_else():
    parents = {10: 1, 11: 10, 12: 11, 13: 10, 20: 1, 21: 20}
    assert descendants(10, parents) == {10, 11, 12, 13}


def test_median_of_three_and_of_an_even_count():
    assert median([3.0, 1.0, 2.0]) == 2.0
    assert median([4.0, 1.0, 3.0, 2.0]) == 2.5
    with pytest.raises(ValueError):
        median([])


def test_ratio_is_none_without_a_positive_denominator():
    assert ratio(5.0, 4.0) == 1.25
    assert ratio(5.0, 0.0) is None


def test_memory_total_from_meminfo():
    assert machine_memory_bytes("MemTotal:       24576000 kB\nMemFree: 1 kB\n") == 24576000 * 1024


def test_the_last_json_line_is_the_report():
    assert last_json_line('noise\n{"seconds": 1.5}\nmore noise\n') == {"seconds": 1.5}
    assert last_json_line("no report") == {}


def test_a_measured_child_reports_its_tree_memory_and_its_json(tmp_path):
    # The child allocates ~64 MiB in a grandchild: the sampled peak must include it.
    code = ("import subprocess, sys; subprocess.run([sys.executable, '-c', "
            "'import time; b = bytearray(64 * 2**20); b[::4096] = b\"x\" * len(b[::4096]); time.sleep(0.5)']); "
            "print('{\"seconds\": 0.25}')")
    run = run_measured([sys.executable, "-c", code], log_path=tmp_path / "child.log")
    assert run.report == {"seconds": 0.25}
    assert run.peak_rss_bytes > 64 * 2**20
    assert run.wall_s >= 0.5


def test_a_failing_child_names_its_log(tmp_path):
    with pytest.raises(RuntimeError, match="child.log"):
        run_measured([sys.executable, "-c", "raise SystemExit(3)"], log_path=tmp_path / "child.log")


def test_a_measured_child_reports_the_cpu_of_its_tree_not_its_sleep(tmp_path):
    # ~0.3 s of CPU in a grandchild, then 0.5 s asleep: the CPU counts the grandchild's work and not the sleep.
    burn = "import time; end = time.process_time() + 0.3\nwhile time.process_time() < end: pass"
    code = (f"import subprocess, sys, time; subprocess.run([sys.executable, '-c', {burn!r}]); time.sleep(0.5)")
    run = run_measured([sys.executable, "-c", code], log_path=tmp_path / "child.log")
    assert run.cpu_s >= 0.3
    assert run.cpu_s < run.wall_s - 0.4
