"""`aws_cur_raw` end to end: real CSV.gz / Parquet files, a real DuckDB file, real Dagster runs."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal

import dagster as dg
import pytest

from finops_assets_tests.conftest import MONTH, materialize_month, output_metadata, query
from finops_assets_tests.cur_exports import BASE_COLUMNS, CurExport, exact_total, sample_rows

COST = [f"{c}/{n}" for c, n, _ in BASE_COLUMNS].index("lineItem/UnblendedCost")
TABLE = "billing_raw.aws_cur_raw"


def month_rows(settings, month=MONTH):
    return query(
        settings,
        f"SELECT count(*), sum(line_item_unblended_cost) FROM {TABLE} "
        "WHERE bill_billing_period_start_date >= ? AND bill_billing_period_start_date < ? + INTERVAL 1 MONTH",
        [month, month],
    )[0]


def load_first_assembly(landing, defs, settings, rows=40):
    export = CurExport(landing, MONTH, "assembly-1", rows=sample_rows(MONTH, rows)).write()
    materialize_month(defs, MONTH)
    return export


def test_month_loads_with_exact_decimal_total(landing, defs, settings):
    export = CurExport(landing, MONTH, "assembly-1", rows=sample_rows(MONTH, 50), parts=3).write()
    result = materialize_month(defs, MONTH)

    count, total = month_rows(settings)
    assert count == 50
    assert total == exact_total(export.rows, COST)  # Decimal == Decimal: exact to the last digit
    meta = output_metadata(result)
    assert meta["execution_id"] == "assembly-1"
    assert meta["dagster/row_count"] == 50
    assert meta["files"] == 3
    assert meta["bytes"] == sum(export.data_path(p).stat().st_size for p in (1, 2, 3))
    assert Decimal(meta["total_unblended_cost"]) == exact_total(export.rows, COST)
    assert meta["skipped"] is False
    assert "line_item_unblended_cost" in meta["preview"]
    assert meta["load_seconds"] >= 0
    tracking = query(settings, "SELECT source, billing_month, execution_id, file_count, row_count, bytes FROM billing_raw._load_tracking")
    assert tracking == [("aws_cur", MONTH, "assembly-1", 3, 50, meta["bytes"])]


def test_cells_keep_their_exact_values_and_types(landing, defs, settings):
    load_first_assembly(landing, defs, settings, rows=12)
    types = dict(query(settings, "SELECT column_name, data_type FROM information_schema.columns WHERE table_name = 'aws_cur_raw'"))
    assert types["line_item_unblended_cost"] == "DECIMAL(38,18)"
    assert types["line_item_usage_start_date"] == "TIMESTAMP"
    assert types["identity_time_interval"] == "VARCHAR"
    assert types["resource_tags_user_cost_center"] == "VARCHAR"
    assert types["product_from_region_code"] == "VARCHAR"
    values = dict(query(settings, f"SELECT identity_line_item_id, line_item_unblended_cost FROM {TABLE}"))
    assert values["li-0"] == Decimal("0.0000000186")
    assert values["li-1"] == Decimal("0.00001012")  # E-notation in the source
    assert values["li-3"] is None  # empty cell -> NULL, not 0
    description = query(settings, f"SELECT line_item_line_item_description FROM {TABLE} WHERE identity_line_item_id = 'li-0'")
    assert description == [('said "hi", then\nleft',)]


def test_rematerializing_the_loaded_assembly_is_a_noop(landing, defs, settings):
    load_first_assembly(landing, defs, settings)
    result = materialize_month(defs, MONTH)

    meta = output_metadata(result)
    assert meta["skipped"] is True
    assert "already loaded" in meta["status"]
    assert meta["dagster/row_count"] == 40
    assert query(settings, "SELECT count(*) FROM billing_raw._load_tracking") == [(1,)]
    assert month_rows(settings)[0] == 40


def test_force_reloads_the_same_assembly(landing, defs, settings):
    load_first_assembly(landing, defs, settings)
    result = materialize_month(defs, MONTH, force=True)

    assert output_metadata(result)["skipped"] is False
    assert month_rows(settings)[0] == 40
    assert query(settings, "SELECT count(*), bool_or(forced) FROM billing_raw._load_tracking") == [(2, True)]


def test_restated_month_replaces_previous_assembly(landing, defs, settings):
    load_first_assembly(landing, defs, settings)
    other_month = date(2025, 8, 1)
    CurExport(landing, other_month, "august-1", rows=sample_rows(other_month, 7)).write()
    materialize_month(defs, other_month)

    columns = BASE_COLUMNS + [("resourceTags", "user:Project", "OptionalString")]
    rows = [r + ["apollo"] for r in sample_rows(MONTH, 25, salt="b")]
    restated = CurExport(landing, MONTH, "assembly-2", columns=columns, rows=rows).write()
    result = materialize_month(defs, MONTH)

    count, total = month_rows(settings)
    assert (count, total) == (25, exact_total(restated.rows, COST))
    assert query(settings, f"SELECT count(*) FROM {TABLE} WHERE identity_line_item_id LIKE 'li-b%'") == [(25,)]
    assert month_rows(settings, other_month)[0] == 7  # the other month is untouched
    meta = output_metadata(result)
    assert meta["previous_execution_id"] == "assembly-1"
    assert "replaced execution assembly-1" in meta["status"]
    assert meta["columns_added"] == ["resource_tags_user_project"]
    assert meta["columns_removed"] == []


def test_columns_dropped_by_a_newer_export_are_reported_and_kept_in_the_table(landing, defs, settings):
    load_first_assembly(landing, defs, settings)
    keep = [i for i, c in enumerate(BASE_COLUMNS) if c[1] != "user:Cost Center"]
    columns = [BASE_COLUMNS[i] for i in keep]
    rows = [[r[i] for i in keep] for r in sample_rows(MONTH, 5, salt="c")]
    CurExport(landing, MONTH, "assembly-2", columns=columns, rows=rows).write()
    meta = output_metadata(materialize_month(defs, MONTH))

    assert meta["columns_removed"] == ["resource_tags_user_cost_center"]
    assert query(settings, f"SELECT count(*), count(resource_tags_user_cost_center) FROM {TABLE}") == [(5, 0)]


def test_failure_mid_load_leaves_previous_month_intact(landing, defs, settings):
    load_first_assembly(landing, defs, settings)
    before = month_rows(settings)
    restated = CurExport(landing, MONTH, "assembly-2", rows=sample_rows(MONTH, 30, salt="x"), parts=3)
    restated.write()
    # The third part is cut in the middle of its gzip stream: parts 1-2 insert fine, part 3 fails.
    data = restated.data_path(3).read_bytes()
    restated.data_path(3).write_bytes(data[: len(data) // 2])

    result = materialize_month(defs, MONTH, raise_on_error=False)

    assert not result.success
    assert month_rows(settings) == before
    assert query(settings, "SELECT execution_id FROM billing_raw._load_tracking") == [("assembly-1",)]


def test_parquet_month_loads_with_exact_costs(landing, defs, settings):
    rows = sample_rows(MONTH, 30)
    export = CurExport(landing, MONTH, "pq-1", rows=rows, parquet=True).write()
    meta = output_metadata(materialize_month(defs, MONTH))

    count, total = month_rows(settings)
    assert count == 30
    assert total == exact_total(export.rows, COST)  # doubles read back as the decimals the exporter meant
    assert meta["execution_id"] == "pq-1"
    starts = query(settings, f"SELECT min(line_item_usage_start_date) FROM {TABLE}")
    assert starts[0][0].isoformat() == "2025-09-01T00:00:00"


def test_month_without_a_manifest_fails_with_the_prefix_named(landing, defs):
    with pytest.raises(dg.Failure, match="no CUR manifest for 2025-09 under .*aws_cur"):
        materialize_month(defs, MONTH)


def test_assembly_subfolder_manifest_copies_are_ignored(landing, defs, settings):
    export = CurExport(landing, MONTH, "assembly-1", rows=sample_rows(MONTH, 10)).write()
    # The month-level manifest is the one that counts; its assembly copy sits next to the data.
    assert (export.folder / "assembly-1" / export.manifest_path.name).exists()
    materialize_month(defs, MONTH)
    assert month_rows(settings)[0] == 10


def test_rows_outside_the_billing_month_fail_the_load(landing, defs, settings):
    rows = sample_rows(MONTH, 6)
    rows[2][2] = "2025-10-01T00:00:00.000Z"
    CurExport(landing, MONTH, "assembly-1", rows=rows).write()
    with pytest.raises(Exception, match="1 rows have bill_billing_period_start_date outside 2025-09"):
        materialize_month(defs, MONTH)
    # The first load of the table rolled back whole: not even the CREATE TABLE survived.
    assert query(settings, "SELECT count(*) FROM information_schema.tables WHERE table_name = 'aws_cur_raw'") == [(0,)]


# -- bad input: a clear error naming the file, and the month's previous data intact ---------------------

def restate_with(landing, **changes) -> CurExport:
    return CurExport(landing, MONTH, "assembly-bad", rows=sample_rows(MONTH, 8, salt="bad"), **changes)


def assert_fails_and_month_intact(defs, settings, before, *patterns):
    result = materialize_month(defs, MONTH, raise_on_error=False)
    assert not result.success
    failure = next(e for e in result.all_events if e.event_type_value == "STEP_FAILURE")
    message = str(failure.event_specific_data.error)
    for pattern in patterns:
        assert pattern in message, message
    assert month_rows(settings) == before
    assert query(settings, "SELECT execution_id FROM billing_raw._load_tracking") == [("assembly-1",)]
    return message


@pytest.fixture
def loaded(landing, defs, settings):
    load_first_assembly(landing, defs, settings)
    return month_rows(settings)


def test_malformed_manifest_json(landing, defs, settings, loaded):
    export = restate_with(landing).write(raw_manifest=b'{"assemblyId": "x", "columns": [')
    assert_fails_and_month_intact(defs, settings, loaded, export.manifest_path.name, "malformed JSON")


@pytest.mark.parametrize("field", ["assemblyId", "billingPeriod", "columns", "reportKeys", "compression"])
def test_manifest_missing_a_required_field(landing, defs, settings, loaded, field):
    export = restate_with(landing)
    manifest = export.manifest()
    del manifest[field]
    export.write(manifest=manifest)
    assert_fails_and_month_intact(defs, settings, loaded, "test-report-Manifest.json", f"missing required field '{field}'")


def test_report_key_whose_file_is_missing(landing, defs, settings, loaded):
    export = restate_with(landing).write()
    export.data_path(2).unlink()
    assert_fails_and_month_intact(defs, settings, loaded, "test-report-Manifest.json", "test-report-2.csv.gz is missing")


def test_corrupt_gzip(landing, defs, settings, loaded):
    export = restate_with(landing).write()
    export.data_path(1).write_bytes(b"this is not gzip at all" * 10)
    assert_fails_and_month_intact(defs, settings, loaded, "assembly-bad/test-report-1.csv.gz", "not a valid gzip file")


def test_row_with_the_wrong_number_of_fields(landing, defs, settings, loaded):
    export = restate_with(landing)
    export.rows[5] = export.rows[5][:-2]
    export.write()
    assert_fails_and_month_intact(
        defs, settings, loaded, "assembly-bad/test-report-2.csv.gz", "Expected Number of Columns: 13 Found: 11"
    )


def test_non_numeric_cost_names_the_file_line_and_column(landing, defs, settings, loaded):
    export = restate_with(landing)
    export.rows[4][COST] = "12,5 USD"
    export.write()
    assert_fails_and_month_intact(
        defs, settings, loaded, "assembly-bad/test-report-1.csv.gz",
        'column line_item_unblended_cost ("lineItem/UnblendedCost")', "12,5 USD",
    )


def test_unknown_column_type(landing, defs, settings, loaded):
    export = restate_with(landing, columns=BASE_COLUMNS[:-1] + [("resourceTags", "user:Cost Center", "Geography")])
    export.write()
    assert_fails_and_month_intact(
        defs, settings, loaded, "test-report-Manifest.json", "'resourceTags/user:Cost Center' has unknown type 'Geography'"
    )


@pytest.mark.parametrize("bad_key", ["cur/test-report/20250901-20251001/../../../../../etc/passwd", "/etc/passwd"])
def test_report_key_escaping_the_landing_area_is_rejected(landing, defs, settings, loaded, bad_key):
    export = restate_with(landing)
    manifest = export.manifest()
    manifest["reportKeys"] = [bad_key]
    export.write(manifest=manifest)
    assert_fails_and_month_intact(defs, settings, loaded, "test-report-Manifest.json", "rejected")


def test_symlink_out_of_the_landing_area_is_rejected(landing, defs, settings, loaded, tmp_path):
    outside = tmp_path / "outside.csv.gz"
    export = restate_with(landing).write()
    outside.write_bytes(export.data_path(1).read_bytes())
    export.data_path(1).unlink()
    export.data_path(1).symlink_to(outside)
    assert_fails_and_month_intact(defs, settings, loaded, "test-report-1.csv.gz", "outside the landing area")


def test_column_names_with_quotes_semicolons_and_spaces_are_loaded_safely(landing, defs, settings):
    hostile = [
        ("resourceTags", 'user:a"b', "OptionalString"),
        ("resourceTags", "user:x; DROP TABLE billing_raw.aws_cur_raw; --", "OptionalString"),
        ("resourceTags", "user:Cost  Center", "OptionalString"),  # collides with user:Cost Center
        ("resourceTags", "user:select", "OptionalString"),
    ]
    columns = BASE_COLUMNS + hostile
    rows = [r + ["q", "s", "dup", "kw"] for r in sample_rows(MONTH, 4)]
    CurExport(landing, MONTH, "assembly-1", columns=columns, rows=rows).write()
    materialize_month(defs, MONTH)

    names = [r[0] for r in query(settings, "SELECT column_name FROM information_schema.columns WHERE table_name = 'aws_cur_raw' ORDER BY ordinal_position")]
    assert names[-4:] == [
        "resource_tags_user_a_b",
        "resource_tags_user_x_d_r_o_p_t_a_b_l_e_billing_raw_aws_cur_raw",  # each capital starts a word (Athena rule)
        "resource_tags_user_cost_center_2",
        "resource_tags_user_select",
    ]
    assert query(settings, f"SELECT DISTINCT resource_tags_user_cost_center_2, resource_tags_user_select FROM {TABLE}") == [("dup", "kw")]


def test_header_that_disagrees_with_the_manifest_fails_before_loading(landing, defs, settings, loaded):
    export = restate_with(landing)
    manifest = export.manifest()
    manifest["columns"][3], manifest["columns"][4] = manifest["columns"][4], manifest["columns"][3]
    export.write(manifest=manifest)
    assert_fails_and_month_intact(defs, settings, loaded, "test-report-1.csv.gz", "header differs from the manifest")
