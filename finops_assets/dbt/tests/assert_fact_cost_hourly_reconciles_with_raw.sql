{{ config(severity='error', meta={'dagster': {'ref': {'name': 'fact_cost_hourly'}}}) }}
{#- Per billing month of the run and cloud, fact_cost_hourly's total_cost equals the raw exports' billed cost exactly
    (the hourly spreading, the keys and the currencies must neither lose nor invent a cent). Failing rows: the month
    and source with both totals and their difference. -#}
with raw as (
    {{ finops.raw_billed_totals() }}
),
hourly as (
    select cost_source as source, billing_month, sum(total_cost) as total
    from {{ ref('fact_cost_hourly') }}
    where {{ finops.in_run_months('billing_month') }}
    group by 1, 2
)
select
    coalesce(raw.source, hourly.source) as source, coalesce(raw.billing_month, hourly.billing_month) as billing_month,
    raw.total as raw_total, hourly.total as fact_total, coalesce(hourly.total, 0) - coalesce(raw.total, 0) as difference
from raw
full outer join hourly on hourly.source = raw.source and hourly.billing_month = raw.billing_month
where coalesce(raw.total, 0) <> coalesce(hourly.total, 0)
