{#-
  What each service consumed per day and cloud, as allocation drivers for the shared cost pools:
    network_bytes    bytes of data transfer billed to the service's own (tagged) lines: fact_cost_daily
                     network_gb x 10^9
    database_queries query count per service (from performance data; none is loaded yet, so this driver is
                     empty and database pools are split evenly, flagged is_even_split)
  One row per (date, cloud_provider, service_key, driver).
-#}
{{ config(materialized='ephemeral') }}
with network as (
    select
        daily.date,
        daily.cloud_provider,
        daily.service_key,
        'network_bytes' as driver,
        sum(daily.network_gb) * 1000000000 as quantity
    from {{ ref('fact_cost_daily') }} as daily
    where daily.service_source = 'tag' and {{ finops.in_run_months('daily.billing_month') }}
    group by daily.date, daily.cloud_provider, daily.service_key
    having sum(daily.network_gb) > 0
),

database_queries as (
    select
        cast(null as date) as date,
        cast(null as {{ dbt.type_string() }}) as cloud_provider,
        cast(null as {{ dbt.type_string() }}) as service_key,
        'database_queries' as driver,
        cast(null as {{ finops.money_type() }}) as quantity
    from network
    where 1 = 0
)

select date, cloud_provider, service_key, driver, cast(quantity as {{ finops.money_type() }}) as quantity from network
union all
select * from database_queries
