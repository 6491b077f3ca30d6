{{ config(**finops.monthly_config(batched=true)) }}
{#- From fact_cost_daily (exactly the sums of fact_cost_hourly, fewer rows to group). -#}
{{ finops.cost_rollup('billing_month', 'month', source='fact_cost_daily') }}
