{#-
  What each service consumed per day and cloud, as allocation drivers for the shared cost pools:
    network_bytes    bytes of data transfer billed to the service's own (tagged) lines: fact_cost_daily
                     network_gb x 10^9
    database_queries database calls per calling service: the client spans of stg_otel_spans that carry
                     `db.system.name` / `db.system` (quarantined spans excluded), counted per day of their start,
                     cloud (cloud.provider) and service (service.name). Without spans for a day the driver is
                     empty and that day's database pool is split evenly, flagged is_even_split.
  One row per (date, cloud_provider, service_key, driver).
-#}
{{ config(materialized='ephemeral') }}
{#- Without OTel (never loaded, its staging view never built) the database pools are split evenly. -#}
{%- set spans = finops.existing_relation(ref('stg_otel_spans')) -%}
with network as (
    select
        daily.date,
        daily.cloud_provider,
        daily.service_key,
        'network_bytes' as driver,
        sum(daily.network_gb) * 1000000000 as quantity
    from {{ finops.cost_daily() }} as daily
    where daily.service_source = 'tag' and {{ finops.in_run_months('daily.billing_month') }}
    group by daily.date, daily.cloud_provider, daily.service_key
    having sum(daily.network_gb) > 0
),

database_queries as (
    {%- if spans %}
    select
        spans.date,
        spans.cloud_provider,
        {{ finops.surrogate_key(['spans.service_name']) }} as service_key,
        'database_queries' as driver,
        count(*) as quantity
    from {{ ref('stg_otel_spans') }} as spans
    where spans.quarantine_reason is null and spans.span_kind = 'client' and spans.db_system is not null
      and {{ finops.in_run_months('spans.date') }}
    group by spans.date, spans.cloud_provider, {{ finops.surrogate_key(['spans.service_name']) }}
    {%- else %}
    select
        cast(null as date) as date,
        cast(null as {{ dbt.type_string() }}) as cloud_provider,
        cast(null as {{ dbt.type_string() }}) as service_key,
        'database_queries' as driver,
        0 as quantity
    from network
    where 1 = 0
    {%- endif %}
)

select date, cloud_provider, service_key, driver, cast(quantity as {{ finops.money_type() }}) as quantity from network
union all
select date, cloud_provider, service_key, driver, cast(quantity as {{ finops.money_type() }}) as quantity from database_queries
