{{ config(severity='error', meta={'dagster': {'ref': {'name': 'int_cost_focus'}}}) }}
{#- Per billing month of the run and cloud, FOCUS BilledCost equals the raw exports' cost exactly (to the last decimal).
    AWS: a (payer account, month) that Data Exports delivers counts there and not in CUR v1 (raw_billed_totals). -#}
with focus as (
    select x_cost_source as source, cast(BillingPeriodStart as date) as billing_month, sum(BilledCost) as total
    from {{ ref('int_cost_focus') }}
    where {{ finops.in_run_months('billing_month') }}
    group by 1, 2
),
raw as (
    {{ finops.raw_billed_totals() }}
)
select raw.source, raw.billing_month, raw.total as raw_total, focus.total as focus_total
from raw
left join focus on focus.source = raw.source and focus.billing_month = raw.billing_month
where focus.total is null or coalesce(raw.total, 0) <> coalesce(focus.total, 0)
