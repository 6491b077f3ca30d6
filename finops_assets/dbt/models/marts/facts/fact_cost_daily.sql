{{ finops.cost_rollup('date', 'date') }}
