"""A thin BigQuery resource over dagster-gcp's `BigQueryResource` that also takes an API endpoint.

The endpoint exists for tests and private endpoints: the real google-cloud-bigquery client is pointed at
a local recording server (or an emulator) instead of bigquery.googleapis.com. Without it, the client is
exactly the one dagster-gcp builds (ADC / workload identity from the environment).
"""

from __future__ import annotations

from contextlib import contextmanager
from typing import Iterator
from urllib.parse import urlparse

import dagster as dg
from dagster_gcp import BigQueryResource
from google.api_core.client_options import ClientOptions
from google.auth.credentials import AnonymousCredentials
from google.cloud import bigquery
from pydantic import Field

_LOOPBACK_HOSTS = {"127.0.0.1", "localhost", "::1"}


class FinopsBigQueryResource(dg.ConfigurableResource):
    bigquery: BigQueryResource
    api_endpoint: str | None = Field(
        default=None, description="BigQuery API endpoint override (FINOPS_BQ_API_ENDPOINT); unset in production."
    )

    @contextmanager
    def get_client(self) -> Iterator[bigquery.Client]:
        if not self.api_endpoint:
            with self.bigquery.get_client() as client:
                yield client
            return
        # A loopback endpoint is a test server or emulator: never send real credentials there.
        local = urlparse(self.api_endpoint).hostname in _LOOPBACK_HOSTS
        yield bigquery.Client(
            project=self.bigquery.project,
            location=self.bigquery.location,
            credentials=AnonymousCredentials() if local else None,
            client_options=ClientOptions(api_endpoint=self.api_endpoint),
        )
