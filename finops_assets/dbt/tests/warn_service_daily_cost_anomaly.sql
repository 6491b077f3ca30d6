{{ config(severity='warn', meta={'dagster': {'ref': {'name': 'fact_cost_daily'}}}) }}
{#- Cost anomalies (WARN, never blocks): a service's cost on a day of the run's months above
    var('cost_anomaly_factor') times its median over the var('cost_anomaly_trailing_days') earlier days, once the
    service has var('cost_anomaly_min_history') earlier days. Failing rows: service, day, cost, trailing median and
    the ratio. -#}
{%- set factor = var('cost_anomaly_factor') -%}
{%- set trailing_days = var('cost_anomaly_trailing_days') -%}
with daily as (
    select service_key, billing_currency, date, sum(total_cost) as cost
    from {{ ref('fact_cost_daily') }}
    {%- if var('min_month', none) and var('max_month', none) %}
    {#- only the run's days and the trailing days they are judged against, not the whole history -#}
    where date >= {{ dbt.dateadd('day', -trailing_days, "cast('" ~ var('min_month') ~ "' as date)") }}
      and date < cast('{{ var("max_month") }}' as date)
    {%- endif %}
    group by service_key, billing_currency, date
),
history as (
    select day.service_key, day.billing_currency, day.date, day.cost, earlier.cost as earlier_cost
    from daily as day
    join daily as earlier
        on earlier.service_key = day.service_key and earlier.billing_currency = day.billing_currency
        and earlier.date < day.date and earlier.date >= {{ dbt.dateadd('day', -trailing_days, 'day.date') }}
    where {{ finops.in_run_months('day.date') }}
),
judged as (
    select distinct
        service_key, billing_currency, date, cost,
        {{ finops.median_over('earlier_cost', 'service_key, billing_currency, date') }} as trailing_median,
        count(*) over (partition by service_key, billing_currency, date) as history_days
    from history
)
select judged.date, services.service_name, judged.billing_currency, judged.cost, judged.trailing_median,
       judged.cost / judged.trailing_median as ratio, {{ factor }} as threshold_factor
from judged
join (select distinct service_key, service_name from {{ ref('int_cost_keys') }} where service_key is not null) as services
    on services.service_key = judged.service_key
where judged.history_days >= {{ var('cost_anomaly_min_history') }}
  and judged.trailing_median > 0
  and judged.cost > {{ factor }} * judged.trailing_median
