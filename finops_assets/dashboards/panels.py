"""The dashboard panels: one SQL per panel, written once, read by Grafana and by the HTML cost report.

Each panel's SQL is BigQuery Standard SQL restricted to what DuckDB reads the same way, with two
placeholders and one Grafana macro:
- `{marts}` / `{raw}`: the dataset (DuckDB schema) of the dbt marts (FINOPS_MART_DATASET) and of the raw
  tables (FINOPS_RAW_DATASET), quoted for the target warehouse;
- `$__timeFilter(<timestamp expression>)`: the Grafana BigQuery plugin's macro for the dashboard's time
  range (the plugin expands it to `expr BETWEEN TIMESTAMP(...) AND TIMESTAMP(...)`). Date columns are cast
  to TIMESTAMP first, because BigQuery does not compare DATE with TIMESTAMP.

The only differences between the renderings are the identifier quoting and the macro: Grafana keeps the
macro, the report and the tests replace it by an explicit range (or by TRUE for all history).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from finops_assets.warehouse.identifiers import quote_bigquery, quote_duckdb

Dialect = Literal["bigquery", "duckdb"]
Visualization = Literal["timeseries", "barchart", "piechart", "xychart", "table"]

_TABLE_REFERENCE = re.compile(r"\{(marts|raw)\}\.([a-z_][a-z0-9_]*)")
# The macro's argument may hold one level of parentheses: `$__timeFilter(CAST(date AS TIMESTAMP))`.
_TIME_FILTER = re.compile(r"\$__timeFilter\(((?:[^()]|\([^()]*\))+)\)")


@dataclass(frozen=True)
class ChartEncoding:
    """How the report draws a panel's rows: x and y columns, an optional series (colour) column."""

    mark: Literal["line", "bar", "point", "arc"]
    x: str
    y: str
    series: str | None = None
    # Rows whose `highlight` column is not NULL are drawn again as red markers (anomalies).
    highlight: str | None = None


@dataclass(frozen=True)
class Panel:
    key: str
    title: str
    description: str
    visualization: Visualization
    unit: str
    sql: str
    chart: ChartEncoding | None  # None: the report shows the rows as a table
    group: str = "cost"

    @property
    def tables(self) -> tuple[tuple[str, str], ...]:
        """(dataset placeholder, table) pairs the SQL reads, e.g. ("marts", "fact_cost_daily")."""
        return tuple(dict.fromkeys(_TABLE_REFERENCE.findall(self.sql)))

    @property
    def mart_tables(self) -> tuple[str, ...]:
        return tuple(table for dataset, table in self.tables if dataset == "marts")

    @property
    def is_time_series(self) -> bool:
        return self.visualization == "timeseries"


def _quote(dialect: Dialect, identifier: str) -> str:
    return quote_bigquery(identifier) if dialect == "bigquery" else quote_duckdb(identifier)


def _datasets(sql: str, dialect: Dialect, marts: str, raw: str) -> str:
    names = {"marts": _quote(dialect, marts), "raw": _quote(dialect, raw)}
    return _TABLE_REFERENCE.sub(lambda m: f"{names[m.group(1)]}.{m.group(2)}", sql)


def grafana_sql(panel: Panel, *, marts: str, raw: str) -> str:
    """The panel's query as the Grafana BigQuery data source runs it (time macro kept)."""
    return _datasets(panel.sql, "bigquery", marts, raw)


def executable_sql(
    panel: Panel, dialect: Dialect, *, marts: str, raw: str, time_range: tuple[datetime, datetime] | None = None
) -> str:
    """The panel's query for a warehouse: the time macro becomes `[start, end)` on the expression, or TRUE
    (all history) without a range. TIMESTAMP literals read the same in BigQuery and DuckDB."""

    def expand(match: re.Match[str]) -> str:
        if time_range is None:
            return "TRUE"
        start, end = time_range
        expr = match.group(1)
        return f"({expr} >= TIMESTAMP '{start:%Y-%m-%d %H:%M:%S}' AND {expr} < TIMESTAMP '{end:%Y-%m-%d %H:%M:%S}')"

    return _TIME_FILTER.sub(expand, _datasets(panel.sql, dialect, marts, raw))


