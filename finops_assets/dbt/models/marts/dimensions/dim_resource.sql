{#- Resources per cloud; '(none)' is the member for lines without a resource (tax, credits, fees).
    resource_type: the ARN service and type (AWS), the provider namespace and type (Azure), the API host and
    collection (GCP). -#}
{#- Built after fact_cost_daily and fact_cost_hourly (depends_on, see _marts_sources.yml): its covers_fact_keys test
    reads fact_cost_hourly, in the same dbt invocation. #}
{#- Grouped first, parsed after: the name and type are functions of resource_id (a group key), so each distinct
    resource's id is parsed once instead of once per month and line group of int_cost_keys. #}
-- depends_on: {{ ref('fact_cost_daily') }}
with resources as (
    select
        resource_key,
        cloud_provider,
        resource_id,
        max(sub_account_id) as sub_account_id,
        max(resource_region_code) as region_code,
        max(cloud_service_name) as cloud_service_name,
        min(first_charge_at) as first_seen_at,
        max(last_charge_at) as last_seen_at
    from {{ finops.cost_keys() }}
    where resource_key is not null
    group by resource_key, cloud_provider, resource_id
)

select
    resource_key,
    cloud_provider,
    resource_id,
    case when resource_id <> '(none)' then {{ finops.regex_group('resource_id', '([^/:]+)$') }} end as resource_name,
    case
        when resource_id like 'arn:%' then {{ finops.regex_group('resource_id', '^arn:[^:]*:([^:]+:[^:/]*)') }}
        when lower(resource_id) like '/subscriptions/%' then {{ finops.regex_group('lower(resource_id)', '/providers/([^/]+/[^/]+)') }}
        when resource_id like '//%' then {{ finops.regex_group('resource_id', '^//([^/]+)') }}
    end as resource_type,
    sub_account_id,
    region_code,
    cloud_service_name,
    first_seen_at,
    last_seen_at
from resources
