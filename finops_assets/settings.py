"""The one environment resolver.

Every `FINOPS_*` variable of the configuration contract (see README) is read here and nowhere else, and
only when `load_settings()` is called, never at import time, so tests can build definitions for any
environment without reloading modules.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import date
from typing import Mapping

ENVIRONMENTS = ("local", "prod")


class SettingsError(ValueError):
    """A FINOPS_* variable holds a value the platform cannot use."""


@dataclass(frozen=True)
class Settings:
    env: str = "local"
    landing_url: str = "./data/landing"
    duckdb_path: str = "./data/warehouse.duckdb"
    aws_cur_prefix: str = "aws_cur"
    azure_focus_prefix: str = "azure_focus"
    gcp_billing_prefix: str = "gcp_billing"
    otel_prefix: str = "otel"
    gcp_project: str | None = None
    bq_location: str = "US"
    bq_api_endpoint: str | None = None
    raw_dataset: str = "billing_raw"
    mart_dataset: str = "finops"
    gcp_billing_table: str | None = None
    start_month: date = field(default_factory=lambda: date(2022, 1, 1))
    reports_dir: str = "./data/reports"


_VARIABLES = {
    "env": "FINOPS_ENV",
    "landing_url": "FINOPS_LANDING_URL",
    "duckdb_path": "FINOPS_DUCKDB_PATH",
    "aws_cur_prefix": "FINOPS_AWS_CUR_PREFIX",
    "azure_focus_prefix": "FINOPS_AZURE_FOCUS_PREFIX",
    "gcp_billing_prefix": "FINOPS_GCP_BILLING_PREFIX",
    "otel_prefix": "FINOPS_OTEL_PREFIX",
    "gcp_project": "FINOPS_GCP_PROJECT",
    "bq_location": "FINOPS_BQ_LOCATION",
    "bq_api_endpoint": "FINOPS_BQ_API_ENDPOINT",
    "raw_dataset": "FINOPS_RAW_DATASET",
    "mart_dataset": "FINOPS_MART_DATASET",
    "gcp_billing_table": "FINOPS_GCP_BILLING_TABLE",
    "start_month": "FINOPS_START_MONTH",
    "reports_dir": "FINOPS_REPORTS_DIR",
}


def parse_start_month(value: str) -> date:
    """`2022-01-01` or `2022-01` -> the first day of that month."""
    text = value.strip()
    try:
        parsed = date.fromisoformat(text if len(text) > 7 else f"{text}-01")
    except ValueError as exc:
        raise SettingsError(f"FINOPS_START_MONTH={value!r} is not a date like 2022-01-01") from exc
    if parsed.day != 1:
        raise SettingsError(f"FINOPS_START_MONTH={value!r} must be the first day of a month")
    return parsed


def load_settings(environ: Mapping[str, str] | None = None) -> Settings:
    """Resolve the configuration contract from `environ` (default: the process environment)."""
    source = os.environ if environ is None else environ
    values: dict[str, object] = {}
    for attribute, variable in _VARIABLES.items():
        raw = source.get(variable)
        if raw is None or raw.strip() == "":
            continue
        values[attribute] = parse_start_month(raw) if attribute == "start_month" else raw.strip()
    settings = Settings(**values)  # type: ignore[arg-type]
    if settings.env not in ENVIRONMENTS:
        raise SettingsError(f"FINOPS_ENV={settings.env!r}: expected one of {', '.join(ENVIRONMENTS)}")
    if settings.env == "prod" and not settings.gcp_project:
        raise SettingsError("FINOPS_ENV=prod needs FINOPS_GCP_PROJECT (the BigQuery project)")
    return settings
