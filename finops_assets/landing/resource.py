"""The landing area as a Dagster resource: a local folder, a GCS bucket through dagster-gcp, or an S3 bucket
through dagster-aws.

dagster-aws and dagster-gcp are imported when a bucket is used, not with this module: every process that loads
the definitions (the `dagster` CLI, each step process of the multiprocess executor, the sensors) imports it, and
a local landing folder needs neither client library."""

from __future__ import annotations

import dagster as dg
from pydantic import Field

from finops_assets.landing.storage import Landing, landing_from_url


class LandingResource(dg.ConfigurableResource):
    """Where exports arrive (FINOPS_LANDING_URL): `./data/landing`, `gs://bucket[/prefix]` or `s3://bucket[/prefix]`."""

    url: str = Field(description="A local folder, gs://bucket[/prefix] or s3://bucket[/prefix].")
    gcp_project: str | None = Field(default=None, description="Project for the GCS client (gs:// only).")
    s3_endpoint_url: str | None = Field(
        default=None, description="S3 API endpoint (s3:// only); None uses boto3's own resolution (AWS_ENDPOINT_URL...)."
    )
    s3_region: str | None = Field(default=None, description="S3 region (s3:// only); None uses AWS_REGION / the profile.")
    s3_max_attempts: int = Field(
        default=5, description="botocore `max_attempts` (retries after the first request) before an error reaches Dagster."
    )

    def get_landing(self) -> Landing:
        if self.url.startswith("gs://"):
            from dagster_gcp import GCSResource

            return landing_from_url(self.url, gcs_client=GCSResource(project=self.gcp_project).get_client())
        if self.url.startswith("s3://"):
            from dagster_aws.s3 import S3Resource

            # Credentials come from boto3's chain (environment, profile, instance role); never from config.
            s3 = S3Resource(endpoint_url=self.s3_endpoint_url, region_name=self.s3_region, max_attempts=self.s3_max_attempts)
            return landing_from_url(self.url, s3_client=s3.get_client())
        return landing_from_url(self.url)
