"""The demo's check table: one row per check and severity, failures counted and named, totals that say green only
when nothing failed."""

from __future__ import annotations

from finops_assets.demo.check_report import CheckOutcome, CheckTally


def test_failed_checks_are_counted_per_severity_and_named():
    tally = CheckTally([
        CheckOutcome("aws_cur_raw", "no_duplicate_line_items", "ERROR", True),
        CheckOutcome("gcp_billing_export", "no_duplicate_line_items", "ERROR", False),
        CheckOutcome("aws_cur_raw", "schema_drift", "WARN", False),
        CheckOutcome("fact_cost_daily", "warn_service_daily_cost_anomaly", "WARN", True),
    ])
    assert tally.rows() == [("ERROR", "no_duplicate_line_items", 2, 1, 1), ("WARN", "schema_drift", 1, 0, 1),
                            ("WARN", "warn_service_daily_cost_anomaly", 1, 1, 0)]
    text = tally.format()
    assert "3 checks, 4 evaluations: 2 passed, 1 ERROR failed, 1 WARN failed\n" in text and "all green" not in text
    assert "ERROR failed: no_duplicate_line_items on gcp_billing_export" in text
    assert "WARN failed: schema_drift on aws_cur_raw" in text


def test_all_green_only_when_nothing_failed_and_long_dbt_names_are_cut():
    name = "accepted_values_stg_otel_spans_quarantine_reason__" + "x" * 100
    text = CheckTally([CheckOutcome("stg_otel_spans", name, "ERROR", True)]).format()
    assert text.endswith("1 checks, 1 evaluations: 1 passed, 0 ERROR failed, 0 WARN failed (all green)")
    (row,) = [line for line in text.splitlines() if line.startswith("ERROR")]
    assert row.split()[1] == name[:69] + "..." and row.split()[2:] == ["1", "1", "0"]
