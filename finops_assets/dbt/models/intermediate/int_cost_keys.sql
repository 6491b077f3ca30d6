{#-
  The members of the dimensions per billing month, from int_cost_keyed: one row per month and service (with team and
  cost center), environment, region, resource, each with its line count, first and last charge and the names the
  dimension keeps. The dimensions are rebuilt whole after every run; reading these few rows instead of every line of
  the history (each line's surrogate keys hashed again, once per dimension) keeps that rebuild small, and a run
  recomputes only its own months here. Every measure combines over months (sums, min, max).
  One grouping set per dimension: a row belongs to the dimension whose key it carries (the other keys are NULL).
  The sets group by the business keys; each surrogate key (an md5 of its business key, int_cost_keyed) is computed
  once per grouped row instead of once per line: the same groups (a surrogate key is a function of its business
  key), the same keys, a fraction of the hashing (int_cost_keyed's per-line md5s are not computed for this model).
-#}
{{ config(**finops.monthly_config(batched=true)) }}
with grouped as (

    select
        billing_month,
        service_name,
        service_source,
        x_team,
        x_cost_center,
        environment_name,
        cloud_provider,
        region_code,
        resource_id,
        grouping(service_name) as without_service,
        grouping(environment_name) as without_environment,
        grouping(region_code) as without_region,
        grouping(resource_id) as without_resource,
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
        (billing_month, service_name, service_source, x_team, x_cost_center),
        (billing_month, environment_name),
        (billing_month, cloud_provider, region_code),
        (billing_month, cloud_provider, resource_id)
    )

)

select
    billing_month,
    case when without_service = 0 then {{ finops.surrogate_key(['service_name']) }} end as service_key,
    service_name,
    service_source,
    x_team,
    x_cost_center,
    case when without_environment = 0 then {{ finops.surrogate_key(['environment_name']) }} end as environment_key,
    environment_name,
    case when without_region = 0 then {{ finops.surrogate_key(['cloud_provider', 'region_code']) }} end as region_key,
    cloud_provider,
    region_code,
    case when without_resource = 0 then {{ finops.surrogate_key(['cloud_provider', 'resource_id']) }} end as resource_key,
    resource_id,
    line_items,
    first_charge_at,
    last_charge_at,
    region_name,
    sub_account_id,
    cloud_service_name,
    resource_region_code
from grouped
