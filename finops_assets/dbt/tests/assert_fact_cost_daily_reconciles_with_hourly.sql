{{ config(severity='error', meta={'dagster': {'ref': {'name': 'fact_cost_daily'}}}) }}
{{ finops.rollup_reconciliation_test('fact_cost_daily') }}
