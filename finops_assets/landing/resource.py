"""The landing area as a Dagster resource: a local folder, a GCS bucket through dagster-gcp, or an S3 bucket
through dagster-aws."""

from __future__ import annotations

import dagster as dg
from dagster_aws.s3 import S3Resource
from dagster_gcp import GCSResource
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
            return landing_from_url(self.url, gcs_client=GCSResource(project=self.gcp_project).get_client())
        if self.url.startswith("s3://"):
            # Credentials come from boto3's chain (environment, profile, instance role); never from config.
            s3 = S3Resource(endpoint_url=self.s3_endpoint_url, region_name=self.s3_region, max_attempts=self.s3_max_attempts)
            return landing_from_url(self.url, s3_client=s3.get_client())
        return landing_from_url(self.url)
