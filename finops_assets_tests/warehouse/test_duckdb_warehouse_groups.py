"""DuckDB loads of a range of months: months that can share a statement are loaded by one INSERT in one
transaction, and every month still gets its own counts, exact cost, tracking row and materialization metadata; a
group that fails lands its good months and names the bad file, and earlier data is kept.

Real demo CUR v1 exports (CSV.gz parts, month-level manifests), a real DuckDB file, real in-process runs."""

from __future__ import annotations

import csv
import dataclasses
import gzip
import io
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path

import dagster as dg
import duckdb
import pytest
from dagster._core.storage.tags import ASSET_PARTITION_RANGE_END_TAG, ASSET_PARTITION_RANGE_START_TAG

from finops_assets.definitions import build_definitions
from finops_assets.demo.aws_cur import GeneratedAssembly, generate_aws_cur, restate_aws_cur
from finops_assets.settings import Settings
from finops_assets.warehouse.duckdb_warehouse import plan_groups, statement_key
from finops_assets.warehouse.load_request import Column, ColumnType, DataFile, FileFormat, LoadRequest

MONTHS = [date(2025, 6, 1), date(2025, 7, 1), date(2025, 8, 1), date(2025, 9, 1), date(2025, 10, 1)]
WIDENED = MONTHS[2]  # its export carries one more tag column: it cannot share the others' statement
ROWS = 30
COST = "lineItem/UnblendedCost"
PERIOD = "bill/BillingPeriodStartDate"


def run_range(settings: Settings, instance: dg.DagsterInstance, first: date, last: date) -> dg.ExecuteInProcessResult:
    job = build_definitions(settings).resolve_implicit_global_asset_job_def()
    return job.execute_in_process(
        instance=instance, asset_selection=[dg.AssetKey("aws_cur_raw")], raise_on_error=False,
        tags={ASSET_PARTITION_RANGE_START_TAG: first.isoformat(), ASSET_PARTITION_RANGE_END_TAG: last.isoformat()},
    )


def by_month(result: dg.ExecuteInProcessResult) -> dict[str, dict]:
    return {e.materialization.partition: {k: v.value for k, v in e.materialization.metadata.items()}
            for e in result.get_asset_materialization_events()}


