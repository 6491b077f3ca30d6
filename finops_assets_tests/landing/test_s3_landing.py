"""The landing area on S3: the real boto3 client (built by dagster-aws's S3Resource) against moto's S3 server."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from finops_assets.defs.aws_cur.discovery import discover_manifests, read_current_manifest
from finops_assets.definitions import build_definitions
from finops_assets.landing import LandingPathError
from finops_assets.landing.resource import LandingResource
from finops_assets.landing.s3 import S3Landing, split_s3_url
from finops_assets.settings import Settings
from finops_assets_tests.conftest import MONTH, materialize_month, output_metadata, query
from finops_assets_tests.cur_exports import BASE_COLUMNS, CurExport, exact_total, sample_rows
from finops_assets_tests.s3_server import bucket, s3, upload_tree  # noqa: F401 (fixtures)


@pytest.fixture
def exports(tmp_path, s3, bucket):
    local = tmp_path / "export"
    CurExport(local, date(2025, 8, 1), "aug-1", rows=sample_rows(date(2025, 8, 1), 10), parquet=True).write()
    CurExport(local, MONTH, "sep-1", rows=sample_rows(MONTH, 10)).write()
    restated = CurExport(local, MONTH, "sep-2", rows=sample_rows(MONTH, 12, salt="b")).write()
    upload_tree(s3[0], bucket, "exports", local)
    return restated


def landing_resource(endpoint: str, url: str) -> LandingResource:
    return LandingResource(url=url, s3_endpoint_url=endpoint, s3_region="us-east-1")


def test_s3_urls_split_into_bucket_and_prefix():
    assert split_s3_url("s3://b/some/prefix/") == ("b", "some/prefix")
    assert split_s3_url("s3://b") == ("b", "")
    with pytest.raises(ValueError, match="no bucket"):
        split_s3_url("s3:///x")


def test_s3_listing_finds_month_level_manifests_only(s3, bucket, exports):
    landing = landing_resource(s3[1], f"s3://{bucket}/exports").get_landing()
    assert isinstance(landing, S3Landing)
    refs = discover_manifests(landing, "aws_cur")
    assert [(r.key, r.billing_month) for r in refs] == [
        ("aws_cur/cur/test-report/20250801-20250901/test-report-Manifest.json", date(2025, 8, 1)),
        ("aws_cur/cur/test-report/20250901-20251001/test-report-Manifest.json", date(2025, 9, 1)),
    ]
    manifest = read_current_manifest(landing, "aws_cur", MONTH)
    assert manifest.assembly_id == "sep-2"
    assert landing.native_uri(manifest.key) == f"s3://{bucket}/exports/{manifest.key}"
    assert landing.read_head(manifest.key, 14) == b'{"assemblyId":'


def test_s3_keys_are_confined_and_missing_objects_named(s3, bucket):
    landing = landing_resource(s3[1], f"s3://{bucket}/exports").get_landing()
    with pytest.raises(LandingPathError):
        landing.stat("../other-prefix/x")
    with pytest.raises(FileNotFoundError, match=f"s3://{bucket}/exports/aws_cur/missing.csv.gz"):
        landing.stat("aws_cur/missing.csv.gz")
    with pytest.raises(FileNotFoundError, match="missing.json"):
        landing.read_bytes("aws_cur/missing.json")


def test_parquet_schema_is_read_through_ranged_requests(s3, bucket, exports):
    landing = landing_resource(s3[1], f"s3://{bucket}/exports").get_landing()
    key = "aws_cur/cur/test-report/20250801-20250901/aug-1/test-report-1.snappy.parquet"
    with landing.open(key) as handle:
        names = pq.read_schema(handle).names
    assert names[:3] == ["identity_line_item_id", "identity_time_interval", "bill_billing_period_start_date"]


def test_local_warehouse_loads_months_from_s3_through_a_staging_copy(tmp_path, s3, bucket, exports):
    settings = Settings(
        landing_url=f"s3://{bucket}/exports", s3_endpoint_url=s3[1], s3_region="us-east-1",
        duckdb_path=str(tmp_path / "wh" / "warehouse.duckdb"), start_month=date(2024, 1, 1),
    )
    defs = build_definitions(settings)
    csv_meta = output_metadata(materialize_month(defs, MONTH))
    parquet_meta = output_metadata(materialize_month(defs, date(2025, 8, 1)))

    assert csv_meta["execution_id"] == "sep-2"
    assert csv_meta["manifest"] == f"s3://{bucket}/exports/aws_cur/cur/test-report/20250901-20251001/test-report-Manifest.json"
    assert parquet_meta["execution_id"] == "aug-1"
    rows = query(settings, "SELECT billing_month, row_count, total_cost FROM billing_raw._load_tracking ORDER BY 1")
    cost_index = [n for _, n, _ in BASE_COLUMNS].index("UnblendedCost")
    assert [(r[0], r[1]) for r in rows] == [(date(2025, 8, 1), 10), (date(2025, 9, 1), 12)]
    assert rows[1][2] == exact_total(sample_rows(MONTH, 12, salt="b"), cost_index)
    assert rows[0][2] == exact_total(sample_rows(date(2025, 8, 1), 10), cost_index)
    # The staged copies are gone once the load ends.
    staging = Path(settings.duckdb_path).parent / ".staging"
    assert staging.is_dir() and list(staging.iterdir()) == []


def test_sensor_listing_reads_month_folders_from_s3(s3, bucket, exports):
    from finops_assets.defs.aws_cur.discovery import list_export_versions
    from finops_assets.defs.sensors import ExportVersion

    landing = landing_resource(s3[1], f"s3://{bucket}/exports").get_landing()
    assert landing.list_folders("aws_cur/cur/test-report") == [
        "aws_cur/cur/test-report/20250801-20250901", "aws_cur/cur/test-report/20250901-20251001"]
    versions = list(list_export_versions(landing, ["2025-08-01", "2025-09-01"], prefix="aws_cur"))
    assert sorted((v.partition_key, v.execution_id) for v in versions if isinstance(v, ExportVersion)) == [
        ("2025-08-01", "aug-1"), ("2025-09-01", "sep-2")]
