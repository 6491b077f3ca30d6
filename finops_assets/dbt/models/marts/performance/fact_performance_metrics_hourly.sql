{#-
  Request metrics per hour, service, endpoint, region and environment, from fact_performance_requests.
  Percentiles are exact, linear interpolation between the two nearest ranks (DuckDB quantile_cont, BigQuery
  PERCENTILE_CONT as an analytic function: no approximate quantiles are used). requests_per_second = requests /
  3600. Byte averages are over the requests that report a size.
-#}
{{ config(**finops.daily_config()) }}
{%- set grain = 'hour, date, service_key, endpoint_key, region_key, environment_key, cloud_provider' -%}
{{ finops.performance_metrics(grain, 3600) }}
