"""The S3 -> GCS mirror lag check, with the CUR source in moto's S3 server and the mirror in fake-gcs-server, both
through their real clients; and the pure month comparison it is built on."""

from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta, timezone

import dagster as dg
import pytest

from finops_assets.defs.aws_cur.assets import build_aws_cur_raw
from finops_assets.defs.aws_cur.checks import build_aws_cur_mirror_check
from finops_assets.definitions import build_definitions
from finops_assets.resources import build_resources
from finops_assets.landing.mirror import MonthVersion, months_behind
from finops_assets.settings import Settings
from finops_assets_tests.conftest import MONTH
from finops_assets_tests.cur_exports import CurExport, sample_rows
from finops_assets_tests.gcs_server import gcs_client, start_gcs_server
from finops_assets_tests.gcs_server import upload_tree as upload_to_gcs
from finops_assets_tests.s3_server import bucket, s3, upload_tree  # noqa: F401 (fixtures)

AUGUST = date(2025, 8, 1)
NOW = datetime(2025, 10, 3, 12, tzinfo=timezone.utc)


def version(assembly: str, hours_ago: float) -> MonthVersion:
    return MonthVersion(assembly, (NOW - timedelta(hours=hours_ago)).timestamp(), f"{assembly}-Manifest.json")


def test_a_month_is_behind_only_after_the_grace_period():
    source = {AUGUST: version("aug-1", 500), MONTH: version("sep-2", 30), date(2025, 10, 1): version("oct-1", 2)}
    mirror = {AUGUST: version("aug-1", 499), MONTH: version("sep-1", 200)}
    lags = months_behind(source, mirror, NOW, timedelta(hours=24))
    assert [(lag.month, lag.source.execution_id, lag.mirror.execution_id) for lag in lags] == [(MONTH, "sep-2", "sep-1")]
    assert lags[0].describe() == "2025-09: source has sep-2 (written 2025-10-02 06:00 UTC), mirror has sep-1"
    # October is missing from the mirror but only 2 hours old: within the grace period.
    assert [lag.month for lag in months_behind(source, mirror, NOW, timedelta(hours=1))] == [MONTH, date(2025, 10, 1)]
    assert months_behind(source, source, NOW, timedelta(0)) == []


@pytest.fixture(scope="module")
def gcs():
    server = start_gcs_server()
    yield gcs_client()
    server.stop()


def run_check(settings: Settings) -> dg.AssetCheckEvaluation:
    check = build_aws_cur_mirror_check(settings)
    result = dg.materialize(
        [build_aws_cur_raw(settings), check], selection=dg.AssetSelection.checks(check),
        resources=build_resources(settings), instance=dg.DagsterInstance.ephemeral(),
    )
    (evaluation,) = result.get_asset_check_evaluations()
    return evaluation


def test_mirror_lag_check_fails_with_months_and_assemblies_then_passes_once_mirrored(tmp_path, s3, bucket, gcs):
    source = tmp_path / "source"
    CurExport(source, AUGUST, "aug-1", rows=sample_rows(AUGUST, 3), prefix="").write()
    CurExport(source, MONTH, "sep-1", rows=sample_rows(MONTH, 3), prefix="").write()
    mirror_bucket = f"mirror-{uuid.uuid4().hex[:8]}"
    gcs.create_bucket(mirror_bucket)
    upload_to_gcs(gcs, mirror_bucket, "landing/aws_cur", source)  # the transfer ran once
    CurExport(source, MONTH, "sep-2", rows=sample_rows(MONTH, 4, salt="b"), prefix="").write()  # AWS restates September
    upload_tree(s3[0], bucket, "cur-exports", source)

    settings = Settings(
        env="prod", gcp_project="finops-test", landing_url=f"gs://{mirror_bucket}/landing",
        aws_cur_source_url=f"s3://{bucket}/cur-exports", s3_endpoint_url=s3[1], s3_region="us-east-1",
        mirror_grace_hours=0,
    )
    behind = run_check(settings)
    assert not behind.passed
    assert behind.description.startswith("2025-09: source has sep-2 (written ")
    assert behind.description.endswith("mirror has sep-1")
    assert behind.metadata["months_behind"].value == [{"month": "2025-09", "source_assembly": "sep-2", "mirror_assembly": "sep-1"}]

    within_grace = run_check(Settings(**{**settings.__dict__, "mirror_grace_hours": 24}))
    assert within_grace.passed

    upload_to_gcs(gcs, mirror_bucket, "landing/aws_cur", source)  # the next transfer
    caught_up = run_check(settings)
    assert caught_up.passed
    assert caught_up.metadata["months_in_source"].value == 2


def test_no_source_url_means_no_check(settings):
    assert build_aws_cur_mirror_check(settings) is None
    checks = build_definitions(settings).resolve_asset_graph().asset_check_keys
    assert "aws_cur_mirror_lag" not in {key.name for key in checks}
