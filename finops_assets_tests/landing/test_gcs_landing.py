"""The landing area on GCS, through the real google-cloud-storage client against fake-gcs-server."""

from __future__ import annotations

import uuid
from datetime import date

import pytest

from finops_assets.defs.aws_cur.discovery import discover_manifests, read_current_manifest
from finops_assets.definitions import build_definitions
from finops_assets.landing import GcsLanding, LandingPathError
from finops_assets.landing.resource import LandingResource
from finops_assets.settings import Settings
from finops_assets_tests.bigquery_recorder import BigQueryRecorder, loader_answers
from finops_assets_tests.conftest import MONTH, materialize_month, output_metadata
from finops_assets_tests.cur_exports import CurExport, sample_rows
from finops_assets_tests.gcs_server import gcs_client, start_gcs_server, upload_tree


@pytest.fixture(scope="module")
def gcs():
    server = start_gcs_server()
    yield gcs_client()
    server.stop()


@pytest.fixture
def bucket(gcs):
    name = f"landing-{uuid.uuid4().hex[:8]}"
    gcs.create_bucket(name)
    return name


@pytest.fixture
def exports(tmp_path, gcs, bucket):
    local = tmp_path / "export"
    CurExport(local, date(2025, 8, 1), "aug-1", rows=sample_rows(date(2025, 8, 1), 10)).write()
    CurExport(local, MONTH, "sep-1", rows=sample_rows(MONTH, 10)).write()
    restated = CurExport(local, MONTH, "sep-2", rows=sample_rows(MONTH, 12, salt="b")).write()
    upload_tree(gcs, bucket, "exports", local)
    return restated


def test_gcs_listing_finds_month_level_manifests_only(gcs, bucket, exports):
    landing = GcsLanding(f"gs://{bucket}/exports", gcs)
    refs = discover_manifests(landing, "aws_cur")
    assert [(r.key, r.billing_month) for r in refs] == [
        ("aws_cur/cur/test-report/20250801-20250901/test-report-Manifest.json", date(2025, 8, 1)),
        ("aws_cur/cur/test-report/20250901-20251001/test-report-Manifest.json", date(2025, 9, 1)),
    ]
    manifest = read_current_manifest(landing, "aws_cur", MONTH)
    assert manifest.assembly_id == "sep-2"
    assert landing.native_uri(manifest.key) == f"gs://{bucket}/exports/{manifest.key}"
    assert landing.read_head(manifest.key, 14) == b'{"assemblyId":'


def test_gcs_keys_are_confined_too(gcs, bucket):
    landing = GcsLanding(f"gs://{bucket}/exports", gcs)
    with pytest.raises(LandingPathError):
        landing.stat("../other-bucket-prefix/x")
    with pytest.raises(FileNotFoundError, match=f"gs://{bucket}/exports/aws_cur/missing.csv.gz"):
        landing.stat("aws_cur/missing.csv.gz")


def test_landing_resource_builds_a_gcs_client_through_dagster_gcp(gcs, bucket, exports):
    landing = LandingResource(url=f"gs://{bucket}/exports", gcp_project="finops-test").get_landing()
    assert isinstance(landing, GcsLanding)
    assert len(discover_manifests(landing, "aws_cur")) == 2


def test_prod_month_loads_from_gs_uris_in_one_load_job(gcs, bucket, exports, monkeypatch):
    recorder = BigQueryRecorder(responder=loader_answers(), load_output_rows=12).start()
    try:
        defs = build_definitions(Settings(
            env="prod", gcp_project="finops-test", landing_url=f"gs://{bucket}/exports",
            bq_api_endpoint=recorder.endpoint, start_month=date(2024, 1, 1),
        ))
        meta = output_metadata(materialize_month(defs, MONTH))
    finally:
        recorder.stop()
    (load,) = recorder.job_configs("load")
    prefix = f"gs://{bucket}/exports/aws_cur/cur/test-report/20250901-20251001/sep-2"
    assert load["sourceUris"] == [f"{prefix}/test-report-1.csv.gz", f"{prefix}/test-report-2.csv.gz"]
    assert load["destinationTable"]["tableId"] == "aws_cur_raw$202509"
    assert meta["execution_id"] == "sep-2"
    assert meta["manifest"] == f"gs://{bucket}/exports/aws_cur/cur/test-report/20250901-20251001/test-report-Manifest.json"
