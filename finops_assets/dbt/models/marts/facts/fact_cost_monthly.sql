{{ config(**finops.monthly_config()) }}
{{ finops.cost_rollup('billing_month', 'month') }}
