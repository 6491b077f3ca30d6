{{ config(severity='error', meta={'dagster': {'ref': {'name': 'int_cost_focus'}}}) }}
{#- Per billing month of the run and cloud, FOCUS BilledCost equals the raw exports' cost exactly (to the last decimal).
    AWS: a (payer account, month) that Data Exports delivers counts there and not in CUR v1 (int_cost_focus header). -#}
{%- set cur_columns = finops.relation_columns(source('billing_raw', 'aws_cur_raw')) -%}
{%- set data_exports = finops.existing_relation(source('billing_raw', 'aws_data_exports_raw')) -%}
with focus as (
    select x_cost_source as source, cast(BillingPeriodStart as date) as billing_month, sum(BilledCost) as total
    from {{ ref('int_cost_focus') }}
    where {{ finops.in_run_months('billing_month') }}
    group by 1, 2
),
{% if data_exports -%}
data_exports_pairs as (
    select distinct bill_payer_account_id as payer_account_id, cast(bill_billing_period_start_date as date) as billing_month
    from {{ data_exports }}
    where {{ finops.in_run_months('cast(bill_billing_period_start_date as date)') }}
),
{%- endif %}
raw as (
    select 'aws_cur' as source, cast(bill_billing_period_start_date as date) as billing_month, sum(line_item_unblended_cost) as total
    from {{ source('billing_raw', 'aws_cur_raw') }} as cur
    where {{ finops.in_run_months('cast(bill_billing_period_start_date as date)') }}
    {%- if data_exports %}
        and not exists (
            select 1 from data_exports_pairs as p
            where p.payer_account_id = {{ finops.column_or_null(cur_columns, 'bill_payer_account_id', 'varchar') }}
                and p.billing_month = cast(cur.bill_billing_period_start_date as date)
        )
    {%- endif %}
    group by 1, 2
    {%- if data_exports %}
    union all
    select 'aws_data_exports', cast(bill_billing_period_start_date as date), sum(line_item_unblended_cost)
    from {{ data_exports }}
    where {{ finops.in_run_months('cast(bill_billing_period_start_date as date)') }} group by 1, 2
    {%- endif %}
    union all
    select 'azure_focus', cast(billing_period_start as date), sum(coalesce(billed_cost, 0))
    from {{ source('billing_raw', 'azure_focus_raw') }}
    where {{ finops.in_run_months('cast(billing_period_start as date)') }} group by 1, 2
    union all
    select 'gcp_billing', cast(invoice_month as date), sum(cost)
    from {{ source('billing_raw', 'gcp_billing_export') }}
    where {{ finops.in_run_months('cast(invoice_month as date)') }} group by 1, 2
)
select raw.source, raw.billing_month, raw.total as raw_total, focus.total as focus_total
from raw
left join focus on focus.source = raw.source and focus.billing_month = raw.billing_month
where focus.total is null or coalesce(raw.total, 0) <> coalesce(focus.total, 0)
