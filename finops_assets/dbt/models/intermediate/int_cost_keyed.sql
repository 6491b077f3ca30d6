{{ config(materialized="view") }}
{#-
  int_cost_focus with the business keys the marts share, derived once (documented fallbacks):
    service      the `service` / `app` / `application` tag; untagged lines fall back to the cloud service
                 that billed them, as `<cloud>/<ServiceName>` (e.g. `aws/Amazon Simple Storage Service`)
    environment  the `environment` / `env` tag in one vocabulary (macros/facts.sql environment_name);
                 missing -> 'untagged'
    team         the `team` / `owner_team` tag; missing -> 'untagged'
    region       (cloud, RegionId); lines without a region (tax, global services) -> 'global'
    resource     (cloud, ResourceId); lines without a resource -> '(none)'
  and their surrogate keys (md5 of the business key, the same on DuckDB and BigQuery).
  cost_pool: which allocation pool a line's cost belongs to (models/marts/allocation):
    shared_network   Networking cost with no service tag, a service tag of 'shared', or a NAT gateway /
                     load balancer line (by usage type or service name) -> split by bytes
    shared_database  Databases cost with no service tag or a service tag of 'shared' -> split by query count
    direct           everything else: attributed by its tags
-#}
with lines as (

    select
        *,
        {{ finops.cloud_provider('ProviderName') }} as cloud_provider,
        case
            when x_app_service <> 'untagged' then x_app_service
            else concat({{ finops.cloud_provider('ProviderName') }}, '/', coalesce(ServiceName, 'unknown'))
        end as service_name,
        case when x_app_service = 'shared' then 'shared' when x_app_service <> 'untagged' then 'tag' else 'cloud_service' end as service_source,
        {{ finops.environment_name('x_environment') }} as environment_name,
        coalesce(nullif(RegionId, ''), 'global') as region_code,
        coalesce(nullif(ResourceId, ''), '(none)') as resource_id,
        case
            when ServiceCategory = 'Networking' and (
                x_app_service in ('untagged', 'shared')
                or lower(coalesce(x_usage_type, '')) like '%natgateway%' or lower(coalesce(x_usage_type, '')) like '%nat gateway%'
                or lower(coalesce(x_usage_type, '')) like '%loadbalancer%' or lower(coalesce(x_usage_type, '')) like '%load balancer%'
                or lower(coalesce(ServiceName, '')) like '%load balanc%' or lower(coalesce(ServiceName, '')) like '%nat%gateway%'
                or lower(coalesce(ServiceName, '')) = 'cloud nat'
            ) then 'shared_network'
            when ServiceCategory = 'Databases' and x_app_service in ('untagged', 'shared') then 'shared_database'
            else 'direct'
        end as cost_pool
    from {{ ref('int_cost_focus') }}

)

select
    *,
    {{ finops.surrogate_key(['service_name']) }} as service_key,
    {{ finops.surrogate_key(['cloud_provider', 'region_code']) }} as region_key,
    {{ finops.surrogate_key(['environment_name']) }} as environment_key,
    {{ finops.surrogate_key(['cloud_provider', 'resource_id']) }} as resource_key
from lines
