{{ config(**finops.monthly_config(batched=true)) }}
{{ finops.cost_rollup('date', 'date') }}
