{#- WARN (issue 8): a service whose requests in a day are at least `perf_request_jump_factor` (dbt var, default 10)
    times, or at most 1/factor of, its requests on the previous day it had traffic. -#}
{{ config(severity='warn') }}
{%- set factor = var('perf_request_jump_factor', 10) -%}
with per_day as (
    select service_key, date, sum(request_count) as requests
    from {{ ref('fact_performance_metrics_daily') }}
    group by service_key, date
),

compared as (
    select
        service_key, date, requests,
        lag(requests) over (partition by service_key order by date) as previous_requests
    from per_day
)

select service_key, date, requests, previous_requests
from compared
where previous_requests is not null
  and (requests >= previous_requests * {{ factor }} or requests * {{ factor }} <= previous_requests)
