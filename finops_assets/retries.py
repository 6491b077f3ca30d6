"""Which failures are worth retrying, and how: transient storage and BigQuery errors only.

A rate limit, a 5xx or a timeout is retried with exponential backoff (the `RetryPolicy` below); bad input
(a malformed manifest, a load the warehouse rejects) is never retried, because a second attempt would read
the same bytes and fail the same way. The policy is not attached to the assets as `retry_policy` (Dagster
would then retry every exception); instead `retry_transient` turns only transient errors into
`RetryRequested` with the policy's delay, so retries show in the run as `STEP_UP_FOR_RETRY` events and the
materialization's `attempt` metadata.

Sensors cannot ask Dagster for a retry, so a tick retries in place (`call_with_backoff`, with short delays that
fit in a tick); when the error outlasts them the tick skips without moving its cursor.
"""

from __future__ import annotations

import contextlib
import time
from typing import Callable, Iterator, Sequence, TypeVar

import dagster as dg
from azure.core import exceptions as azure_errors
from botocore import exceptions as botocore_errors
from google.api_core import exceptions as google_errors
from requests import exceptions as requests_errors

MAX_RETRIES = 3
T = TypeVar("T")

_GOOGLE_TRANSIENT = (
    google_errors.TooManyRequests,
    google_errors.InternalServerError,
    google_errors.BadGateway,
    google_errors.ServiceUnavailable,
    google_errors.GatewayTimeout,
    google_errors.DeadlineExceeded,
)
# Error codes AWS services use for throttling and server-side trouble.
_AWS_TRANSIENT_CODES = {
    "Throttling", "ThrottlingException", "ThrottledException", "RequestThrottledException", "SlowDown",
    "TooManyRequestsException", "RequestLimitExceeded", "ProvisionedThroughputExceededException",
    "RequestTimeout", "RequestTimeoutException", "InternalError", "ServiceUnavailable", "503", "500",
}
_NETWORK = (
    ConnectionError,
    TimeoutError,
    botocore_errors.ConnectionError,
    botocore_errors.HTTPClientError,
    requests_errors.ConnectionError,
    requests_errors.Timeout,
    azure_errors.ServiceRequestError,  # the Azure SDK's connection and timeout errors
    azure_errors.ServiceResponseError,
)


def is_transient(exc: BaseException) -> bool:
    """True for rate limits, 5xx and timeouts from storage or BigQuery, also when wrapped by our own errors."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, _GOOGLE_TRANSIENT) or isinstance(current, _NETWORK):
            return True
        if isinstance(current, botocore_errors.ClientError):
            error = current.response.get("Error", {})
            status = current.response.get("ResponseMetadata", {}).get("HTTPStatusCode") or 0
            return error.get("Code") in _AWS_TRANSIENT_CODES or status == 429 or status >= 500
        if isinstance(current, azure_errors.HttpResponseError):
            status = current.status_code or 0
            return status == 429 or status >= 500
        if isinstance(current, google_errors.GoogleAPICallError):
            return False  # a 4xx from Google: bad request, not found, forbidden
        current = current.__cause__ or current.__context__
    return False


def transient_retry_policy(delay_seconds: float) -> dg.RetryPolicy:
    return dg.RetryPolicy(max_retries=MAX_RETRIES, delay=delay_seconds, backoff=dg.Backoff.EXPONENTIAL)


@contextlib.contextmanager
def retry_transient(policy: dg.RetryPolicy, previous_attempts: int) -> Iterator[None]:
    """Turn a transient error raised inside the block into a `RetryRequested` with the policy's backoff."""
    try:
        yield
    except Exception as exc:
        if not is_transient(exc):
            raise
        raise dg.RetryRequested(
            max_retries=policy.max_retries, seconds_to_wait=policy.calculate_delay(previous_attempts + 1)
        ) from exc


def backoff_delays(first_delay: float, retries: int = MAX_RETRIES) -> tuple[float, ...]:
    """The delays before each retry, growing like the run policy's: d, 3d, 7d..."""
    return tuple(first_delay * (2**attempt - 1) for attempt in range(1, retries + 1))


def call_with_backoff(
    call: Callable[[], T],
    delays: Sequence[float],
    *,
    on_retry: Callable[[int, BaseException, float], None] = lambda attempt, error, delay: None,
    sleep: Callable[[float], None] = time.sleep,
) -> T:
    """`call()`, retried after each of `delays` while it raises a transient error; any other error, or a transient
    one after the last delay, is raised. `on_retry(retry number, error, delay)` is told before each wait."""
    for attempt, delay in enumerate(delays, start=1):
        try:
            return call()
        except Exception as exc:
            if not is_transient(exc):
                raise
            on_retry(attempt, exc, delay)
            sleep(delay)
    return call()
