"""`aws_data_exports_raw` end to end: real CUR 2.0 Parquet (map columns), a real DuckDB file, real Dagster runs."""

from __future__ import annotations

import json
from decimal import Decimal

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from finops_assets.defs.aws_data_exports.discovery import list_export_versions
from finops_assets.landing import landing_from_url
from finops_assets_tests.conftest import MONTH, materialize_month, output_metadata, query, step_failure_message
from finops_assets_tests.cur_exports import next_month
from finops_assets_tests.data_exports import DataExport, exact_total, sample_rows

TABLE = "billing_raw.aws_data_exports_raw"


def load(defs, **kwargs):
    return materialize_month(defs, MONTH, asset="aws_data_exports_raw", **kwargs)


def month_totals(settings):
    return query(settings, f"SELECT count(*), sum(line_item_unblended_cost) FROM {TABLE}")[0]


@pytest.fixture
def loaded(landing, defs, settings):
    DataExport(landing, MONTH, "exec-1", sample_rows(MONTH, 20)).write()
    load(defs)
    return month_totals(settings)


def test_parquet_month_with_maps_loads_exactly(landing, defs, settings):
    export = DataExport(landing, MONTH, "exec-1", sample_rows(MONTH, 30), parts=3).write()
    meta = output_metadata(load(defs))

    assert month_totals(settings) == (30, exact_total(export.rows))
    assert meta["execution_id"] == "exec-1" and meta["status"] == "first load of the month"
    assert Decimal(meta["total_unblended_cost"]) == exact_total(export.rows)
    assert meta["export_name"] == "cur2-daily" and meta["files"] == 3
    types = dict(query(settings, "SELECT column_name, data_type FROM information_schema.columns WHERE table_name = 'aws_data_exports_raw'"))
    assert types["line_item_unblended_cost"] == "DECIMAL(38,18)"
    assert types["bill_billing_period_start_date"] == "TIMESTAMP"
    assert types["resource_tags"] == types["product"] == "MAP(VARCHAR, VARCHAR)"
    # doubles keep the decimal the exporter wrote, not their binary expansion
    assert query(settings, f"SELECT DISTINCT line_item_unblended_cost FROM {TABLE} WHERE line_item_unblended_cost BETWEEN 0.09 AND 0.11") == [(Decimal("0.1"),)]
    assert query(settings, f"SELECT resource_tags['user_team'], product['product_name'] FROM {TABLE} WHERE identity_line_item_id = 'li-1'") == [
        ("checkout", "Amazon Elastic Compute Cloud")
    ]
    assert query(settings, f"SELECT cardinality(resource_tags) FROM {TABLE} WHERE identity_line_item_id = 'li-4'") == [(0,)]


def test_rerun_of_the_same_execution_is_a_noop(landing, defs, settings, loaded):
    meta = output_metadata(load(defs))
    assert meta["skipped"] is True and meta["dagster/row_count"] == 20
    assert month_totals(settings) == loaded
    assert query(settings, "SELECT count(*) FROM billing_raw._load_tracking") == [(1,)]


@pytest.mark.parametrize("create_new", [False, True], ids=["overwrite", "create-new"])
def test_new_execution_replaces_the_month(landing, defs, settings, loaded, create_new):
    newer = DataExport(landing, MONTH, "exec-2", sample_rows(MONTH, 9, salt="b"), parts=1, create_new=create_new)
    if not create_new:  # overwrite versioning replaces the files in place
        for old in newer.data_folder().glob("*.parquet"):
            old.unlink()
    newer.write()
    meta = output_metadata(load(defs))

    assert meta["execution_id"] == "exec-2" and meta["previous_execution_id"] == "exec-1"
    assert meta["status"] == "replaced execution exec-1"
    assert month_totals(settings) == (9, exact_total(newer.rows))
    versions = list(list_export_versions(landing_from_url(settings.landing_url), [MONTH.isoformat()], prefix="aws_data_exports"))
    assert [(v.partition_key, v.execution_id) for v in versions] == [(MONTH.isoformat(), "exec-2")]


def assert_fails_and_month_intact(defs, settings, before, *fragments):
    result = load(defs, raise_on_error=False)
    assert not result.success
    message = step_failure_message(result)
    for fragment in fragments:
        assert fragment in message, message
    assert month_totals(settings) == before
    assert query(settings, "SELECT execution_id FROM billing_raw._load_tracking") == [("exec-1",)]


def bad_execution(landing, **kwargs) -> DataExport:
    return DataExport(landing, MONTH, "exec-bad", sample_rows(MONTH, 8, salt="x"), create_new=True, **kwargs)


def test_malformed_manifest_fails_naming_it(landing, defs, settings, loaded):
    export = bad_execution(landing).write()
    export.manifest_path.write_text('{"executionId": "exec-bad", "dataFiles": [')
    assert_fails_and_month_intact(defs, settings, loaded, "BILLING_PERIOD=2025-09/cur2-daily-Manifest.json", "malformed JSON")


def test_missing_data_file_fails_naming_it(landing, defs, settings, loaded):
    export = bad_execution(landing).write()
    (export.data_folder() / "cur2-daily-00002.snappy.parquet").unlink()
    assert_fails_and_month_intact(defs, settings, loaded, "cur2-daily-Manifest.json", "exec-bad/cur2-daily-00002.snappy.parquet", "is missing")


def test_parquet_column_of_the_wrong_type_fails_naming_file_and_column(landing, defs, settings, loaded):
    export = bad_execution(landing).write()
    path = export.data_folder() / "cur2-daily-00001.snappy.parquet"
    table = pq.read_table(path)
    index = table.schema.get_field_index("resource_tags")
    pq.write_table(table.set_column(index, "resource_tags", pa.array(["team=platform"] * table.num_rows)), path)
    assert_fails_and_month_intact(defs, settings, loaded, "exec-bad/cur2-daily-00001.snappy.parquet", "'resource_tags' is Parquet VARCHAR")


def test_rows_of_another_month_fail_and_keep_the_month(landing, defs, settings, loaded):
    rows = sample_rows(MONTH, 8, salt="x")
    other = sample_rows(next_month(MONTH), 1, salt="y")[0]
    DataExport(landing, MONTH, "exec-bad", rows + [other], create_new=True).write()
    assert_fails_and_month_intact(defs, settings, loaded, "1 rows have bill_billing_period_start_date outside 2025-09")


def test_data_file_of_another_month_in_the_manifest_fails(landing, defs, settings, loaded):
    export = bad_execution(landing).write()
    manifest = export.manifest(["s3://b/exports/cur2-daily/data/BILLING_PERIOD=2025-08/cur2-daily-00001.snappy.parquet"])
    export.manifest_path.write_text(json.dumps(manifest))
    assert_fails_and_month_intact(defs, settings, loaded, "cur2-daily-Manifest.json", "is not a file of 2025-09")


def test_two_exports_delivering_one_month_are_refused(landing, defs, settings, loaded):
    DataExport(landing, MONTH, "exec-other", sample_rows(MONTH, 3), export_name="cur2-hourly").write()
    assert_fails_and_month_intact(defs, settings, loaded, "2 Data Exports deliver 2025-09", "FINOPS_AWS_DATA_EXPORTS_PREFIX")
