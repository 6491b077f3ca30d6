"""The dbt domain: the dbt project under `finops_assets/dbt/` as Dagster assets, its tests as asset checks."""
