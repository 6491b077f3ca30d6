{{ config(severity='error', meta={'dagster': {'ref': {'name': 'fact_cost_allocation'}}}) }}
{#- Per day, cloud and currency: allocated amounts sum exactly to fact_cost_daily, and each shared pool's
    allocations sum exactly to the pool. -#}
with daily as (
    select date, cloud_provider, billing_currency, sum(total_cost) as total
    from {{ finops.cost_daily() }} as daily where {{ finops.in_run_months('billing_month') }} group by 1, 2, 3
),
allocated as (
    select date, cloud_provider, billing_currency, sum(allocated_cost) as total
    from {{ ref('fact_cost_allocation') }} where {{ finops.in_run_months('billing_month') }} group by 1, 2, 3
),
pools as (
    select date, cloud_provider, billing_currency, cost_pool, max(pool_cost) as pool_cost, sum(allocated_cost) as allocated
    from {{ ref('fact_cost_allocation') }}
    where cost_pool <> 'direct' and {{ finops.in_run_months('billing_month') }}
    group by 1, 2, 3, 4
)
{#- (a day whose costs sum to zero may have no allocation rows: compared as zero) -#}
select
    coalesce(daily.date, allocated.date) as date, coalesce(daily.cloud_provider, allocated.cloud_provider) as cloud_provider,
    coalesce(daily.billing_currency, allocated.billing_currency) as billing_currency, 'total' as what,
    daily.total as expected, allocated.total as actual
from daily
full outer join allocated
    on allocated.date = daily.date and allocated.cloud_provider = daily.cloud_provider and allocated.billing_currency = daily.billing_currency
where coalesce(daily.total, 0) <> coalesce(allocated.total, 0)
union all
select date, cloud_provider, billing_currency, cost_pool, pool_cost, allocated
from pools
where pool_cost <> allocated
