"""Transient storage errors during a sensor tick: the listing is retried with backoff inside the tick; when the
errors outlast the retries the tick skips and keeps its cursor; other errors are not retried. The landing area is
a moto S3 server behind a proxy that answers the bucket's list requests with `503 SlowDown`."""

from __future__ import annotations

from datetime import date, timedelta

import dagster as dg
import pytest
from botocore.exceptions import ClientError

from finops_assets.definitions import build_definitions
from finops_assets.landing.resource import LandingResource
from finops_assets.retries import backoff_delays, call_with_backoff
from finops_assets.settings import Settings
from finops_assets_tests.cur_exports import CurExport, sample_rows
from finops_assets_tests.s3_server import FlakyProxy, bucket, s3, upload_tree  # noqa: F401 (fixtures)

THIS_MONTH = date.today().replace(day=1)
SENSOR = "aws_cur_new_exports"


def test_sensor_backoff_grows_like_the_run_policy_and_bad_input_is_not_retried():
    assert backoff_delays(1.0) == (1.0, 3.0, 7.0)
    waits, calls = [], []

    def flaky():
        calls.append(1)
        if len(calls) < 3:
            raise TimeoutError("read timed out")
        return "listed"

    assert call_with_backoff(flaky, (1.0, 3.0, 7.0), sleep=waits.append) == "listed"
    assert waits == [1.0, 3.0]

    def bad():
        calls.append(1)
        raise ValueError("not a manifest")

    calls.clear()
    with pytest.raises(ValueError):
        call_with_backoff(bad, (1.0, 3.0, 7.0), sleep=waits.append)
    assert len(calls) == 1


def sensor_tick(s3_bucket: str, endpoint: str, cursor: str | None) -> dg.SensorResult | dg.SkipReason:
    settings = Settings(landing_url=f"s3://{s3_bucket}/landing", start_month=date(2024, 1, 1), sensor_retry_delay_seconds=0.01)
    # No boto3 retries (botocore counts max_attempts after the first request): every 503 reaches the sensor.
    landing = LandingResource(url=settings.landing_url, s3_endpoint_url=endpoint, s3_region="us-east-1", s3_max_attempts=0)
    sensor = build_definitions(settings).get_sensor_def(SENSOR)
    return sensor(dg.build_sensor_context(cursor=cursor, resources={"landing": landing}))


def publish(tmp_path, client, s3_bucket: str, assembly: str) -> None:
    CurExport(tmp_path / "export", THIS_MONTH, assembly, rows=sample_rows(THIS_MONTH, 3, salt=assembly)).write()
    upload_tree(client, s3_bucket, "landing", tmp_path / "export")


def test_a_tick_retries_transient_list_errors_and_still_requests_the_new_version(tmp_path, s3, bucket):
    publish(tmp_path, s3[0], bucket, "asm-1")
    with FlakyProxy(s3[1], suffix=bucket, failures=2) as proxy:
        result = sensor_tick(bucket, proxy.endpoint, None)
    assert proxy.failed == 2
    assert [r.run_key for r in result.run_requests] == [f"aws_cur:{THIS_MONTH.isoformat()}:asm-1"]


def test_errors_outlasting_the_retries_skip_the_tick_and_keep_the_cursor(tmp_path, s3, bucket):
    publish(tmp_path, s3[0], bucket, "asm-1")
    first = sensor_tick(bucket, s3[1], None)
    publish(tmp_path, s3[0], bucket, "asm-2")  # a restatement arrives while the bucket is throttled
    with FlakyProxy(s3[1], suffix=bucket, failures=100) as proxy:
        skipped = sensor_tick(bucket, proxy.endpoint, first.cursor)
    assert isinstance(skipped, dg.SkipReason)
    assert proxy.failed == 4  # the first attempt and 3 retries
    assert "could not be listed after 3 retries" in skipped.skip_message
    assert "SlowDown" in skipped.skip_message
    # The failed tick stored no cursor: the next one starts from `first.cursor` and finds the restatement.
    recovered = sensor_tick(bucket, s3[1], first.cursor)
    assert [r.run_key for r in recovered.run_requests] == [f"aws_cur:{THIS_MONTH.isoformat()}:asm-2"]


def test_a_missing_bucket_is_not_retried(s3):
    with FlakyProxy(s3[1], suffix="no-such-bucket", failures=0) as proxy:
        with pytest.raises(ClientError, match="NoSuchBucket"):
            sensor_tick("no-such-bucket", proxy.endpoint, None)
    assert proxy.matched == 1
