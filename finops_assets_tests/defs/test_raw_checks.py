"""The raw data-quality checks on real DuckDB tables: every check passes on the clean demo warehouse, and each
one fails with a useful description and metadata when its defect is injected into a copy of it."""

from __future__ import annotations

import json
import shutil
from contextlib import contextmanager
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from finops_assets.defs.aws_cur.assets import build_aws_cur_raw
from finops_assets.defs.aws_cur.checks import aws_cur_check_spec, build_aws_cur_checks
from finops_assets.defs.aws_data_exports.checks import aws_data_exports_check_spec
from finops_assets.defs.azure_focus.checks import azure_focus_check_spec
from finops_assets.defs.gcp_billing.checks import gcp_billing_check_spec
from finops_assets.defs.raw_checks import (
    RAW_CHECKS, CheckInputs, RawCheckSpec, Thresholds, availability_window_start, column_changes, evaluate,
    month_outcomes, screen_duplicates,
)
from finops_assets.landing import landing_from_url
from finops_assets.partitions import billing_month_partitions
from finops_assets.resources import build_resources
from finops_assets.settings import Settings
from finops_assets.warehouse.duckdb_warehouse import connect
from finops_assets.warehouse.queries import DuckDBQueries

SEPTEMBER, OCTOBER = date(2025, 9, 1), date(2025, 10, 1)
NOW = datetime(2026, 1, 5, tzinfo=timezone.utc)
SPECS = {
    "aws_cur": aws_cur_check_spec(Settings()),
    "aws_data_exports": aws_data_exports_check_spec(Settings()),
    "azure_focus": azure_focus_check_spec(Settings()),
    "gcp_billing": gcp_billing_check_spec(Settings()),
}
CHECKS = {c.name: c for c in RAW_CHECKS}


@pytest.fixture
def warehouse(demo_warehouse, tmp_path) -> Path:
    """A private copy of the demo warehouse to inject defects into."""
    root, _ = demo_warehouse
    copy = tmp_path / "warehouse.duckdb"
    shutil.copy(root / "warehouse.duckdb", copy)
    return copy


@pytest.fixture
def landing(demo_warehouse):
    root, _ = demo_warehouse
    return landing_from_url(str(root / "landing"))  # only read by the checks


def run(check: str, spec: RawCheckSpec, warehouse: Path, landing, month: date = OCTOBER, now: datetime = NOW,
        thresholds: Thresholds = Thresholds()) -> dg.AssetCheckResult:
    con = connect(str(warehouse), read_only=True)
    try:
        return evaluate(CHECKS[check], CheckInputs(spec, DuckDBQueries(con, "billing_raw"), landing, month, now, thresholds))
    finally:
        con.close()


@contextmanager
def writable(warehouse: Path):
    con = duckdb.connect(str(warehouse))
    con.execute("SET TimeZone='UTC'")
    try:
        yield con
    finally:
        con.close()


def md(result: dg.AssetCheckResult, key: str):
    return result.metadata[key].value


def test_every_raw_check_passes_on_the_clean_demo_warehouse(demo_warehouse, landing):
    root, _ = demo_warehouse
    for source, spec in SPECS.items():
        for month in (SEPTEMBER, OCTOBER):
            for check in RAW_CHECKS:
                result = run(check.name, spec, root / "warehouse.duckdb", landing, month)
                assert result.passed, f"{source} {month} {check.name}: {result.description}"


def test_the_demo_restatements_evolve_tags_without_drifting_columns(demo_warehouse, landing):
    """Both AWS months were restated with the columns they had; the new `project` tag arrived as a key of the Data
    Exports `resource_tags` map, which is schema evolution without a column change."""
    root, _ = demo_warehouse
    for source in ("aws_cur", "aws_data_exports"):
        drift = run("schema_drift", SPECS[source], root / "warehouse.duckdb", landing, OCTOBER)
        assert drift.passed and "same columns and types as the previous version" in drift.description
    con = duckdb.connect(str(root / "warehouse.duckdb"), read_only=True)
    try:
        versions = con.execute("SELECT count(*) FROM billing_raw._load_tracking WHERE source = 'aws_cur' "
                               "AND billing_month = '2025-10-01'").fetchone()[0]
        tagged = con.execute("""SELECT count(*) FROM billing_raw.aws_data_exports_raw
                                WHERE bill_billing_period_start_date = '2025-10-01'
                                  AND list_contains(map_keys(resource_tags), 'user_project')""").fetchone()[0]
    finally:
        con.close()
    assert versions == 2 and tagged > 0


