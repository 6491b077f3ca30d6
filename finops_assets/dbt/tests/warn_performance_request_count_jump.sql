{{ config(severity='warn', meta={'dagster': {'ref': {'name': 'fact_performance_metrics_daily'}}}) }}
{#- Request-count jumps (WARN, never blocks): a service whose requests per covered hour on a day of the run are at
    least var('perf_request_jump_factor') times, or at most 1/factor of, its median over the
    var('perf_request_jump_trailing_days') earlier days, once it has var('perf_request_jump_min_history') of them.
    Days are compared per covered hour (the hours of the day that hold any request of any service): today's
    first hour, or a day whose spans are still arriving, is a partial day, not a 10x drop. A service that goes quiet
    for hours while the others serve still counts those hours. Failing rows: service, day, requests, covered hours,
    the rate and its trailing median, the ratio. -#}
{%- set factor = var('perf_request_jump_factor') -%}
{%- set trailing_days = var('perf_request_jump_trailing_days') -%}
with covered as (
    select date, count(distinct hour) as covered_hours
    from {{ ref('fact_performance_metrics_hourly') }}
    group by date
),
per_day as (
    select daily.service_key, daily.date, sum(daily.request_count) as requests, max(covered.covered_hours) as covered_hours
    from {{ ref('fact_performance_metrics_daily') }} as daily
    join covered on covered.date = daily.date
    group by daily.service_key, daily.date
),
rates as (
    select service_key, date, requests, covered_hours, requests / covered_hours as requests_per_hour
    from per_day
),
history as (
    select day.service_key, day.date, day.requests, day.covered_hours, day.requests_per_hour,
           earlier.requests_per_hour as earlier_per_hour
    from rates as day
    join rates as earlier
        on earlier.service_key = day.service_key
        and earlier.date < day.date and earlier.date >= {{ dbt.dateadd('day', -trailing_days, 'day.date') }}
    where {{ finops.in_run_span_days('day.date') }}
),
judged as (
    select distinct
        service_key, date, requests, covered_hours, requests_per_hour,
        {{ finops.median_over('earlier_per_hour', 'service_key, date') }} as trailing_median_per_hour,
        count(*) over (partition by service_key, date) as history_days
    from history
)
select service_key, date, requests, covered_hours, requests_per_hour, trailing_median_per_hour,
       requests_per_hour / trailing_median_per_hour as ratio, {{ factor }} as threshold_factor
from judged
where history_days >= {{ var('perf_request_jump_min_history') }}
  and trailing_median_per_hour > 0
  and (requests_per_hour >= {{ factor }} * trailing_median_per_hour
       or requests_per_hour * {{ factor }} <= trailing_median_per_hour)
