"""Transient errors are retried with backoff, bad input never: the classifier, the policy, and real runs whose S3
reads go through a proxy that answers 503 SlowDown."""

from __future__ import annotations

from datetime import date

import dagster as dg
import pytest
from azure.core.exceptions import HttpResponseError, ResourceNotFoundError, ServiceRequestError
from botocore.exceptions import ClientError, EndpointConnectionError
from google.api_core import exceptions as google_errors

from finops_assets.defs.aws_cur.assets import build_aws_cur_raw
from finops_assets.defs.aws_cur.manifest import ManifestError
from finops_assets.landing.resource import LandingResource
from finops_assets.retries import is_transient, transient_retry_policy
from finops_assets.settings import Settings
from finops_assets.warehouse.io_managers import DuckDBWarehouseIOManager
from finops_assets.warehouse.load_request import LoadError
from finops_assets_tests.conftest import MONTH, output_metadata, query, step_failure_message
from finops_assets_tests.cur_exports import CurExport, sample_rows
from finops_assets_tests.s3_server import FlakyProxy, bucket, s3, upload_tree  # noqa: F401 (fixtures)


def client_error(code: str, status: int) -> ClientError:
    return ClientError({"Error": {"Code": code, "Message": code}, "ResponseMetadata": {"HTTPStatusCode": status}}, "GetObject")


def azure_error(status: int, code: str) -> HttpResponseError:
    error = HttpResponseError(message=code)
    error.status_code = status
    return error


@pytest.mark.parametrize(
    "error, transient",
    [
        (google_errors.TooManyRequests("rate limit"), True),
        (google_errors.ServiceUnavailable("backend"), True),
        (google_errors.InternalServerError("oops"), True),
        (google_errors.BadRequest("bad schema"), False),
        (google_errors.NotFound("no table"), False),
        (client_error("SlowDown", 503), True),
        (client_error("ThrottlingException", 400), True),
        (client_error("InternalError", 500), True),
        (client_error("NoSuchKey", 404), False),
        (client_error("AccessDenied", 403), False),
        (EndpointConnectionError(endpoint_url="http://127.0.0.1:9"), True),
        (TimeoutError("read timed out"), True),
        (azure_error(503, "ServerBusy"), True),
        (azure_error(429, "TooManyRequests"), True),
        (azure_error(403, "AuthorizationFailure"), False),
        (ResourceNotFoundError("BlobNotFound"), False),
        (ServiceRequestError("connection refused"), True),
        (ManifestError("m.json", "missing assemblyId"), False),
        (LoadError("x.csv.gz: CSV Error on Line: 4"), False),
        (ValueError("not a number"), False),
    ],
)
def test_only_rate_limits_server_errors_and_timeouts_are_transient(error, transient):
    assert is_transient(error) is transient


def test_a_transient_cause_under_our_own_error_is_still_transient():
    try:
        try:
            raise google_errors.ServiceUnavailable("load job backend")
        except google_errors.ServiceUnavailable as cause:
            raise LoadError("gs://b/x.csv.gz: load failed") from cause
    except LoadError as wrapped:
        assert is_transient(wrapped)


def test_backoff_grows_exponentially_from_the_configured_delay():
    policy = transient_retry_policy(10)
    assert [policy.calculate_delay(attempt) for attempt in (1, 2, 3)] == [10, 30, 70]  # delay * (2^n - 1)
    assert policy.max_retries == 3


def run_month(tmp_path, endpoint: str, url: str) -> dg.ExecuteInProcessResult:
    settings = Settings(landing_url=url, duckdb_path=str(tmp_path / "warehouse.duckdb"), start_month=date(2024, 1, 1),
                        retry_delay_seconds=0)
    # No boto3 retries (botocore counts max_attempts after the first request): every 503 reaches Dagster.
    landing = LandingResource(url=url, s3_endpoint_url=endpoint, s3_region="us-east-1", s3_max_attempts=0)
    warehouse = DuckDBWarehouseIOManager(database=settings.duckdb_path, landing=landing, retry_delay_seconds=0)
    return dg.materialize(
        [build_aws_cur_raw(settings)], partition_key=MONTH.isoformat(), instance=dg.DagsterInstance.ephemeral(),
        resources={"landing": landing, "warehouse_io_manager": warehouse}, raise_on_error=False,
    )


def retries_in(result: dg.ExecuteInProcessResult) -> int:
    return sum(1 for e in result.all_events if e.event_type_value == "STEP_UP_FOR_RETRY")


def test_throttled_manifest_read_is_retried_and_the_run_succeeds(tmp_path, s3, bucket):
    CurExport(tmp_path / "export", MONTH, "sep-1", rows=sample_rows(MONTH, 8)).write()
    upload_tree(s3[0], bucket, "exports", tmp_path / "export")
    with FlakyProxy(s3[1], suffix="test-report-Manifest.json", failures=2) as proxy:
        result = run_month(tmp_path, proxy.endpoint, f"s3://{bucket}/exports")
    assert result.success
    assert proxy.failed == 2
    assert retries_in(result) == 2
    assert output_metadata(result)["attempt"] == 3
    assert query(Settings(duckdb_path=str(tmp_path / "warehouse.duckdb")),
                 "SELECT row_count FROM billing_raw._load_tracking") == [(8,)]


def test_throttled_staging_download_is_retried_by_the_io_manager(tmp_path, s3, bucket):
    CurExport(tmp_path / "export", MONTH, "sep-1", rows=sample_rows(MONTH, 8)).write()
    upload_tree(s3[0], bucket, "exports", tmp_path / "export")
    # The asset reads only the first bytes (header check); the whole-object GET is the IO manager's staging download.
    with FlakyProxy(s3[1], suffix="test-report-2.csv.gz", failures=2, whole_reads_only=True) as proxy:
        result = run_month(tmp_path, proxy.endpoint, f"s3://{bucket}/exports")
    assert result.success
    assert proxy.failed == 2
    assert retries_in(result) == 2
    assert output_metadata(result)["attempt"] == 3


def test_bad_input_fails_once_without_retries(tmp_path, s3, bucket):
    CurExport(tmp_path / "export", MONTH, "sep-1", rows=sample_rows(MONTH, 8)).write(raw_manifest=b'{"assemblyId": ')
    upload_tree(s3[0], bucket, "exports", tmp_path / "export")
    with FlakyProxy(s3[1], suffix="never-matches", failures=0) as proxy:
        result = run_month(tmp_path, proxy.endpoint, f"s3://{bucket}/exports")
    assert not result.success
    assert retries_in(result) == 0
    assert "test-report-Manifest.json" in step_failure_message(result)