_TOP_N = 8

PANELS: tuple[Panel, ...] = (
    Panel(
        key="cost_by_cloud",
        title="Total cost by cloud",
        description="Billed cost (FOCUS BilledCost, exact) per cloud and billing currency over the time range.",
        visualization="barchart",
        unit="currencyUSD",
        sql="""
SELECT
  cloud_provider,
  billing_currency,
  SUM(total_cost) AS total_cost
FROM {marts}.fact_cost_daily
WHERE $__timeFilter(CAST(date AS TIMESTAMP))
GROUP BY cloud_provider, billing_currency
ORDER BY total_cost DESC
""",
        chart=ChartEncoding(mark="bar", x="cloud_provider", y="total_cost", series="billing_currency"),
    ),
    Panel(
        key="cost_by_cloud_over_time",
        title="Daily cost by cloud",
        description="Billed cost per day and cloud.",
        visualization="timeseries",
        unit="currencyUSD",
        sql="""
SELECT
  CAST(date AS TIMESTAMP) AS time,
  cloud_provider,
  SUM(total_cost) AS total_cost
FROM {marts}.fact_cost_daily
WHERE $__timeFilter(CAST(date AS TIMESTAMP))
GROUP BY time, cloud_provider
ORDER BY time, cloud_provider
""",
        chart=ChartEncoding(mark="line", x="time", y="total_cost", series="cloud_provider"),
    ),
    Panel(
        key="cost_by_service",
        title="Daily cost by service",
        description=f"Billed cost per day of the {_TOP_N} most expensive services of the range; the rest as 'other'.",
        visualization="timeseries",
        unit="currencyUSD",
        sql=f"""
WITH daily AS (
  SELECT f.date, s.service_name, SUM(f.total_cost) AS cost
  FROM {{marts}}.fact_cost_daily AS f
  JOIN {{marts}}.dim_service AS s ON s.service_key = f.service_key
  WHERE $__timeFilter(CAST(f.date AS TIMESTAMP))
  GROUP BY f.date, s.service_name
),
ranked AS (
  SELECT service_name, ROW_NUMBER() OVER (ORDER BY SUM(cost) DESC, service_name) AS service_rank
  FROM daily
  GROUP BY service_name
)
SELECT
  CAST(daily.date AS TIMESTAMP) AS time,
  CASE WHEN ranked.service_rank <= {_TOP_N} THEN daily.service_name ELSE 'other' END AS service,
  SUM(daily.cost) AS total_cost
FROM daily
JOIN ranked ON ranked.service_name = daily.service_name
GROUP BY time, service
ORDER BY time, service
""",
        chart=ChartEncoding(mark="line", x="time", y="total_cost", series="service"),
    ),
    Panel(
        key="cost_by_team",
        title="Daily cost by team",
        description="Billed cost per day and team (the service's `team` tag; 'untagged' when none).",
        visualization="timeseries",
        unit="currencyUSD",
        sql="""
SELECT
  CAST(f.date AS TIMESTAMP) AS time,
  s.team,
  SUM(f.total_cost) AS total_cost
FROM {marts}.fact_cost_daily AS f
JOIN {marts}.dim_service AS s ON s.service_key = f.service_key
WHERE $__timeFilter(CAST(f.date AS TIMESTAMP))
GROUP BY time, s.team
ORDER BY time, s.team
""",
        chart=ChartEncoding(mark="line", x="time", y="total_cost", series="team"),
    ),
    Panel(
        key="cost_by_environment",
        title="Daily cost by environment",
        description="Billed cost per day and environment (production, staging, development, ..., untagged).",
        visualization="timeseries",
        unit="currencyUSD",
        sql="""
SELECT
  CAST(f.date AS TIMESTAMP) AS time,
  e.environment_name AS environment,
  SUM(f.total_cost) AS total_cost
FROM {marts}.fact_cost_daily AS f
JOIN {marts}.dim_environment AS e ON e.environment_key = f.environment_key
WHERE $__timeFilter(CAST(f.date AS TIMESTAMP))
GROUP BY time, environment
ORDER BY time, environment
""",
        chart=ChartEncoding(mark="line", x="time", y="total_cost", series="environment"),
    ),
    Panel(
        key="daily_cost_anomalies",
        title="Daily cost with anomalies",
        description=(
            "Total billed cost per day against the mean of the 7 days before it; a day more than 3 standard "
            "deviations away (with a full 7-day history) is an anomaly, marked in red."
        ),
        visualization="timeseries",
        unit="currencyUSD",
        # The window runs over all days so that the first days of the range have their history; the time filter
        # applies to the days shown.
        sql="""
WITH daily AS (
  SELECT date, SUM(total_cost) AS total_cost
  FROM {marts}.fact_cost_daily
  GROUP BY date
),
baseline AS (
  SELECT
    date,
    total_cost,
    AVG(total_cost) OVER (ORDER BY date ROWS BETWEEN 7 PRECEDING AND 1 PRECEDING) AS expected_cost,
    STDDEV_SAMP(total_cost) OVER (ORDER BY date ROWS BETWEEN 7 PRECEDING AND 1 PRECEDING) AS cost_stddev,
    COUNT(*) OVER (ORDER BY date ROWS BETWEEN 7 PRECEDING AND 1 PRECEDING) AS history_days
  FROM daily
)
SELECT
  CAST(date AS TIMESTAMP) AS time,
  total_cost,
  expected_cost,
  CASE
    WHEN history_days = 7 AND ABS(total_cost - expected_cost) > 3 * cost_stddev THEN total_cost
  END AS anomaly_cost
FROM baseline
WHERE $__timeFilter(CAST(date AS TIMESTAMP))
ORDER BY time
""",
        chart=ChartEncoding(mark="line", x="time", y="total_cost", highlight="anomaly_cost"),
    ),
    Panel(
        key="cost_per_request",
        title="Cost per request by service",
        description="Billed cost of the hours with requests divided by their requests, per day and service (hours whose cost is not loaded yet are left out).",
        visualization="timeseries",
        unit="currencyUSD",
        group="performance",
        sql="""
SELECT
  CAST(p.date AS TIMESTAMP) AS time,
  s.service_name AS service,
  SUM(p.total_cost) / NULLIF(SUM(p.request_count), 0) AS cost_per_request
FROM {marts}.fact_performance_cost_joined AS p
JOIN {marts}.dim_service AS s ON s.service_key = p.service_key
WHERE p.cost_status = 'loaded' AND $__timeFilter(p.hour)
GROUP BY time, service
ORDER BY time, service
""",
        chart=ChartEncoding(mark="line", x="time", y="cost_per_request", series="service"),
    ),
    Panel(
        key="requests_per_dollar",
        title="Requests per dollar by service",
        description="Requests served per unit of billed cost over the time range, per service.",
        visualization="barchart",
        unit="short",
        group="performance",
        sql="""
SELECT
  s.service_name AS service,
  SUM(p.request_count) / NULLIF(SUM(p.total_cost), 0) AS requests_per_dollar
FROM {marts}.fact_performance_cost_joined AS p
JOIN {marts}.dim_service AS s ON s.service_key = p.service_key
WHERE p.cost_status = 'loaded' AND $__timeFilter(p.hour)
GROUP BY service
ORDER BY requests_per_dollar DESC
""",
        chart=ChartEncoding(mark="bar", x="service", y="requests_per_dollar"),
    ),
    Panel(
        key="p95_latency_vs_cost",
        title="p95 latency against cost",
        description="One point per service and hour: billed cost of the hour (x) against its p95 request latency (y).",
        visualization="xychart",
        unit="ms",
        group="performance",
        sql="""
SELECT
  s.service_name AS service,
  p.total_cost,
  p.duration_p95_ms
FROM {marts}.fact_performance_cost_joined AS p
JOIN {marts}.dim_service AS s ON s.service_key = p.service_key
WHERE p.cost_status = 'loaded' AND p.duration_p95_ms IS NOT NULL AND $__timeFilter(p.hour)
ORDER BY service, p.hour
""",
        chart=ChartEncoding(mark="point", x="total_cost", y="duration_p95_ms", series="service"),
    ),
    Panel(
        key="llm_spend_by_model",
        title="LLM spend by model",
        description="Billed cost of LLM usage (Bedrock, Azure OpenAI, Vertex AI) per day and model.",
        visualization="timeseries",
        unit="currencyUSD",
        group="llm",
        sql="""
SELECT
  CAST(usage_date AS TIMESTAMP) AS time,
  model,
  SUM(billed_cost) AS billed_cost
FROM {marts}.llm_consumption
WHERE $__timeFilter(CAST(usage_date AS TIMESTAMP))
GROUP BY time, model
ORDER BY time, model
""",
        chart=ChartEncoding(mark="line", x="time", y="billed_cost", series="model"),
    ),
    Panel(
        key="llm_spend_by_customer",
        title="LLM spend by customer and model",
        description="Billed cost of LLM usage over the time range per customer (customer_id tag), split by model.",
        visualization="barchart",
        unit="currencyUSD",
        group="llm",
        sql="""
SELECT
  customer_id AS customer,
  model,
  SUM(billed_cost) AS billed_cost,
  SUM(total_tokens) AS total_tokens
FROM {marts}.llm_consumption
WHERE $__timeFilter(CAST(usage_date AS TIMESTAMP))
GROUP BY customer, model
ORDER BY customer, model
""",
        chart=ChartEncoding(mark="bar", x="customer", y="billed_cost", series="model"),
    ),
    Panel(
        key="shared_cost_allocation",
        title="Allocation of shared costs",
        description=(
            "The shared network and database pools split over the services (by bytes, by query count, or evenly "
            "when no driver was measured), over the time range."
        ),
        visualization="barchart",
        unit="currencyUSD",
        sql="""
SELECT
  s.service_name AS service,
  a.cost_pool || ' (' || a.allocation_method || ')' AS pool,
  SUM(a.allocated_cost) AS allocated_cost
FROM {marts}.fact_cost_allocation AS a
JOIN {marts}.dim_service AS s ON s.service_key = a.service_key
WHERE a.cost_pool <> 'direct' AND $__timeFilter(CAST(a.date AS TIMESTAMP))
GROUP BY service, pool
ORDER BY service, pool
""",
        chart=ChartEncoding(mark="bar", x="service", y="allocated_cost", series="pool"),
    ),
    Panel(
        key="data_freshness",
        title="Data freshness per source",
        description="The newest load of every source: when it was loaded, its billing month and export version.",
        visualization="table",
        unit="none",
        group="freshness",
        sql="""
WITH ranked AS (
  SELECT
    source,
    billing_month,
    execution_id,
    row_count,
    loaded_at,
    ROW_NUMBER() OVER (PARTITION BY source ORDER BY loaded_at DESC) AS load_rank,
    COUNT(*) OVER (PARTITION BY source) AS loads
  FROM {raw}._load_tracking
)
SELECT
  source,
  loaded_at AS last_loaded_at,
  billing_month AS last_billing_month,
  execution_id,
  row_count,
  loads
FROM ranked
WHERE load_rank = 1
ORDER BY source
""",
        chart=None,
    ),
)
