{#-
  Performance and cost per hour, cloud, service, region and environment: the requests of the hour
  (fact_performance_requests; p95 from the requests themselves, not from endpoint percentiles) joined to
  fact_cost_hourly's total_cost (billed, exact; every currency of the hour summed).
    cost_per_request             total_cost / request_count                (exact, truncated at 18 decimals)
    cost_per_successful_request  total_cost / successful_request_count     (exact, truncated at 18 decimals)
    requests_per_dollar          request_count / total_cost
    performance_efficiency_score (requests_per_second / duration_p95_ms) / total_cost * 1000
  A ratio whose divisor is 0 or missing is NULL, never inf or NaN, and null_reason says why (first that applies):
    cost_pending            the cloud's cost is not loaded up to this hour yet (cost lags traffic by about a day)
    mixed_currencies        the matching cost is billed in more than one currency (no single total exists)
    no_cost_rows            the cost is loaded, but no cost row matches this hour, service, region and environment
    zero_cost               the matching cost is 0 (per-dollar ratios undefined)
    no_successful_requests  every request failed (cost_per_successful_request undefined)
    zero_p95                duration_p95_ms is 0 (efficiency undefined)
  cost_status: 'loaded' when fact_cost_hourly covers the hour for the cloud, else 'pending'. Every run recomputes
  its days and also every day that still has a pending row, so the rows fill in once the cost lands.
-#}
{{ config(**finops.daily_config()) }}
{%- set money = finops.money_type() -%}

{%- set pending_days -%}
{%- if is_incremental() -%}
or date in (select distinct date from {{ this }} where cost_status = 'pending')
{%- endif -%}
{%- endset %}

with requests as (
    select
        *,
        {{ finops.percentile_over('duration_ms', 0.95, 'hour, cloud_provider, service_key, region_key, environment_key') }} as p95
    from {{ ref('fact_performance_requests') }}
    where {{ finops.in_run_span_days('date') }} {{ pending_days }}
),

traffic as (
    select
        hour, date, cloud_provider, service_key, region_key, environment_key,
        count(*) as request_count,
        sum(case when is_error then 0 else 1 end) as successful_request_count,
        sum(case when is_error then 1 else 0 end) as error_count,
        max(p95) as duration_p95_ms,
        {{ finops.safe_ratio('count(*)', 3600) }} as requests_per_second
    from requests
    group by hour, date, cloud_provider, service_key, region_key, environment_key
),

cost_coverage as (
    select cloud_provider, max(hour) as last_cost_hour
    from {{ ref('fact_cost_hourly') }}
    group by cloud_provider
),

cost as (
    select
        hour, cloud_provider, service_key, region_key, environment_key,
        count(distinct billing_currency) as currency_count,
        case when count(distinct billing_currency) = 1 then min(billing_currency) end as billing_currency,
        case when count(distinct billing_currency) = 1 then cast(sum(total_cost) as {{ money }}) end as total_cost
    from {{ ref('fact_cost_hourly') }}
    where cast(hour as date) in (select distinct date from traffic)
    group by hour, cloud_provider, service_key, region_key, environment_key
),

joined as (
    select
        traffic.*,
        case when cost_coverage.last_cost_hour >= traffic.hour then 'loaded' else 'pending' end as cost_status,
        case when cost_coverage.last_cost_hour >= traffic.hour then cost.currency_count > 1 else false end as mixed_currencies,
        case when cost_coverage.last_cost_hour >= traffic.hour then cost.billing_currency end as billing_currency,
        case when cost_coverage.last_cost_hour >= traffic.hour then cost.total_cost end as total_cost
    from traffic
    left join cost_coverage on cost_coverage.cloud_provider = traffic.cloud_provider
    left join cost
        on cost.hour = traffic.hour and cost.cloud_provider = traffic.cloud_provider and cost.service_key = traffic.service_key
        and cost.region_key = traffic.region_key and cost.environment_key = traffic.environment_key
)

select
    hour,
    date,
    cloud_provider,
    service_key,
    region_key,
    environment_key,
    request_count,
    successful_request_count,
    error_count,
    duration_p95_ms,
    requests_per_second,
    billing_currency,
    total_cost,
    cast(case when total_cost is not null then {{ finops.money_split('total_cost', 1, 'request_count') }} end as {{ money }}) as cost_per_request,
    cast(case when total_cost is not null and successful_request_count > 0
              then {{ finops.money_split('total_cost', 1, 'successful_request_count') }} end as {{ money }}) as cost_per_successful_request,
    {{ finops.safe_ratio('request_count', 'total_cost') }} as requests_per_dollar,
    {{ finops.safe_ratio('requests_per_second * 1000', 'duration_p95_ms * total_cost') }} as performance_efficiency_score,
    cost_status,
    case
        when cost_status = 'pending' then 'cost_pending'
        when mixed_currencies then 'mixed_currencies'
        when total_cost is null then 'no_cost_rows'
        when total_cost = 0 then 'zero_cost'
        when successful_request_count = 0 then 'no_successful_requests'
        when duration_p95_ms = 0 then 'zero_p95'
    end as null_reason
from joined
