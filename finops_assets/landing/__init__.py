"""Access to the landing area where exports arrive: a local folder or a GCS bucket."""

from finops_assets.landing.storage import (
    GcsLanding,
    Landing,
    LandingObject,
    LandingPathError,
    LocalLanding,
    confine_key,
    files_fingerprint,
    landing_from_url,
)

__all__ = [
    "GcsLanding",
    "Landing",
    "LandingObject",
    "LandingPathError",
    "LocalLanding",
    "confine_key",
    "files_fingerprint",
    "landing_from_url",
]
