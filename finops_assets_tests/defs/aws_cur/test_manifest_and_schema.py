"""Pure parsing: CUR v1 manifests, the type map, reportKey mapping."""

import json
from datetime import date, datetime, timezone

import pytest

from finops_assets.defs.aws_cur.discovery import month_level_manifest, report_key_to_landing_key
from finops_assets.defs.aws_cur.manifest import CurColumn, ManifestError, parse_cur_manifest
from finops_assets.defs.aws_cur.schema import CUR_TYPE_MAP, warehouse_columns
from finops_assets.landing import LandingObject
from finops_assets.warehouse.load_request import ColumnType
from finops_assets_tests.cur_exports import CurExport

KEY = "aws_cur/cur/r/20250901-20251001/r-Manifest.json"


def manifest_bytes(**changes) -> bytes:
    document = CurExport(None, date(2025, 9, 1), "a-1").manifest()
    document.update(changes)
    return json.dumps(document).encode()


def test_manifest_fields_are_parsed():
    manifest = parse_cur_manifest(manifest_bytes(), KEY)
    assert manifest.assembly_id == "a-1"
    assert manifest.billing_period_start == datetime(2025, 9, 1, tzinfo=timezone.utc)
    assert manifest.billing_month == date(2025, 9, 1)
    assert manifest.columns[0] == CurColumn("identity", "LineItemId", "String")
    assert manifest.compression == "GZIP" and not manifest.is_parquet
    assert manifest.report_keys[0].startswith("cur/test-report/20250901-20251001/a-1/")


@pytest.mark.parametrize(
    "changes, message",
    [
        ({"billingPeriod": {"start": "2025-09-01", "end": "20251001T000000.000Z"}}, "billingPeriod.start '2025-09-01'"),
        ({"billingPeriod": {"start": "20251001T000000.000Z", "end": "20250901T000000.000Z"}}, "is not after"),
        ({"columns": [{"category": "a", "name": "b"}]}, r"columns\[0\].type missing"),
        ({"columns": []}, "'columns' is empty"),
        ({"reportKeys": []}, "'reportKeys' is empty"),
        ({"reportKeys": [3]}, r"reportKeys\[0\] must be a non-empty string"),
        ({"compression": "ZSTD"}, "compression 'ZSTD'"),
        ({"assemblyId": ""}, "'assemblyId' must be a non-empty str"),
    ],
)
def test_invalid_manifests_name_the_file_and_field(changes, message):
    with pytest.raises(ManifestError, match=message) as error:
        parse_cur_manifest(manifest_bytes(**changes), KEY)
    assert str(error.value).startswith(KEY)


def test_top_level_must_be_an_object():
    with pytest.raises(ManifestError, match="top level must be a JSON object"):
        parse_cur_manifest(b"[]", KEY)


def test_type_map_is_complete_for_known_cur_types():
    assert set(CUR_TYPE_MAP) == {"String", "OptionalString", "Interval", "BigDecimal", "OptionalBigDecimal", "DateTime"}
    columns = warehouse_columns(
        (CurColumn("bill", "BillingPeriodStartDate", "DateTime"), CurColumn("lineItem", "UnblendedCost", "BigDecimal"),
         CurColumn("identity", "TimeInterval", "Interval")),
        KEY,
    )
    assert [(c.name, c.type) for c in columns] == [
        ("bill_billing_period_start_date", ColumnType.TIMESTAMP),
        ("line_item_unblended_cost", ColumnType.DECIMAL),
        ("identity_time_interval", ColumnType.STRING),
    ]


def test_manifest_without_billing_period_column_cannot_be_partitioned():
    with pytest.raises(ManifestError, match="no bill/BillingPeriodStartDate column"):
        warehouse_columns((CurColumn("lineItem", "UnblendedCost", "BigDecimal"),), KEY)


@pytest.mark.parametrize(
    "report_key, landing_key",
    [
        ("cur/r/20250901-20251001/a-1/r-1.csv.gz", "aws_cur/cur/r/20250901-20251001/a-1/r-1.csv.gz"),
        ("other-prefix/deeper/r/20250901-20251001/a-1/r-1.csv.gz", "aws_cur/cur/r/20250901-20251001/a-1/r-1.csv.gz"),
        ("r/20250901-20251001/a-1/r-1.csv.gz", "aws_cur/cur/r/20250901-20251001/a-1/r-1.csv.gz"),
    ],
)
def test_report_keys_map_next_to_the_manifest_whatever_the_s3_prefix(report_key, landing_key):
    assert report_key_to_landing_key(KEY, report_key) == landing_key


@pytest.mark.parametrize("report_key", ["cur/other/20250901-20251001/a/r-1.csv.gz", "cur/xr/20250901-20251001/a/x.csv.gz"])
def test_report_keys_of_another_report_or_period_are_rejected(report_key):
    with pytest.raises(ManifestError, match="is not under 'r/20250901-20251001/'"):
        report_key_to_landing_key(KEY, report_key)


def test_only_month_level_manifests_count():
    month_level = month_level_manifest(LandingObject(KEY, 1, 0.0))
    assert month_level is not None and month_level.billing_month == date(2025, 9, 1)
    assert month_level_manifest(LandingObject("aws_cur/cur/r/20250901-20251001/a-1/r-Manifest.json", 1, 0.0)) is None
    assert month_level_manifest(LandingObject("aws_cur/cur/r/20250901-20251001/r-1.csv.gz", 1, 0.0)) is None
