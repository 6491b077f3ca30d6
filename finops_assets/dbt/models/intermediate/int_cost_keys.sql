{#-
  The members of the dimensions per billing month, from int_cost_keyed: one row per month and service (with team and
  cost center), environment, region, resource, each with its line count, first and last charge and the names the
  dimension keeps. The dimensions are rebuilt whole after every run; reading these few rows instead of every line of
  the history (each line's surrogate keys hashed again, once per dimension) keeps that rebuild small, and a run
  recomputes only its own months here. Every measure combines over months (sums, min, max).
  One grouping set per dimension: a row belongs to the dimension whose key it carries (the other keys are NULL).
-#}
{{ config(**finops.monthly_config()) }}
select
    billing_month,
    service_key,
    service_name,
    service_source,
    x_team,
    x_cost_center,
    environment_key,
    environment_name,
    region_key,
    cloud_provider,
    region_code,
    resource_key,
    resource_id,
    count(*) as line_items,
    min(ChargePeriodStart) as first_charge_at,
    max(ChargePeriodStart) as last_charge_at,
    max(RegionName) as region_name,
    max(SubAccountId) as sub_account_id,
    max(ServiceName) as cloud_service_name,
    {#- a resource's region (region_code is the region set's key, NULL in the resource set) -#}
    max(region_code) as resource_region_code
from {{ ref('int_cost_keyed') }}
where {{ finops.in_run_months('billing_month') }}
group by grouping sets (
    (billing_month, service_key, service_name, service_source, x_team, x_cost_center),
    (billing_month, environment_key, environment_name),
    (billing_month, region_key, cloud_provider, region_code),
    (billing_month, resource_key, cloud_provider, resource_id)
)
