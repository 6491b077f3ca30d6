{#-
  Pieces of the data-quality tests (tests/). Thresholds are dbt vars with defaults in dbt_project.yml:
    cost_anomaly_factor         a service's day is an anomaly above this many times its trailing median (10)
    cost_anomaly_trailing_days  how many earlier days the median covers (7)
    cost_anomaly_min_history    earlier days with cost a service needs before it is judged (7: a full trailing week)
-#}

{#- Billed cost per source and billing month of the run, straight from the raw tables (the reconciliation target).
    AWS: a (payer account, month) that Data Exports delivers counts there and not in CUR v1 (int_cost_focus header). -#}
{% macro raw_billed_totals() -%}
    {%- set cur_columns = finops.relation_columns(source('billing_raw', 'aws_cur_raw')) -%}
    {%- set data_exports = finops.existing_relation(source('billing_raw', 'aws_data_exports_raw')) -%}
    select 'aws_cur' as source, cast(bill_billing_period_start_date as date) as billing_month, sum(line_item_unblended_cost) as total
    from {{ source('billing_raw', 'aws_cur_raw') }} as cur
    where {{ finops.in_run_months('cast(bill_billing_period_start_date as date)') }}
    {%- if data_exports %}
        and not exists (
            select 1 from {{ data_exports }} as de
            where de.bill_payer_account_id = {% if 'bill_payer_account_id' in cur_columns %}cur.bill_payer_account_id{% else %}cast(null as {{ dbt.type_string() }}){% endif %}
                and cast(de.bill_billing_period_start_date as date) = cast(cur.bill_billing_period_start_date as date)
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
{%- endmacro %}

{#- Keys of a fact column missing from the dimension that should describe them, in the fact rows of the run's months
    (every month without the vars). The dimension is rebuilt whole from every month's keys (int_cost_keys), and a
    month's fact rows and keys change only in that month's run, which checks them: a month run need not scan the
    whole history of the fact (10M rows at the reference scale) to find a key of its own months missing. -#}
{% macro keys_missing_from_dimension(dimension, key) -%}
select fact.{{ key }}, count(*) as fact_rows, sum(fact.total_cost) as total_cost
from {{ finops.relation_or_empty(source('finops_marts', 'fact_cost_hourly'), {key: dbt.type_string(), 'total_cost': finops.money_type(), 'billing_month': 'date'}) }} as fact
left join {{ ref(dimension) }} as dim on dim.{{ key }} = fact.{{ key }}
where dim.{{ key }} is null and {{ finops.in_run_months('fact.billing_month') }}
group by fact.{{ key }}
{%- endmacro %}

{#- The median of `expression` over each `partition` (a window without order: allowed in both warehouses). -#}
{% macro median_over(expression, partition) -%}{{ adapter.dispatch('median_over', 'finops')(expression, partition) }}{%- endmacro %}
{% macro duckdb__median_over(expression, partition) -%}quantile_cont({{ expression }}, 0.5) over (partition by {{ partition }}){%- endmacro %}
{% macro bigquery__median_over(expression, partition) -%}percentile_cont({{ expression }}, 0.5) over (partition by {{ partition }}){%- endmacro %}
