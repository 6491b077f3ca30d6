{{ finops.cost_rollup('billing_month', 'month') }}
