{{ config(severity='error', meta={'dagster': {'ref': {'name': 'fact_cost_monthly'}}}) }}
{{ finops.rollup_reconciliation_test('fact_cost_monthly') }}
