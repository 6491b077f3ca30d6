{#-
  Cost per hour, service, region, environment and resource (plus currency and source).

  Spreading rule (exact): a line item covering [start, end) is split over the n clock hours it touches in
  proportion to the seconds it spends in each. Every hour but the first gets its share truncated at the
  money scale (18 decimals, macros/facts.sql money_split: no float anywhere); the first hour gets the line's
  amount minus all the other hours' shares, so the rounding remainder lands in the first hour and the
  hours of a line sum to the line exactly. A line of one hour or less, or with no end, stays in the hour it
  starts in. Quantities (compute hours, GB-hours, GB) are spread by the same rule.

  total_cost is BilledCost (what the invoice says; reconciles with the raw exports), effective_cost the
  amortised EffectiveCost. The category columns split total_cost by FOCUS ServiceCategory:
  Compute / Storage / Networking / Databases, everything else in other_cost. shared_network_cost and
  shared_database_cost: the part of total_cost in a shared allocation pool (int_cost_keyed.cost_pool).
  compute_hours: consumed quantity of Compute lines measured in hours; storage_gb_hours: Storage lines in
  GB-month (x hours of the billing month) or GB-hours; network_gb: Networking lines in GB.
-#}
{{ config(**finops.monthly_config(batched=true)) }}
{%- set money = finops.money_type() -%}
{%- set amounts = ['BilledCost', 'EffectiveCost', 'compute_hours_q', 'storage_gb_hours_q', 'network_gb_q'] -%}

with lines as (

    select
        *,
        {{ dbt.date_trunc('hour', 'ChargePeriodStart') }} as first_hour,
        case
            when ChargePeriodEnd > ChargePeriodStart then {{ finops.seconds_between('ChargePeriodStart', 'ChargePeriodEnd') }}
            else 0
        end as duration_s,
        case
            when ServiceCategory = 'Compute' and lower(ConsumedUnit) in ('hrs', 'hours', 'hour', 'h') then ConsumedQuantity
        end as compute_hours_q,
        case
            when ServiceCategory = 'Storage' and lower(ConsumedUnit) in ('gb-mo', 'gb-month', 'gb/month', 'gib-mo', 'gibibyte month')
                then ConsumedQuantity * cast({{ finops.seconds_between('BillingPeriodStart', 'BillingPeriodEnd') }} / 3600 as {{ dbt.type_int() }})
            when ServiceCategory = 'Storage' and lower(ConsumedUnit) in ('gb-hours', 'gb-hour', 'gibibyte hour') then ConsumedQuantity
        end as storage_gb_hours_q,
        case
            when ServiceCategory = 'Networking' and lower(ConsumedUnit) in ('gb', 'gib', 'gibibyte') then ConsumedQuantity
        end as network_gb_q
    from {{ ref('int_cost_keyed') }}
    where {{ finops.in_run_months('billing_month') }}

),

shaped as (

    select
        *,
        case
            when duration_s = 0 then 1
            else cast(floor(({{ finops.seconds_between('first_hour', 'ChargePeriodEnd') }} + 3599) / 3600) as {{ dbt.type_int() }})
        end as n_hours,
        {{ finops.seconds_between('first_hour', 'ChargePeriodEnd') }} as end_offset_s
    from lines

),

offsets as (

    {{ finops.select_with_offsets('shaped', 'n_hours', 'k') }}

),

hours as (

    select
        offsets.*,
        {{ finops.add_hours('first_hour', 'k') }} as hour,
        end_offset_s - (n_hours - 1) * 3600 as last_hour_s
    from offsets

),

spread as (

    select
        hour,
        billing_month,
        service_key, region_key, environment_key, resource_key,
        cloud_provider, BillingCurrency, x_cost_source, ServiceCategory, x_instance_type, ResourceId, cost_pool, service_source,
        {%- for amount in amounts %}
        case
            when n_hours = 1 then {{ amount }}
            when k = n_hours - 1 then {{ finops.money_split(amount, 'last_hour_s', 'duration_s') }}
            when k > 0 then {{ finops.money_split(amount, 3600, 'duration_s') }}
            else {{ amount }} - {{ finops.money_split(amount, 'last_hour_s', 'duration_s') }}
                 - (n_hours - 2) * {{ finops.money_split(amount, 3600, 'duration_s') }}
        end as {{ amount }}{{ ',' if not loop.last }}
        {%- endfor %}
    from hours

)

select
    hour,
    cast(hour as date) as date,
    billing_month,
    service_key,
    service_source,
    region_key,
    environment_key,
    resource_key,
    cloud_provider,
    BillingCurrency as billing_currency,
    x_cost_source as cost_source,
    cast(coalesce(sum(case when ServiceCategory = 'Compute' then BilledCost end), 0) as {{ money }}) as compute_cost,
    cast(coalesce(sum(case when ServiceCategory = 'Storage' then BilledCost end), 0) as {{ money }}) as storage_cost,
    cast(coalesce(sum(case when ServiceCategory = 'Networking' then BilledCost end), 0) as {{ money }}) as network_cost,
    cast(coalesce(sum(case when ServiceCategory = 'Databases' then BilledCost end), 0) as {{ money }}) as database_cost,
    cast(coalesce(sum(case when ServiceCategory not in ('Compute', 'Storage', 'Networking', 'Databases') or ServiceCategory is null then BilledCost end), 0) as {{ money }}) as other_cost,
    cast(sum(BilledCost) as {{ money }}) as total_cost,
    cast(coalesce(sum(case when cost_pool = 'shared_network' then BilledCost end), 0) as {{ money }}) as shared_network_cost,
    cast(coalesce(sum(case when cost_pool = 'shared_database' then BilledCost end), 0) as {{ money }}) as shared_database_cost,
    cast(sum(EffectiveCost) as {{ money }}) as effective_cost,
    cast(coalesce(sum(compute_hours_q), 0) as {{ money }}) as compute_hours,
    cast(coalesce(sum(storage_gb_hours_q), 0) as {{ money }}) as storage_gb_hours,
    cast(coalesce(sum(network_gb_q), 0) as {{ money }}) as network_gb,
    {# count(distinct ResourceId) of the compute lines, without a distinct aggregate (it costs a second grouping of
       every line and a join): a group is one resource_key, so its ResourceIds are that one resource's id, or for
       '(none)' at most two values (NULL is not counted, '' and '(none)' are) #}
    cast(case
        when max(case when compute_hours_q > 0 then ResourceId end) is null then 0
        when min(case when compute_hours_q > 0 then ResourceId end) = max(case when compute_hours_q > 0 then ResourceId end) then 1
        else 2
    end as {{ dbt.type_bigint() }}) as instance_count,
    max(x_instance_type) as instance_type,
    count(*) as line_item_hours
from spread
group by hour, billing_month, service_key, service_source, region_key, environment_key, resource_key, cloud_provider, BillingCurrency, x_cost_source
