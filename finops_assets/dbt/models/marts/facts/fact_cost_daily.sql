{{ config(**finops.monthly_config()) }}
{{ finops.cost_rollup('date', 'date') }}