def test_check_severities_error_blocks_warn_reports():
    severities = {c.name: c.severity for c in RAW_CHECKS}
    assert {n for n, s in severities.items() if s is dg.AssetCheckSeverity.WARN} == {
        "schema_drift", "fresh_after_newest_export", "daily_cost_rows"}


def test_rows_missing_from_the_table_fail_against_the_manifest_count(warehouse, landing):
    with writable(warehouse) as con:
        con.execute("""DELETE FROM billing_raw.azure_focus_raw WHERE rowid IN (
                       SELECT rowid FROM billing_raw.azure_focus_raw WHERE billing_period_start = '2025-10-01' LIMIT 5)""")
    result = run("rows_match_export", SPECS["azure_focus"], warehouse, landing)
    assert not result.passed
    declared = md(result, "rows_declared")
    assert md(result, "rows_in_table") == declared - 5
    assert f"rows in the table is {declared - 5}, expected {declared}" in result.description
    assert "| rows in the table = rows the manifest declares |" in md(result, "comparisons")


def test_a_file_of_the_manifest_not_read_fails(warehouse, landing):
    with writable(warehouse) as con:
        con.execute("UPDATE billing_raw._load_tracking SET file_count = file_count - 1 WHERE source = 'aws_cur'")
    result = run("rows_match_export", SPECS["aws_cur"], warehouse, landing)
    assert not result.passed
    assert md(result, "files_referenced") == 3 and md(result, "files_loaded") == 2
    assert "files read is 2, expected 3" in result.description


def test_a_month_whose_current_export_is_not_loaded_fails(warehouse, landing):
    with writable(warehouse) as con:
        con.execute("UPDATE billing_raw._load_tracking SET execution_id = 'an-older-assembly' WHERE source = 'aws_cur'")
    result = run("rows_match_export", SPECS["aws_cur"], warehouse, landing)
    assert not result.passed and "loaded version is an-older-assembly, expected" in result.description


@pytest.mark.parametrize("source, table, partition", [
    ("aws_cur", "aws_cur_raw", "bill_billing_period_start_date"),
    ("azure_focus", "azure_focus_raw", "billing_period_start"),
    ("gcp_billing", "gcp_billing_export", "invoice_month"),
])
def test_a_duplicated_line_item_fails_with_its_key(warehouse, landing, source, table, partition):
    with writable(warehouse) as con:
        con.execute(f"INSERT INTO billing_raw.{table} SELECT * FROM billing_raw.{table} WHERE {partition} = '2025-10-01' LIMIT 1")
    result = run("no_duplicate_line_items", SPECS[source], warehouse, landing)
    assert not result.passed and result.severity is dg.AssetCheckSeverity.ERROR
    assert md(result, "duplicate_keys") == 1 and md(result, "extra_rows") == 1
    assert "1 line items appear more than once" in result.description
    table_md = md(result, "duplicates")
    assert table_md.splitlines()[0].startswith(f"| {SPECS[source].duplicate_key[0]} |") and "| 2 |" in table_md


def range_inputs(warehouse: Path, landing, queries_class=DuckDBQueries):
    con = connect(str(warehouse), read_only=True)
    return con, CheckInputs(SPECS["aws_cur"], queries_class(con, "billing_raw"), landing, OCTOBER, NOW, Thresholds())