def query(settings: Settings, sql: str) -> list[tuple]:
    con = duckdb.connect(settings.duckdb_path, read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def exported(landing: Path, assembly: GeneratedAssembly) -> tuple[int, Decimal]:
    """Rows and exact cost of an assembly, read from its files."""
    paths = [str(landing / key) for key in assembly.data_keys]
    return duckdb.connect().execute(
        f"SELECT count(*), sum(CAST(\"{COST}\" AS DECIMAL(38,18))) FROM read_csv({paths!r}, header = true, "
        "all_varchar = true, quote = '\"', escape = '\"', compression = 'gzip')"
    ).fetchone()


def table_months(settings: Settings) -> dict[date, tuple[int, Decimal]]:
    rows = query(settings, "SELECT CAST(bill_billing_period_start_date AS DATE), count(*), sum(line_item_unblended_cost) "
                           "FROM billing_raw.aws_cur_raw GROUP BY 1")
    return {month: (count, cost) for month, count, cost in rows}


def tracking(settings: Settings) -> list[tuple]:
    return query(settings, "SELECT billing_month, execution_id, row_count, total_cost FROM billing_raw._load_tracking "
                           "ORDER BY loaded_at")


def rewrite_cell(path: Path, column: str, row: int, value: str) -> None:
    """Set one cell of a CSV.gz part (the header row excluded from `row`)."""
    with gzip.open(path, "rt", newline="") as handle:
        lines = list(csv.reader(handle))
    lines[row + 1][lines[0].index(column)] = value
    text = io.StringIO()
    csv.writer(text, lineterminator="\n").writerows(lines)
    path.write_bytes(gzip.compress(text.getvalue().encode()))


@dataclass
class Ranges:
    landing: Path
    settings: Settings
    first: dg.ExecuteInProcessResult  # the range, nothing loaded before
    restated: dg.ExecuteInProcessResult  # the range again after the first and the fourth month were restated
    assemblies: dict[date, GeneratedAssembly]  # the current assembly of each month after the first run
    restatements: dict[date, GeneratedAssembly]
    tracking_after_first: list[tuple]
    table_after_first: dict[date, tuple[int, Decimal]]


@pytest.fixture(scope="module")
def ranges(tmp_path_factory) -> Ranges:
    root = tmp_path_factory.mktemp("groups")
    landing = root / "landing"
    written = generate_aws_cur(landing, MONTHS, ROWS, seed=7, parts_per_month=2, restated_months=0)
    (widened,) = restate_aws_cur(landing, [WIDENED], ROWS, seed=7, parts_per_month=2, new_tag=True)
    assemblies = {a.billing_month: a for a in written} | {WIDENED: widened}
    settings = Settings(landing_url=str(landing), duckdb_path=str(root / "warehouse.duckdb"), start_month=date(2025, 1, 1))
    instance = dg.DagsterInstance.ephemeral()
    first = run_range(settings, instance, MONTHS[0], MONTHS[-1])
    tracking_after_first, table_after_first = tracking(settings), table_months(settings)
    # Two months apart, with loaded months between them: the restated two share one statement, the others skip.
    restatements = {a.billing_month: a for a in restate_aws_cur(landing, [MONTHS[0], MONTHS[3]], ROWS + 5, seed=7,
                                                                 parts_per_month=2, new_tag=False)}
    restated = run_range(settings, instance, MONTHS[0], MONTHS[-1])
    return Ranges(landing, settings, first, restated, assemblies, restatements, tracking_after_first, table_after_first)


def test_a_range_loads_every_month_with_its_own_rows_exact_cost_and_tracking_row(ranges):
    assert ranges.first.success
    months = by_month(ranges.first)
    assert sorted(months) == [m.isoformat() for m in MONTHS]
    loaded = ranges.table_after_first
    for month in MONTHS:
        rows, cost = exported(ranges.landing, ranges.assemblies[month])
        meta = months[month.isoformat()]
        assert meta["execution_id"] == ranges.assemblies[month].assembly_id
        assert meta["dagster/row_count"] == rows
        assert Decimal(meta["total_unblended_cost"]) == cost  # exact, per month, though loaded by one INSERT
        assert meta["skipped"] is False and meta["status"] == "first load of the month"
        assert meta["load_seconds"] > 0
        assert "line_item_unblended_cost" in meta["preview"]
        assert loaded[month] == (rows, cost)
    # One tracking row per month, in load order (newest first), with the month's own count and cost.
    assert [(m, e, n) for m, e, n, _ in ranges.tracking_after_first] == [
        (m, ranges.assemblies[m].assembly_id, loaded[m][0]) for m in reversed(MONTHS)]
    assert all(cost == loaded[m][1] for m, _, _, cost in ranges.tracking_after_first)


def test_months_with_another_column_list_are_loaded_in_a_statement_of_their_own(ranges):
    months = by_month(ranges.first)
    # Load order is newest first: [Oct, Sep] share a statement, Aug (one more column) is alone, then [Jul, Jun].
    statements = {m: months[m.isoformat()].get("months_in_load_statement", 1) for m in MONTHS}
    assert statements == {MONTHS[0]: 2, MONTHS[1]: 2, WIDENED: 1, MONTHS[3]: 2, MONTHS[4]: 2}
    assert months[WIDENED.isoformat()]["columns_added"] == ["resource_tags_user_project"]
    columns = [name for (name,) in query(ranges.settings, "SELECT column_name FROM information_schema.columns "
                                                          "WHERE table_name = 'aws_cur_raw'")]
    assert "resource_tags_user_project" in columns


def test_already_loaded_months_inside_a_range_are_skipped_and_the_restated_ones_share_a_statement(ranges):
    assert ranges.restated.success
    months = by_month(ranges.restated)
    loaded = table_months(ranges.settings)
    for month in MONTHS:
        meta = months[month.isoformat()]
        if month in ranges.restatements:
            new = ranges.restatements[month]
            assert meta["skipped"] is False
            assert meta["months_in_load_statement"] == 2
            assert meta["status"] == f"replaced execution {ranges.assemblies[month].assembly_id}"
            assert (meta["dagster/row_count"], Decimal(meta["total_unblended_cost"])) == exported(ranges.landing, new)
            assert loaded[month] == exported(ranges.landing, new)
        else:
            assert meta["skipped"] is True
            assert loaded[month] == exported(ranges.landing, ranges.assemblies[month])
    new_rows = tracking(ranges.settings)[len(ranges.tracking_after_first):]
    assert [(m, e) for m, e, _, _ in new_rows] == [(m, ranges.restatements[m].assembly_id) for m in (MONTHS[3], MONTHS[0])]


def test_a_failing_group_lands_its_good_months_names_each_bad_file_and_keeps_earlier_data(tmp_path):
    landing = tmp_path / "landing"
    months = MONTHS[:3]
    generate_aws_cur(landing, months, ROWS, seed=9, parts_per_month=2, restated_months=0)
    settings = Settings(landing_url=str(landing), duckdb_path=str(tmp_path / "warehouse.duckdb"), start_month=date(2025, 1, 1))
    instance = dg.DagsterInstance.ephemeral()
    assert run_range(settings, instance, months[0], months[-1]).success
    before = table_months(settings)
    tracked = tracking(settings)

    # All three restated; in one, a cost that is not a number; in another, a row of the next month.
    new = {a.billing_month: a for a in restate_aws_cur(landing, months, ROWS, seed=9, parts_per_month=2, new_tag=False)}
    bad_cost, stray_row, good = months
    rewrite_cell(landing / new[bad_cost].data_keys[1], COST, 3, "12,5 USD")
    rewrite_cell(landing / new[stray_row].data_keys[0], PERIOD, 2, "2025-08-01T00:00:00.000Z")
    result = run_range(settings, instance, months[0], months[-1])

    assert not result.success
    failure = next(e for e in result.all_events if e.event_type_value == "STEP_FAILURE")
    message = str(failure.event_specific_data.error)
    assert new[bad_cost].data_keys[1] in message
    assert 'column line_item_unblended_cost ("lineItem/UnblendedCost")' in message and "12,5 USD" in message
    assert "1 rows have bill_billing_period_start_date outside 2025-07" in message
    after = table_months(settings)
    assert after[good] == exported(landing, new[good])  # the good month landed
    assert after[bad_cost] == before[bad_cost] and after[stray_row] == before[stray_row]  # the bad ones kept theirs
    assert tracking(settings)[: len(tracked)] == tracked
    assert [(m, e) for m, e, _, _ in tracking(settings)[len(tracked):]] == [(good, new[good].assembly_id)]


# -- which months share a statement ------------------------------------------------------------------------

def request(month: date, *, size: int = 100, columns: tuple[Column, ...] | None = None, **changes) -> LoadRequest:
    base = LoadRequest(
        source="aws_cur", billing_month=month, execution_id=f"e-{month}", manifest_uri=f"m-{month}.json",
        files=(DataFile(f"{month}.csv.gz", f"/l/{month}.csv.gz", size),), file_format=FileFormat.CSV,
        columns=columns or (Column("cost", ColumnType.DECIMAL, "cost"), Column("period", ColumnType.TIMESTAMP, "period")),
        partition_column="period", compression="gzip", cost_column="cost",
    )
    return dataclasses.replace(base, **changes)


def test_consecutive_months_of_the_same_statement_form_one_group():
    requests = [request(m) for m in MONTHS]
    assert plan_groups(requests) == [requests]


def test_a_different_column_list_dialect_or_format_starts_a_new_group():
    wider = request(MONTHS[1], columns=request(MONTHS[1]).columns + (Column("tag", ColumnType.STRING, "tag"),))
    requests = [request(MONTHS[0]), wider, request(MONTHS[2], null_markers=("", "NULL")),
                request(MONTHS[3], file_format=FileFormat.PARQUET), request(MONTHS[4], file_format=FileFormat.PARQUET)]
    assert [len(g) for g in plan_groups(requests)] == [1, 1, 1, 1, 1]
    assert statement_key(requests[3]) is None  # Parquet months are each loaded on their own


def test_a_group_is_bounded_in_months_and_bytes():
    requests = [request(date(2024 + i // 12, i % 12 + 1, 1), size=100) for i in range(20)]
    assert [len(g) for g in plan_groups(requests, max_bytes=10_000, max_months=12)] == [12, 8]
    assert [len(g) for g in plan_groups(requests, max_bytes=250, max_months=12)] == [2] * 10


def test_the_benchmark_history_is_one_statement_by_default():
    """39 months of ~28 MB of CSV.gz (the benchmark's full scale) share one INSERT, like the floor's one statement."""
    requests = [request(date(2022 + (i + 9) // 12, (i + 9) % 12 + 1, 1), size=28_000_000) for i in range(39)]
    assert [len(g) for g in plan_groups(requests)] == [39]
    assert [len(g) for g in plan_groups(requests * 2)] == [48, 30]  # bounded: a longer history takes more statements
