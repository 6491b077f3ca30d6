"""The Data Exports manifest (documented shape), CUR 2.0 type rules, discovery and data file mapping: pure code."""

from __future__ import annotations

import json
from datetime import date

import pytest

from finops_assets.defs.aws_data_exports.discovery import (
    ExportVersion,
    data_file_to_landing_key,
    export_versions,
    manifest_ref,
)
from finops_assets.defs.aws_data_exports.manifest import ManifestError, parse_data_export_manifest
from finops_assets.defs.aws_data_exports.schema import column_type, warehouse_columns
from finops_assets.landing import LandingObject
from finops_assets.warehouse.load_request import ColumnType

MONTH = date(2025, 9, 1)
KEY = "aws_data_exports/exports/cur2-daily/metadata/BILLING_PERIOD=2025-09/cur2-daily-Manifest.json"
DOCUMENT = {
    "bucket": "finops-demo-data-exports",
    "columns": [
        {"name": "bill_billing_period_start_date", "type": "timestamp"},
        {"name": "line_item_unblended_cost", "type": "double"},
        {"name": "line_item_usage_start_date", "type": "timestamp"},
        {"name": "resource_tags", "type": "map<string,string>"},
        {"name": "product", "type": "map <string, string>"},
    ],
    "dataFiles": [
        "s3://finops-demo-data-exports/exports/cur2-daily/data/BILLING_PERIOD=2025-09/cur2-daily-00001.snappy.parquet",
    ],
    "executionId": "3a1f6a0e-5a8d-4d8e-9a53-0b1f2a7c9e11",
    "exportArn": "arn:aws:bcm-data-exports:us-east-1:210987654321:export/cur2-daily-4c1b2f0e",
    "exportName": "cur2-daily",
    "billingPeriod": {"start": "2025-09-01T00:00:00.000Z", "end": "2025-10-01T00:00:00.000Z"},
    "additionalOutputFiles": [],
    "queryStatement": "SELECT ... FROM COST_AND_USAGE_REPORT",
}


def parse(document: dict, key: str = KEY):
    return parse_data_export_manifest(json.dumps(document).encode(), key, MONTH, "cur2-daily")


def test_documented_manifest_parses_execution_files_and_columns():
    manifest = parse(DOCUMENT)
    assert manifest.execution_id == "3a1f6a0e-5a8d-4d8e-9a53-0b1f2a7c9e11"
    assert manifest.export_name == "cur2-daily" and manifest.export_arn.endswith("export/cur2-daily-4c1b2f0e")
    assert manifest.billing_month == MONTH
    assert [c.name for c in manifest.columns][:2] == ["bill_billing_period_start_date", "line_item_unblended_cost"]
    types = {c.name: c.type for c in warehouse_columns(manifest.columns, KEY)}
    assert types == {
        "bill_billing_period_start_date": ColumnType.TIMESTAMP, "line_item_unblended_cost": ColumnType.DECIMAL,
        "line_item_usage_start_date": ColumnType.TIMESTAMP, "resource_tags": ColumnType.STRING_MAP,
        "product": ColumnType.STRING_MAP,
    }


@pytest.mark.parametrize("period", ["2025-09", {"start": "20250901T000000.000Z", "end": "20251001T000000.000Z"}, None])
def test_billing_period_in_any_documented_spelling_or_absent_means_the_folder_month(period):
    document = {**DOCUMENT, "billingPeriod": period}
    if period is None:
        del document["billingPeriod"]
    assert parse(document).billing_month == MONTH


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        ({"executionId": None}, "missing required field 'executionId'"),
        ({"dataFiles": []}, "'dataFiles' is empty"),
        ({"columns": [{"name": "x"}]}, "columns[0].type missing"),
        ({"billingPeriod": "2025-08"}, "billingPeriod is 2025-08 but the manifest sits in BILLING_PERIOD=2025-09"),
        ({"exportName": "other"}, "exportName 'other' does not match its folder 'cur2-daily'"),
    ],
)
def test_bad_manifest_fields_are_named(change, problem):
    document = {k: v for k, v in {**DOCUMENT, **change}.items() if v is not None}
    with pytest.raises(ManifestError) as info:
        parse(document)
    assert str(info.value).startswith(KEY) and problem in str(info.value)