def test_the_duplicate_screen_of_a_range_flags_the_month_with_a_repeated_key(warehouse, landing):
    with writable(warehouse) as con:
        con.execute("INSERT INTO billing_raw.aws_cur_raw SELECT * FROM billing_raw.aws_cur_raw "
                    "WHERE bill_billing_period_start_date = '2025-10-01' LIMIT 1")
    con, inputs = range_inputs(warehouse, landing)
    try:
        assert "hash(" in inputs.queries.screen_key(['"a"', '"b"'])
        assert screen_duplicates(inputs, [SEPTEMBER, OCTOBER]) == {OCTOBER}
        outcomes = month_outcomes(CHECKS["no_duplicate_line_items"], inputs, [SEPTEMBER, OCTOBER])
    finally:
        con.close()
    assert outcomes[SEPTEMBER].passed and not outcomes[OCTOBER].passed
    assert outcomes[OCTOBER].metadata["duplicate_keys"].value == 1


class CollidingQueries(DuckDBQueries):
    """Every line item's screen key collides: the worst a hash can do."""

    def screen_key(self, columns_sql):
        return "'one key for all'"


def test_a_screen_key_collision_only_sends_the_month_to_its_exact_check(warehouse, landing):
    con, inputs = range_inputs(warehouse, landing, CollidingQueries)
    try:
        assert screen_duplicates(inputs, [SEPTEMBER, OCTOBER]) == {SEPTEMBER, OCTOBER}
        outcomes = month_outcomes(CHECKS["no_duplicate_line_items"], inputs, [SEPTEMBER, OCTOBER])
    finally:
        con.close()
    # Examined exactly (the month's own GROUP BY of the key's values), both months are clean.
    assert all(o.passed for o in outcomes.values())
    assert all("every line item is unique" in o.description for o in outcomes.values())


def test_empty_critical_fields_are_counted_per_column(warehouse, landing):
    with writable(warehouse) as con:
        con.execute("""UPDATE billing_raw.gcp_billing_export SET cost = NULL WHERE rowid IN (
                       SELECT rowid FROM billing_raw.gcp_billing_export WHERE invoice_month = '2025-10-01' LIMIT 3)""")
        con.execute("""UPDATE billing_raw.gcp_billing_export SET billing_account_id = NULL WHERE rowid IN (
                       SELECT rowid FROM billing_raw.gcp_billing_export WHERE invoice_month = '2025-10-01' LIMIT 2)""")
    result = run("critical_fields_not_null", SPECS["gcp_billing"], warehouse, landing)
    assert not result.passed
    assert "cost is empty on 3 rows, billing_account_id is empty on 2 rows" in result.description
    assert "| cost | 3 |" in md(result, "null_counts")


def test_rows_without_a_billing_period_are_counted(warehouse, landing):
    with writable(warehouse) as con:
        con.execute("""UPDATE billing_raw.aws_cur_raw SET bill_billing_period_start_date = NULL WHERE rowid IN (
                       SELECT rowid FROM billing_raw.aws_cur_raw LIMIT 4)""")
    result = run("critical_fields_not_null", SPECS["aws_cur"], warehouse, landing)
    assert not result.passed and "bill_billing_period_start_date is empty on 4 rows" in result.description


def test_an_account_billing_in_two_currencies_fails(warehouse, landing):
    with writable(warehouse) as con:
        account = con.execute("SELECT min(sub_account_id) FROM billing_raw.azure_focus_raw").fetchone()[0]
        con.execute(f"""UPDATE billing_raw.azure_focus_raw SET billing_currency = 'EUR' WHERE rowid IN (
                        SELECT rowid FROM billing_raw.azure_focus_raw WHERE sub_account_id = '{account}'
                        AND billing_period_start = '2025-10-01' LIMIT 2)""")
    result = run("one_currency_per_account", SPECS["azure_focus"], warehouse, landing)
    assert not result.passed
    assert f"1 accounts bill in more than one currency ({account}: EUR, USD)" in result.description
    assert f"| {account} | EUR | 2 |" in md(result, "currencies_by_account")


def test_usage_outside_the_billing_month_fails_with_the_rows(warehouse, landing):
    with writable(warehouse) as con:
        con.execute("""UPDATE billing_raw.aws_cur_raw SET line_item_usage_start_date = '2025-08-15 10:00:00' WHERE rowid IN (
                       SELECT rowid FROM billing_raw.aws_cur_raw WHERE bill_billing_period_start_date = '2025-10-01' LIMIT 2)""")
    result = run("usage_inside_billing_month", SPECS["aws_cur"], warehouse, landing)
    assert not result.passed
    assert "2 rows have line_item_usage_start_date outside [2025-10-01, 2025-10-end]" in result.description
    assert md(result, "rows_outside") == 2 and "2025-08-15 10:00:00" in md(result, "sample")


