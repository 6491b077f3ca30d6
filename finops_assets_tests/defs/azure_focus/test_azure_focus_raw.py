"""`azure_focus_raw` end to end: real Parquet / CSV(.gz) runs, a real DuckDB file, real Dagster runs."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal

import pytest

from finops_assets.defs.azure_focus.discovery import partition_key_for
from finops_assets.defs.azure_focus.manifest import ManifestError, parse_focus_manifest
from finops_assets.partitions import billing_month_partitions
from finops_assets_tests.conftest import MONTH, materialize_month, output_metadata, query, step_failure_message
from finops_assets_tests.focus_exports import FocusExport, exact_total, focus_rows

TABLE = "billing_raw.azure_focus_raw"


def load(defs, **kwargs):
    return materialize_month(defs, MONTH, asset="azure_focus_raw", **kwargs)


def month_totals(settings):
    return query(settings, f"SELECT count(*), sum(billed_cost) FROM {TABLE}")[0]


@pytest.fixture
def loaded(landing, defs, settings):
    FocusExport(landing, MONTH, "run-1", rows=focus_rows(MONTH, 20)).write()
    load(defs)
    return month_totals(settings)


def test_parquet_run_loads_exactly_and_reconciles_row_counts(landing, defs, settings):
    export = FocusExport(landing, MONTH, "run-1", rows=focus_rows(MONTH, 30), parts=3).write()
    meta = output_metadata(load(defs))

    assert month_totals(settings) == (30, exact_total(export.rows))
    assert meta["execution_id"] == "run-1"
    assert meta["dagster/row_count"] == 30
    assert Decimal(meta["total_billed_cost"]) == exact_total(export.rows)
    assert meta["export_name"] == "focus-daily"
    assert meta["submitted_time"] == "2025-09-03T06:12:45.123456+00:00"
    types = dict(query(settings, "SELECT column_name, data_type FROM information_schema.columns WHERE table_name = 'azure_focus_raw'"))
    assert types["billed_cost"] == "DECIMAL(38,18)"
    assert types["charge_period_start"] == "TIMESTAMP"
    assert types["tags"] == "JSON"
    assert types["x_resource_group_name"] == "VARCHAR"
    assert types["x_something_new"] == "VARCHAR"  # unknown columns are kept, never dropped
    assert query(settings, f"SELECT tags->>' team' FROM {TABLE} WHERE tags->>' team' IS NOT NULL LIMIT 1") == [("checkout",)]
    assert query(settings, f"SELECT DISTINCT billed_cost FROM {TABLE} WHERE billed_cost < 0.001 AND billed_cost > 0") == [(Decimal("0.00000000186"),)]


@pytest.mark.parametrize("compression", ["Gzip", "None"])
def test_csv_runs_with_bom_crlf_and_literal_nulls_load(landing, defs, settings, compression):
    export = FocusExport(
        landing, MONTH, "run-csv", rows=focus_rows(MONTH, 24), file_format="Csv", compression=compression, bom=True, crlf=True,
    ).write()
    load(defs)

    assert month_totals(settings) == (24, exact_total(export.rows))
    assert query(settings, f"SELECT count(*) FROM {TABLE} WHERE billed_cost IS NULL") == [(4,)]  # the NULL cells
    assert query(settings, f"SELECT min(charge_period_start), min(billing_period_start) FROM {TABLE}")[0][1] == \
        query(settings, "SELECT TIMESTAMP '2025-09-01 00:00:00'")[0][0]


def test_newest_run_by_submitted_time_replaces_the_month(landing, defs, settings, loaded):
    newer = FocusExport(landing, MONTH, "run-3", submitted="2025-09-05T01:00:00.0000001Z", rows=focus_rows(MONTH, 9, salt="c")).write()
    # An older run written later (listing order is not submission order) must not win.
    FocusExport(landing, MONTH, "run-2", submitted="2025-09-04T01:00:00Z", rows=focus_rows(MONTH, 5, salt="b")).write()
    meta = output_metadata(load(defs))

    assert meta["execution_id"] == "run-3"
    assert meta["previous_execution_id"] == "run-1"
    assert month_totals(settings) == (9, exact_total(newer.rows))
    assert output_metadata(load(defs))["skipped"] is True


def assert_fails_and_month_intact(defs, settings, before, *fragments):
    result = load(defs, raise_on_error=False)
    assert not result.success
    message = step_failure_message(result)
    for fragment in fragments:
        assert fragment in message, message
    assert month_totals(settings) == before
    assert query(settings, "SELECT execution_id FROM billing_raw._load_tracking") == [("run-1",)]


def newer_run(landing, **kwargs) -> FocusExport:
    return FocusExport(landing, MONTH, "run-bad", submitted="2025-09-06T00:00:00Z", rows=focus_rows(MONTH, 8, salt="x"), **kwargs)


def test_row_count_mismatch_fails_and_keeps_the_month(landing, defs, settings, loaded):
    export = newer_run(landing)
    export.write()
    manifest = export.manifest()
    manifest["blobs"][1]["dataRowCount"] += 1
    export.write(manifest=manifest)
    assert_fails_and_month_intact(defs, settings, loaded, "loaded 8 rows but the manifest declares 9")


def test_missing_blob_fails_naming_it(landing, defs, settings, loaded):
    export = newer_run(landing).write()
    (export.folder / export.file_name(2)).unlink()
    assert_fails_and_month_intact(defs, settings, loaded, "run-bad/manifest.json", "part_0_0002.snappy.parquet", "is missing")


def test_parquet_column_of_the_wrong_type_fails_naming_file_and_column(landing, defs, settings, loaded):
    export = newer_run(landing).write()
    import pyarrow as pa
    import pyarrow.parquet as pq

    path = export.folder / export.file_name(1)
    table = pq.read_table(path)
    index = table.schema.get_field_index("BilledCost")
    table = table.set_column(index, "BilledCost", pa.array([True] * table.num_rows))
    pq.write_table(table, path)
    assert_fails_and_month_intact(defs, settings, loaded, "run-bad/part_0_0001.snappy.parquet", "'BilledCost' is Parquet bool")


def test_malformed_manifest_fails_naming_it(landing, defs, settings, loaded):
    newer_run(landing).write(raw_manifest=b'{"manifestVersion": ')
    assert_fails_and_month_intact(defs, settings, loaded, "run-bad/manifest.json", "malformed JSON")


def test_run_whose_start_date_disagrees_with_its_folder_fails(landing, defs, settings, loaded):
    export = newer_run(landing)
    export.write()
    manifest = export.manifest()
    manifest["runInfo"]["startDate"] = "2019-01-01T00:00:00"
    export.write(manifest=manifest)
    assert_fails_and_month_intact(defs, settings, loaded, "run-bad/manifest.json", "is in 2019-01, not in its folder's month 2025-09")


def test_run_for_a_month_outside_the_partitions_is_rejected():
    partitions = billing_month_partitions(date(2022, 1, 1))
    assert partition_key_for(date(2025, 9, 1), partitions, "m.json") == "2025-09-01"
    with pytest.raises(ManifestError, match=r"m.json: run for 2019-01 is outside the partitions \(2022-01\.\."):
        partition_key_for(date(2019, 1, 1), partitions, "m.json")


def test_2021_manifest_without_run_info_uses_its_folder(landing, defs, settings):
    export = FocusExport(landing, MONTH, "20250902-old", file_format="Csv", compression="None", rows=focus_rows(MONTH, 6))
    export.write()
    manifest = export.manifest()
    for key in ("runInfo", "deliveryConfig", "exportConfig"):
        del manifest[key]
    manifest.update({"manifestVersion": "2021-01-01", "dataFormat": "Csv", "headerRowCount": 1})
    export.write(manifest=manifest)
    meta = output_metadata(load(defs))
    assert meta["execution_id"] == "20250902-old"
    assert month_totals(settings) == (6, exact_total(export.rows))


def test_submitted_time_with_seven_fraction_digits_and_zoneless_start_parse():
    document = {
        "manifestVersion": "2024-04-01",
        "exportConfig": {"exportName": "e"},
        "deliveryConfig": {"fileFormat": "Parquet", "compressionMode": "Snappy"},
        "runInfo": {"runId": "r", "submittedTime": "2025-09-03T06:12:45.1234567Z", "startDate": "2025-09-01T00:00:00"},
        "blobs": [{"blobName": "x/e/20250901-20251001/r/part.parquet", "dataRowCount": 3}],
    }
    manifest = parse_focus_manifest(json.dumps(document).encode(), "azure_focus/e/20250901-20251001/r/manifest.json")
    assert manifest.submitted_time.isoformat() == "2025-09-03T06:12:45.123456+00:00"
    assert manifest.billing_month == MONTH and manifest.expected_row_count == 3
