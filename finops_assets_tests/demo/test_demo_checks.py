"""The demo is green: every Python asset check and every dbt test its runs evaluated passed (ERROR and WARN), and the
summary it ends with says so, check by check."""

from __future__ import annotations

import re

from finops_assets.defs.raw_checks import RAW_CHECKS

RAW_ASSETS = 4  # aws_cur_raw, aws_data_exports_raw, azure_focus_raw, gcp_billing_export
WARN_TESTS = ("warn_service_daily_cost_anomaly", "warn_performance_request_count_jump", "otel_spans_quarantined")


def tally(printed: str) -> tuple[dict[str, tuple[str, int, int, int]], str]:
    """({check: (severity, assets, passed, failed)}, the totals line) from the demo's check summary."""
    section = printed[printed.index("data-quality checks of this demo"):].splitlines()
    rows = {}
    for line in section[2:]:
        fields = line.split()
        if len(fields) != 5 or fields[0] not in ("ERROR", "WARN"):
            break
        rows[fields[1]] = (fields[0], int(fields[2]), int(fields[3]), int(fields[4]))
    totals = next(line for line in section if " evaluations: " in line)
    return rows, totals


def test_no_check_failed_in_the_demo(demo_warehouse):
    _, printed = demo_warehouse
    rows, totals = tally(printed)
    section = printed[printed.index("data-quality checks of this demo"):]
    assert totals.endswith("0 ERROR failed, 0 WARN failed (all green)"), section
    failed = {check: row for check, row in rows.items() if row[3]}
    assert not failed
    checks, evaluations, passed = map(int, re.match(r"(\d+) checks, (\d+) evaluations: (\d+) passed", totals).groups())
    assert checks == len(rows) and evaluations == passed == sum(r[2] for r in rows.values())
    # Every raw check ran on every raw asset, for each of the demo's loads (2 months, then the 2 restated ones).
    for check in RAW_CHECKS:
        severity, assets, ok, _ = rows[check.name]
        assert (severity, assets) == (check.severity.value, RAW_ASSETS) and ok == RAW_ASSETS * 4, check.name
    # The dbt tests ran as asset checks too, the WARN anomaly and jump tests among them.
    for test in WARN_TESTS:
        assert test in rows and rows[test][0] == "WARN" and rows[test][2] >= 1, section
    assert rows["assert_fact_cost_hourly_reconciles_with_raw"][0] == "ERROR"
    assert sum(1 for r in rows.values() if r[0] == "ERROR") > 40


def test_every_run_line_of_the_demo_reports_all_checks_passed(demo_warehouse):
    _, printed = demo_warehouse
    lines = [line for line in printed.splitlines() if " checks passed" in line]
    spans = [line for line in lines if line.startswith("otel_spans_raw ")]
    assert len(lines) - len(spans) == RAW_ASSETS * 4 + 2  # the raw month loads, the two dbt builds
    assert spans and len(spans) % 2 == 0  # each span day, loaded by both of the demo's materializations
    for line in lines:
        passed, total = map(int, re.search(r"(\d+)/(\d+) checks passed", line).groups())
        assert passed == total and total > 0 and "warnings" not in line and "ERRORS" not in line, line
