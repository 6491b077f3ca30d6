"""The landing area as a Dagster resource: a local folder, or a GCS bucket through dagster-gcp."""

from __future__ import annotations

import dagster as dg
from dagster_gcp import GCSResource
from pydantic import Field

from finops_assets.landing.storage import Landing, landing_from_url


class LandingResource(dg.ConfigurableResource):
    """Where exports arrive (FINOPS_LANDING_URL): `./data/landing` or `gs://bucket[/prefix]`."""

    url: str = Field(description="A local folder or gs://bucket[/prefix].")
    gcp_project: str | None = Field(default=None, description="Project for the GCS client (gs:// only).")

    def get_landing(self) -> Landing:
        client = GCSResource(project=self.gcp_project).get_client() if self.url.startswith("gs://") else None
        return landing_from_url(self.url, client)
