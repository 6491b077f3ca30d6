{#-
  (Reads fact_cost_daily only, not the dimensions, so that a month's allocation is built in the same monthly
  run as its facts; service_source says whether a service comes from a tag.)
  Every dollar of fact_cost_daily attributed to a service, per day, cloud and currency:
    direct           cost of tagged lines stays with the service its tags name (allocation_method 'tag');
                     untagged direct cost stays with its cloud-service fallback ('unattributed')
    shared_network   a day's shared network pool (NAT gateways, load balancers, untagged data transfer) is
                     split over the tagged services active that day in proportion to their bytes
                     (int_allocation_drivers.network_bytes, weighed in whole megabytes)
    shared_database  a day's shared database pool is split by query count (database_queries: database client
                     spans per calling service, from the OTel traces)
  When no recipient has any driver quantity that day, the pool is split evenly over the active tagged services
  (allocation_method 'even_split', is_even_split true). When there is no tagged service at all, the pool stays
  with itself ('unallocated').
  Exactness: each recipient but one gets amount x weight / total weight truncated at the money scale
  (macros/facts.sql money_split); the recipient with the largest weight (ties: smallest key) gets the pool
  minus the others, so the allocated amounts sum exactly to the pool, and the table sums exactly to
  fact_cost_daily.
-#}
{{ config(**finops.monthly_config()) }}
{%- set money = finops.money_type() -%}

with daily as (
    select
        daily.date, daily.billing_month, daily.cloud_provider, daily.billing_currency, daily.service_key,
        daily.service_source,
        sum(daily.total_cost) as total_cost,
        sum(daily.shared_network_cost) as shared_network_cost,
        sum(daily.shared_database_cost) as shared_database_cost
    from {{ finops.cost_daily() }} as daily
    where {{ finops.in_run_months('daily.billing_month') }}
    group by daily.date, daily.billing_month, daily.cloud_provider, daily.billing_currency, daily.service_key,
             daily.service_source
),

direct as (
    select
        date, billing_month, cloud_provider, billing_currency,
        service_key,
        'direct' as cost_pool,
        case when service_source = 'tag' then 'tag' else 'unattributed' end as allocation_method,
        false as is_even_split,
        cast(null as {{ money }}) as driver_quantity,
        cast(null as {{ money }}) as pool_driver_quantity,
        cast(total_cost - shared_network_cost - shared_database_cost as {{ money }}) as pool_cost,
        cast(total_cost - shared_network_cost - shared_database_cost as {{ money }}) as allocated_cost
    from daily
),

pools as (
    select date, billing_month, cloud_provider, billing_currency, 'shared_network' as cost_pool, 'network_bytes' as driver,
           sum(shared_network_cost) as pool_cost
    from daily group by date, billing_month, cloud_provider, billing_currency
    having sum(shared_network_cost) <> 0
    union all
    select date, billing_month, cloud_provider, billing_currency, 'shared_database', 'database_queries',
           sum(shared_database_cost)
    from daily group by date, billing_month, cloud_provider, billing_currency
    having sum(shared_database_cost) <> 0
),

recipients as (
    {#- tagged services with cost that day in that cloud and currency -#}
    select distinct date, cloud_provider, billing_currency, service_key
    from daily
    where service_source = 'tag'
),

candidates as (
    select
        pools.*,
        recipients.service_key,
        coalesce(drivers.quantity, 0) as driver_quantity,
        {#- bytes weigh in whole megabytes, queries one each -#}
        cast(floor(coalesce(drivers.quantity, 0) / case when pools.driver = 'network_bytes' then 1000000 else 1 end) as {{ dbt.type_bigint() }}) as driver_weight
    from pools
    inner join recipients
        on recipients.date = pools.date and recipients.cloud_provider = pools.cloud_provider
        and recipients.billing_currency = pools.billing_currency
    left join {{ ref('int_allocation_drivers') }} as drivers
        on drivers.date = pools.date and drivers.cloud_provider = pools.cloud_provider
        and drivers.service_key = recipients.service_key and drivers.driver = pools.driver
),

weighted as (
    select
        candidates.*,
        sum(driver_weight) over (partition by date, cloud_provider, billing_currency, cost_pool) = 0 as is_even_split
    from candidates
),

ranked as (
    select
        weighted.*,
        case when is_even_split then 1 else driver_weight end as weight,
        sum(case when is_even_split then 1 else driver_weight end) over (partition by date, cloud_provider, billing_currency, cost_pool) as total_weight,
        sum(driver_quantity) over (partition by date, cloud_provider, billing_currency, cost_pool) as pool_driver_quantity,
        row_number() over (
            partition by date, cloud_provider, billing_currency, cost_pool
            order by case when is_even_split then 1 else driver_weight end desc, service_key
        ) as recipient_rank
    from weighted
),

shares as (
    select
        ranked.*,
        case when recipient_rank > 1 then {{ finops.money_split('pool_cost', 'weight', 'total_weight') }} end as share
    from ranked
),

allocated as (
    select
        date, billing_month, cloud_provider, billing_currency,
        service_key,
        cost_pool,
        case when is_even_split then 'even_split' when cost_pool = 'shared_network' then 'bytes' else 'query_count' end as allocation_method,
        is_even_split,
        cast(driver_quantity as {{ money }}) as driver_quantity,
        cast(pool_driver_quantity as {{ money }}) as pool_driver_quantity,
        cast(pool_cost as {{ money }}) as pool_cost,
        cast(case
            when recipient_rank = 1 then pool_cost - coalesce(sum(share) over (partition by date, cloud_provider, billing_currency, cost_pool), 0)
            else share
        end as {{ money }}) as allocated_cost
    from shares
),

unallocated as (
    {#- pools of days without any tagged service stay with the pool's own lines -#}
    select
        pools.date, pools.billing_month, pools.cloud_provider, pools.billing_currency,
        daily.service_key,
        pools.cost_pool,
        'unallocated' as allocation_method,
        false as is_even_split,
        cast(null as {{ money }}) as driver_quantity,
        cast(null as {{ money }}) as pool_driver_quantity,
        cast(pools.pool_cost as {{ money }}) as pool_cost,
        cast(case when pools.cost_pool = 'shared_network' then daily.shared_network_cost else daily.shared_database_cost end as {{ money }}) as allocated_cost
    from pools
    inner join daily
        on daily.date = pools.date and daily.cloud_provider = pools.cloud_provider and daily.billing_currency = pools.billing_currency
    left join recipients
        on recipients.date = pools.date and recipients.cloud_provider = pools.cloud_provider
        and recipients.billing_currency = pools.billing_currency
    where recipients.service_key is null
      and (case when pools.cost_pool = 'shared_network' then daily.shared_network_cost else daily.shared_database_cost end) <> 0
)

select * from direct where allocated_cost <> 0 or pool_cost <> 0
union all
select * from allocated
union all
select * from unallocated