def test_gcp_late_usage_from_the_previous_days_is_allowed_older_is_not(warehouse, landing):
    with writable(warehouse) as con:
        rows = "SELECT rowid FROM billing_raw.gcp_billing_export WHERE invoice_month = '2025-10-01' LIMIT 1"
        con.execute(f"UPDATE billing_raw.gcp_billing_export SET usage_start_time = '2025-09-29 10:00:00' WHERE rowid IN ({rows})")
    assert run("usage_inside_billing_month", SPECS["gcp_billing"], warehouse, landing).passed
    with writable(warehouse) as con:
        con.execute("UPDATE billing_raw.gcp_billing_export SET usage_start_time = '2025-08-01 10:00:00' WHERE usage_start_time = '2025-09-29 10:00:00'")
    result = run("usage_inside_billing_month", SPECS["gcp_billing"], warehouse, landing)
    assert not result.passed and "outside [2025-09-26, 2025-10-end]" in result.description


def test_schema_drift_reports_added_removed_and_retyped_columns_as_a_table(warehouse, landing):
    with writable(warehouse) as con:
        (columns,) = con.execute("""SELECT columns FROM billing_raw._load_tracking WHERE source = 'azure_focus'
                                    AND billing_month = '2025-10-01' ORDER BY loaded_at DESC LIMIT 1""").fetchone()
        current = [c for c in json.loads(columns) if c["name"] != "x_pricing_block_size"]
        current = [{**c, "type": "STRING"} if c["name"] == "consumed_quantity" else c for c in current]
        current.append({"name": "x_cost_allocation_rule_name", "type": "STRING"})
        con.execute("""UPDATE billing_raw._load_tracking SET columns = ? WHERE source = 'azure_focus' AND billing_month = '2025-10-01'
                       AND loaded_at = (SELECT max(loaded_at) FROM billing_raw._load_tracking WHERE source = 'azure_focus')""",
                    [json.dumps(current)])
    result = run("schema_drift", SPECS["azure_focus"], warehouse, landing)
    assert not result.passed and result.severity is dg.AssetCheckSeverity.WARN
    assert "1 added, 1 removed, 1 retyped" in result.description
    diff = md(result, "schema_diff")
    assert "| consumed_quantity | retyped | DECIMAL | STRING |" in diff
    assert "| x_pricing_block_size | removed | DECIMAL |  |" in diff
    assert "| x_cost_allocation_rule_name | added |  | STRING |" in diff


def test_schema_drift_compares_a_restated_old_month_with_its_own_previous_version_not_a_newer_month(warehouse, landing):
    """October's export gained a column; restating September afterwards (same columns as September's first version)
    is no drift, and a column September's restatement adds is reported against September's previous version."""
    with writable(warehouse) as con:
        def latest(month: date) -> tuple:
            return con.execute("""SELECT execution_id, columns FROM billing_raw._load_tracking WHERE source = 'azure_focus'
                                  AND billing_month = ? ORDER BY loaded_at DESC LIMIT 1""", [month]).fetchone()
        october_id, october_columns = latest(OCTOBER)
        widened = [*json.loads(october_columns), {"name": "x_october_only", "type": "STRING"}]
        con.execute("UPDATE billing_raw._load_tracking SET columns = ? WHERE source = 'azure_focus' AND execution_id = ?",
                    [json.dumps(widened), october_id])
        september_id, september_columns = latest(SEPTEMBER)
        con.execute("""INSERT INTO billing_raw._load_tracking BY NAME
                       SELECT * REPLACE ('september-restated' AS execution_id, now() + INTERVAL 1 DAY AS loaded_at)
                       FROM billing_raw._load_tracking WHERE source = 'azure_focus' AND execution_id = ?""", [september_id])
    same = run("schema_drift", SPECS["azure_focus"], warehouse, landing, month=SEPTEMBER)
    assert same.passed, same.description
    assert md(same, "previous_version") == f"2025-09 {september_id}"
    with writable(warehouse) as con:
        added = [*json.loads(september_columns), {"name": "x_september_tag", "type": "STRING"}]
        con.execute("UPDATE billing_raw._load_tracking SET columns = ? WHERE execution_id = 'september-restated'",
                    [json.dumps(added)])
    drift = run("schema_drift", SPECS["azure_focus"], warehouse, landing, month=SEPTEMBER)
    assert not drift.passed and "1 added" in drift.description and september_id in drift.description
    assert md(drift, "columns_added") == ["x_september_tag"] and md(drift, "columns_removed") == []


