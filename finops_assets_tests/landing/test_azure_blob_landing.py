"""The landing area in an Azure storage container: the real azure-storage-blob client (built by dagster-azure's
AzureBlobStorageResource) against an Azurite server on 127.0.0.1."""

from __future__ import annotations

from datetime import date

import pytest

from finops_assets.defs.azure_focus.discovery import build_load_request, discover_runs, read_current_run
from finops_assets.landing import LandingPathError
from finops_assets.landing.azure_blob import AzureContainerUrl, azure_landing, blob_storage_resource, parse_container_url
from finops_assets.warehouse.load_request import FileFormat
from finops_assets_tests.azurite_server import ACCOUNT_KEY, azurite, container, upload_tree  # noqa: F401 (fixtures)
from finops_assets_tests.conftest import MONTH
from finops_assets_tests.focus_exports import FocusExport, focus_rows

RUN = "d3b1c5e2-0000-4000-8000-000000000001"


def test_container_urls_name_account_endpoint_container_and_prefix():
    assert parse_container_url("https://acct.blob.core.windows.net/exports/focus/daily/") == AzureContainerUrl(
        "https://acct.blob.core.windows.net", "exports", "focus/daily"
    )
    assert parse_container_url("https://acct.blob.core.windows.net/exports") == AzureContainerUrl(
        "https://acct.blob.core.windows.net", "exports", ""
    )
    # Emulators and custom endpoints are path-style: the account is the first path segment.
    assert parse_container_url("http://127.0.0.1:10000/devstoreaccount1/exports/x") == AzureContainerUrl(
        "http://127.0.0.1:10000/devstoreaccount1", "exports", "x"
    )
    with pytest.raises(ValueError, match="SAS token"):
        parse_container_url("https://acct.blob.core.windows.net/exports?sv=2024&sig=secret")
    with pytest.raises(ValueError, match="no container"):
        parse_container_url("https://acct.blob.core.windows.net/")
    with pytest.raises(ValueError, match="not an Azure blob container URL"):
        parse_container_url("s3://bucket/x")


def test_the_account_key_comes_from_settings_else_the_default_azure_credential():
    url = "https://acct.blob.core.windows.net/exports"
    assert blob_storage_resource(url, "a2V5").credential.credential_type == "key"
    assert blob_storage_resource(url, None).credential.credential_type == "default_azure_credential"


@pytest.fixture
def export(tmp_path, container):
    local = tmp_path / "export"
    FocusExport(local, date(2025, 8, 1), "aug-run", rows=focus_rows(date(2025, 8, 1), 6), prefix="").write()
    current = FocusExport(local, MONTH, RUN, rows=focus_rows(MONTH, 8), prefix="", submitted="2025-10-02T06:00:00.1234567Z").write()
    FocusExport(local, MONTH, "older-run", rows=focus_rows(MONTH, 4), prefix="", submitted="2025-09-20T06:00:00Z").write()
    upload_tree(container, "billing", local)
    return current


def test_runs_are_discovered_read_and_described_through_the_container(azurite, container, export):
    url = f"{azurite}/{container.container_name}/billing"
    with azure_landing(url, ACCOUNT_KEY) as landing:
        refs = discover_runs(landing, "")
        assert sorted((r.billing_month, r.key.split("/")[-2]) for r in refs) == [
            (date(2025, 8, 1), "aug-run"), (MONTH, RUN), (MONTH, "older-run"),
        ]
        assert landing.list_folders("exports/focus/focus-daily") == [
            "exports/focus/focus-daily/20250801-20250901", "exports/focus/focus-daily/20250901-20251001",
        ]
        manifest = read_current_run(landing, "", MONTH)
        assert manifest.run_id == RUN  # the newest submittedTime wins
        assert landing.read_head(manifest.key, 1) == b"{"
        # Parquet schemas are read through ranged GETs of the footers.
        request = build_load_request(landing, manifest)
        assert request.file_format is FileFormat.PARQUET
        assert request.expected_row_count == 8
        assert {c.source_name for c in request.columns} >= {"BilledCost", "ChargePeriodStart", "x_SomethingNew"}
        assert request.files[0].uri == f"{url}/{request.files[0].key}"
        assert request.files[0].size == (export.folder / export.file_name(1)).stat().st_size


def test_container_keys_are_confined_and_missing_blobs_named(tmp_path, azurite, container, export):
    url = f"{azurite}/{container.container_name}/billing"
    with azure_landing(url, ACCOUNT_KEY) as landing:
        with pytest.raises(LandingPathError):
            landing.stat("../elsewhere/manifest.json")
        with pytest.raises(FileNotFoundError, match=f"{container.container_name}/billing/exports/missing.json"):
            landing.stat("exports/missing.json")
        with pytest.raises(FileNotFoundError, match="missing.json"):
            landing.read_bytes("exports/missing.json")
        blob = f"exports/focus/focus-daily/{export.period}/{RUN}/{export.file_name(1)}"
        landing.download(blob, tmp_path / "copy.parquet")
        assert (tmp_path / "copy.parquet").read_bytes() == (export.folder / export.file_name(1)).read_bytes()
