"""The one environment resolver.

Every `FINOPS_*` variable of the configuration contract (see README) is read here and nowhere else, and
only when `load_settings()` is called, never at import time, so tests can build definitions for any
environment without reloading modules.
"""

from __future__ import annotations

import os
import re
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
    duckdb_memory_limit: str = "1GB"
    dbt_memory_limit: str = "3GB"
    aws_cur_prefix: str = "aws_cur"
    aws_data_exports_prefix: str = "aws_data_exports"
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
    s3_endpoint_url: str | None = None
    s3_region: str | None = None
    aws_cur_source_url: str | None = None
    azure_focus_source_url: str | None = None
    azure_storage_key: str | None = field(default=None, repr=False)  # a secret: never printed
    mirror_grace_hours: int = 24
    retry_delay_seconds: int = 10
    retention_requests_days: int = 90
    retention_hourly_days: int = 730
    retention_daily_days: int = 3650
    snapshot_dir: str = "./data/snapshots"
    freshness_hours: int = 36
    availability_days: int = 7
    cost_anomaly_factor: float = 10.0
    cost_anomaly_trailing_days: int = 7
    request_jump_factor: float = 10.0
    reports_dir: str = "./data/reports"
    sensor_recent_months: int = 3
    sensor_full_rescan_hours: float = 24.0
    sensor_interval_seconds: int = 60
    sensor_retry_delay_seconds: float = 1.0
    slack_token: str | None = None
    slack_channel: str | None = None
    alert_webhook_url: str | None = None


_VARIABLES = {
    "env": "FINOPS_ENV",
    "landing_url": "FINOPS_LANDING_URL",
    "duckdb_path": "FINOPS_DUCKDB_PATH",
    "duckdb_memory_limit": "FINOPS_DUCKDB_MEMORY_LIMIT",
    "dbt_memory_limit": "FINOPS_DBT_MEMORY_LIMIT",
    "aws_cur_prefix": "FINOPS_AWS_CUR_PREFIX",
    "aws_data_exports_prefix": "FINOPS_AWS_DATA_EXPORTS_PREFIX",
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
    "s3_endpoint_url": "FINOPS_S3_ENDPOINT_URL",
    "s3_region": "FINOPS_S3_REGION",
    "aws_cur_source_url": "FINOPS_AWS_CUR_SOURCE_URL",
    "azure_focus_source_url": "FINOPS_AZURE_FOCUS_SOURCE_URL",
    "azure_storage_key": "FINOPS_AZURE_STORAGE_KEY",
    "mirror_grace_hours": "FINOPS_MIRROR_GRACE_HOURS",
    "retry_delay_seconds": "FINOPS_RETRY_DELAY_SECONDS",
    "retention_requests_days": "FINOPS_RETENTION_REQUESTS_DAYS",
    "retention_hourly_days": "FINOPS_RETENTION_HOURLY_DAYS",
    "retention_daily_days": "FINOPS_RETENTION_DAILY_DAYS",
    "snapshot_dir": "FINOPS_SNAPSHOT_DIR",
    "freshness_hours": "FINOPS_FRESHNESS_HOURS",
    "availability_days": "FINOPS_AVAILABILITY_DAYS",
    "cost_anomaly_factor": "FINOPS_COST_ANOMALY_FACTOR",
    "cost_anomaly_trailing_days": "FINOPS_COST_ANOMALY_TRAILING_DAYS",
    "request_jump_factor": "FINOPS_REQUEST_JUMP_FACTOR",
    "reports_dir": "FINOPS_REPORTS_DIR",
    "sensor_recent_months": "FINOPS_SENSOR_RECENT_MONTHS",
    "sensor_full_rescan_hours": "FINOPS_SENSOR_FULL_RESCAN_HOURS",
    "sensor_interval_seconds": "FINOPS_SENSOR_INTERVAL_SECONDS",
    "sensor_retry_delay_seconds": "FINOPS_SENSOR_RETRY_DELAY_SECONDS",
    "slack_token": "FINOPS_SLACK_TOKEN",
    "slack_channel": "FINOPS_SLACK_CHANNEL",
    "alert_webhook_url": "FINOPS_ALERT_WEBHOOK_URL",
}
# Numeric settings: their type and the smallest value each accepts.
_NUMBERS = {
    "mirror_grace_hours": (int, 0), "retry_delay_seconds": (int, 0), "retention_requests_days": (int, 0),
    "retention_hourly_days": (int, 0), "retention_daily_days": (int, 0), "freshness_hours": (int, 1),
    "availability_days": (int, 1), "sensor_recent_months": (int, 1), "sensor_full_rescan_hours": (float, 0),
    "sensor_interval_seconds": (int, 1), "sensor_retry_delay_seconds": (float, 0),
    "cost_anomaly_factor": (float, 1), "cost_anomaly_trailing_days": (int, 1), "request_jump_factor": (float, 1),
}


def parse_number(variable: str, value: str, kind: type, minimum: float) -> float:
    try:
        number = kind(value.strip())
    except ValueError as exc:
        raise SettingsError(f"{variable}={value!r} is not a{' whole' if kind is int else ''} number") from exc
    if number < minimum:
        raise SettingsError(f"{variable}={value!r} must be at least {minimum}")
    return number


def parse_memory_limit(value: str, variable: str = "FINOPS_DUCKDB_MEMORY_LIMIT") -> str:
    """A DuckDB memory size (`1GB`, `512MB`, `1.5GiB`), checked here so a typo fails at start-up, not mid-load."""
    text = value.strip()
    if not re.fullmatch(r"\d+(\.\d+)?\s*([KMGT]i?B|B)", text, flags=re.IGNORECASE):
        raise SettingsError(f"{variable}={value!r} is not a size like 1GB or 512MB")
    return text


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
        if attribute == "start_month":
            values[attribute] = parse_start_month(raw)
        elif attribute in ("duckdb_memory_limit", "dbt_memory_limit"):
            values[attribute] = parse_memory_limit(raw, variable)
        elif attribute in _NUMBERS:
            values[attribute] = parse_number(variable, raw, *_NUMBERS[attribute])
        else:
            values[attribute] = raw.strip()
    settings = Settings(**values)  # type: ignore[arg-type]
    if settings.env not in ENVIRONMENTS:
        raise SettingsError(f"FINOPS_ENV={settings.env!r}: expected one of {', '.join(ENVIRONMENTS)}")
    if settings.env == "prod" and not settings.gcp_project:
        raise SettingsError("FINOPS_ENV=prod needs FINOPS_GCP_PROJECT (the BigQuery project)")
    return settings