def test_column_changes_ignores_types_recorded_before_types_were():
    assert column_changes({"a": None, "b": "DECIMAL"}, {"a": "STRING", "c": "STRING"}) == [
        ("c", "added", "", "STRING"), ("b", "removed", "DECIMAL", "")]


def test_an_export_waiting_longer_than_the_threshold_is_stale(warehouse, landing):
    with writable(warehouse) as con:
        con.execute("""UPDATE billing_raw._load_tracking SET execution_id = 'an-older-run', loaded_at = '2025-10-02 00:00:00'
                       WHERE source = 'azure_focus' AND billing_month = '2025-10-01'""")
    stamp = SPECS["azure_focus"].newest_export(landing)
    fresh = run("fresh_after_newest_export", SPECS["azure_focus"], warehouse, landing, now=stamp.updated + timedelta(hours=2))
    assert fresh.passed and "within the 36 h allowed" in fresh.description
    stale = run("fresh_after_newest_export", SPECS["azure_focus"], warehouse, landing, now=stamp.updated + timedelta(hours=40))
    assert not stale.passed and stale.severity is dg.AssetCheckSeverity.WARN
    assert "2025-10 is stale" in stale.description and "arrived 40.0 h ago (more than 36 h)" in stale.description
    assert md(stale, "hours_waiting") == 40.0 and md(stale, "newest_export") == stamp.key


def test_days_without_cost_rows_are_listed(warehouse, landing):
    with writable(warehouse) as con:
        con.execute("DELETE FROM billing_raw.gcp_billing_export WHERE CAST(usage_start_time AS DATE) IN ('2025-10-27', '2025-10-29')")
    result = run("daily_cost_rows", SPECS["gcp_billing"], warehouse, landing)
    assert not result.passed
    assert "2 of the last 7 days (2025-10-25 .. 2025-10-31) have no cost rows: 2025-10-27, 2025-10-29" in result.description
    assert md(result, "missing_days") == ["2025-10-27", "2025-10-29"]
    assert "| 2025-10-27 | 0 |" in md(result, "rows_per_day")


def test_the_availability_window_ends_yesterday_for_the_open_month(demo_warehouse, landing):
    root, _ = demo_warehouse
    result = run("daily_cost_rows", SPECS["aws_cur"], root / "warehouse.duckdb", landing, now=datetime(2025, 10, 20, 8, tzinfo=timezone.utc))
    assert result.passed and md(result, "window") == "2025-10-13 .. 2025-10-19"


def test_the_first_month_of_a_backfill_is_not_blamed_for_the_months_not_loaded_yet(warehouse, landing):
    """Backfills load the newest month first: with only October loaded, the window starts on October 1st; a day
    missing inside it is still reported, and so are the days of a loaded month that lost its rows."""
    early_october = datetime(2025, 10, 4, 8, tzinfo=timezone.utc)
    with writable(warehouse) as con:
        con.execute("DELETE FROM billing_raw.aws_cur_raw WHERE bill_billing_period_start_date = '2025-09-01'")
        con.execute("DELETE FROM billing_raw._load_tracking WHERE source = 'aws_cur' AND billing_month = '2025-09-01'")
    first_month = run("daily_cost_rows", SPECS["aws_cur"], warehouse, landing, now=early_october)
    assert first_month.passed, first_month.description
    assert md(first_month, "window") == "2025-10-01 .. 2025-10-03" and md(first_month, "history_starts") == "2025-10-01"
    assert "(the 3 days since the loaded history starts)" in first_month.description
    with writable(warehouse) as con:
        con.execute("DELETE FROM billing_raw.aws_cur_raw WHERE CAST(line_item_usage_start_date AS DATE) = '2025-10-02'")
    gap = run("daily_cost_rows", SPECS["aws_cur"], warehouse, landing, now=early_october)
    assert not gap.passed and gap.severity is dg.AssetCheckSeverity.WARN
    assert "1 of the 3 days since the loaded history starts (2025-10-01 .. 2025-10-03) have no cost rows: 2025-10-02" in gap.description
    assert md(gap, "missing_days") == ["2025-10-02"]


