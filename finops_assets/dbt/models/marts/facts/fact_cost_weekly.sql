{{ config(**finops.monthly_config(batched=true)) }}
{#- ISO weeks (Monday start), from fact_cost_daily (exactly the sums of fact_cost_hourly, fewer rows to group). -#}
{{ finops.cost_rollup(finops.iso_week_start('date'), 'week_start', source='fact_cost_daily') }}
