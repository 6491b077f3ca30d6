{#-
  Request metrics per day, service, endpoint, region and environment, computed from the requests of the day
  (fact_performance_requests), not from the hourly rows: a percentile of hourly percentiles is not the day's
  percentile. Same exact percentiles as the hourly fact (no approximation on either warehouse).
  requests_per_second = requests / 86400.
-#}
{{ config(**finops.daily_config()) }}
{%- set grain = 'date, service_key, endpoint_key, region_key, environment_key, cloud_provider' -%}
{{ finops.performance_metrics(grain, 86400) }}