def test_malformed_json_names_the_file():
    with pytest.raises(ManifestError, match=r"cur2-daily-Manifest.json: malformed JSON"):
        parse_data_export_manifest(b'{"executionId": ', KEY, MONTH, "cur2-daily")


def test_unknown_column_type_and_missing_cost_column_fail():
    assert column_type("DECIMAL(38,10)") is ColumnType.DECIMAL and column_type("array<string>") is None
    columns = parse({**DOCUMENT, "columns": [*DOCUMENT["columns"], {"name": "weird", "type": "array<string>"}]}).columns
    with pytest.raises(ManifestError, match=r"column 'weird' has unknown type 'array<string>'"):
        warehouse_columns(columns, KEY)
    columns = parse({**DOCUMENT, "columns": DOCUMENT["columns"][:1]}).columns
    with pytest.raises(ManifestError, match="no line_item_unblended_cost column"):
        warehouse_columns(columns, KEY)


def test_only_month_manifests_are_discovered():
    def ref(key):
        return manifest_ref(LandingObject(key=key, size=1, updated=0.0))

    found = ref(KEY)
    assert (found.export_name, found.billing_month, found.export_root) == ("cur2-daily", MONTH, "aws_data_exports/exports/cur2-daily")
    assert ref("aws_data_exports/cur2-daily/metadata/BILLING_PERIOD=2025-09/cur2-daily-Manifest.json").key.startswith("aws_data_exports/cur2")
    assert ref("aws_data_exports/cur2-daily/metadata/BILLING_PERIOD=2025-13/cur2-daily-Manifest.json") is None
    assert ref("aws_data_exports/cur2-daily/metadata/BILLING_PERIOD=2025-09/other-Manifest.json") is None
    assert ref("aws_data_exports/cur2-daily/data/BILLING_PERIOD=2025-09/cur2-daily-Manifest.json") is None


def test_data_files_map_next_to_the_export_and_reject_other_months_and_traversal():
    manifest = parse(DOCUMENT)
    root = "aws_data_exports/exports/cur2-daily"
    assert data_file_to_landing_key(manifest, DOCUMENT["dataFiles"][0]) == f"{root}/data/BILLING_PERIOD=2025-09/cur2-daily-00001.snappy.parquet"
    # "create new file" versioning: the execution's files sit in their own folder
    created = "s3://b/any/prefix/cur2-daily/data/BILLING_PERIOD=2025-09/20250903T0412Z-exec/cur2-daily-00001.snappy.parquet"
    assert data_file_to_landing_key(manifest, created) == f"{root}/data/BILLING_PERIOD=2025-09/20250903T0412Z-exec/cur2-daily-00001.snappy.parquet"
    with pytest.raises(ManifestError, match="is not a file of 2025-09"):
        data_file_to_landing_key(manifest, "s3://b/exports/cur2-daily/data/BILLING_PERIOD=2025-08/cur2-daily-00001.snappy.parquet")
    with pytest.raises(ManifestError, match="rejected"):
        data_file_to_landing_key(manifest, "s3://b/exports/cur2-daily/data/BILLING_PERIOD=2025-09/../../x.parquet")
    with pytest.raises(ManifestError, match="is not under 'cur2-daily/data/'"):
        data_file_to_landing_key(manifest, "s3://b/exports/other/data/BILLING_PERIOD=2025-09/x.parquet")


def test_export_versions_list_every_month_with_its_execution():
    september = parse(DOCUMENT)
    august = parse_data_export_manifest(
        json.dumps({**DOCUMENT, "executionId": "exec-aug", "billingPeriod": "2025-08"}).encode(),
        KEY.replace("2025-09", "2025-08"), date(2025, 8, 1), "cur2-daily",
    )
    assert export_versions([september, august]) == [
        ExportVersion("2025-08-01", "exec-aug", KEY.replace("2025-09", "2025-08")),
        ExportVersion(MONTH.isoformat(), "3a1f6a0e-5a8d-4d8e-9a53-0b1f2a7c9e11", KEY),
    ]
