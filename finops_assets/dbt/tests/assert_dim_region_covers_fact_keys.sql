{{ config(severity='error', meta={'dagster': {'ref': {'name': 'dim_region'}}}) }}
{#- Every region_key of fact_cost_hourly is described by dim_region (failing rows: the missing keys, their fact rows and cost).
    It reads the fact as a source so that it runs with the dimensions, after they are rebuilt (the dimension
    declares depends_on the fact, so in a run that builds both dbt tests it after the fact too). -#}
{{ finops.keys_missing_from_dimension('dim_region', 'region_key') }}