def test_a_loaded_month_without_rows_inside_the_window_is_reported(warehouse, landing):
    with writable(warehouse) as con:
        con.execute("DELETE FROM billing_raw.azure_focus_raw WHERE billing_period_start = '2025-09-01'")
    result = run("daily_cost_rows", SPECS["azure_focus"], warehouse, landing, now=datetime(2025, 10, 3, 8, tzinfo=timezone.utc))
    assert not result.passed
    assert md(result, "missing_days") == ["2025-09-26", "2025-09-27", "2025-09-28", "2025-09-29", "2025-09-30"]
    assert "5 of the last 7 days (2025-09-26 .. 2025-10-02)" in result.description


def test_availability_window_start_is_clipped_to_the_loaded_history():
    last = date(2025, 10, 3)
    assert availability_window_start(last, 7, date(2025, 9, 1)) == date(2025, 9, 27)
    assert availability_window_start(last, 7, date(2025, 10, 1)) == date(2025, 10, 1)
    assert availability_window_start(last, 7, None) == date(2025, 9, 27)
    # GCP late usage: the newest usage day may precede the first invoice month loaded.
    assert availability_window_start(date(2025, 9, 30), 7, date(2025, 10, 1)) == date(2025, 9, 30)


def test_a_month_that_was_never_loaded_fails_every_table_check(tmp_path, landing):
    empty = tmp_path / "empty.duckdb"
    duckdb.connect(str(empty)).close()
    result = run("no_duplicate_line_items", SPECS["aws_cur"], empty, landing)
    assert not result.passed and "not loaded yet" in result.description


def test_a_failed_blocking_check_stops_the_downstream_assets_of_the_run(demo_warehouse, tmp_path):
    """A real run: the September CUR manifest lists its first file twice, so every line item of that file is loaded
    twice; the blocking duplicate check fails and the downstream monthly asset does not run."""
    root, _ = demo_warehouse
    shutil.copytree(root / "landing" / "aws_cur", tmp_path / "landing" / "aws_cur")
    (manifest_path,) = (tmp_path / "landing" / "aws_cur").glob("**/20250901-20251001/*-Manifest.json")
    manifest = json.loads(manifest_path.read_text())
    manifest["reportKeys"].append(manifest["reportKeys"][0])
    manifest_path.write_text(json.dumps(manifest))
    settings = Settings(landing_url=str(tmp_path / "landing"), duckdb_path=str(tmp_path / "warehouse.duckdb"),
                        start_month=date(2025, 1, 1))
    ran: list[str] = []

    @dg.asset(partitions_def=billing_month_partitions(settings.start_month), deps=["aws_cur_raw"])
    def monthly_cost_report(context) -> None:
        ran.append(context.partition_key)

    result = dg.materialize(
        [build_aws_cur_raw(settings), build_aws_cur_checks(settings), monthly_cost_report],
        partition_key=SEPTEMBER.isoformat(), resources=build_resources(settings),
        instance=dg.DagsterInstance.ephemeral(), raise_on_error=False,
    )
    evaluations = {e.check_name: e for e in result.get_asset_check_evaluations()}
    assert set(evaluations) == {c.name for c in RAW_CHECKS}
    duplicates = evaluations["no_duplicate_line_items"]
    assert not duplicates.passed and duplicates.severity is dg.AssetCheckSeverity.ERROR
    assert "line items appear more than once" in duplicates.description
    assert evaluations["rows_match_export"].passed  # the load recorded what it read: only the duplicate check sees it
    assert not result.success and ran == []
    assert dg.AssetKey("monthly_cost_report") not in {e.asset_key for e in result.get_asset_materialization_events()}
