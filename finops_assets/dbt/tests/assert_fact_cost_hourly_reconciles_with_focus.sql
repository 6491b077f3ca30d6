{{ config(severity='error', meta={'dagster': {'ref': {'name': 'fact_cost_hourly'}}}) }}
{#- Per billing month, cloud and currency, the hourly fact's total and effective cost equal int_cost_focus exactly. -#}
with focus as (
    select cast(BillingPeriodStart as date) as billing_month, x_cost_source as cost_source, BillingCurrency as currency,
           sum(BilledCost) as billed, sum(EffectiveCost) as effective
    from {{ ref('int_cost_focus') }}
    where {{ finops.in_run_months('cast(BillingPeriodStart as date)') }}
    group by 1, 2, 3
),
hourly as (
    select billing_month, cost_source, billing_currency as currency, sum(total_cost) as billed, sum(effective_cost) as effective
    from {{ ref('fact_cost_hourly') }}
    where {{ finops.in_run_months('billing_month') }}
    group by 1, 2, 3
)
select focus.*, hourly.billed as hourly_billed, hourly.effective as hourly_effective
from focus
full outer join hourly
    on hourly.billing_month = focus.billing_month and hourly.cost_source = focus.cost_source and hourly.currency = focus.currency
where hourly.billed is null or focus.billed is null or hourly.billed <> focus.billed or hourly.effective <> focus.effective
