{#- Regions per cloud. Names, continent and country from the seed region_geography; a region the seed does
    not list keeps the export's own region name and gets continent / country 'Unknown'. -#}
{#- Built after fact_cost_daily and fact_cost_hourly (depends_on, see _marts_sources.yml): its covers_fact_keys test
    reads fact_cost_hourly, in the same dbt invocation. #}
-- depends_on: {{ ref('fact_cost_daily') }}
with billed as (
    select region_key, cloud_provider, region_code, max(region_name) as export_region_name
    from {{ finops.cost_keys() }}
    where region_key is not null
    group by region_key, cloud_provider, region_code
),

{#- regions seen only in traces (OTel cloud.provider, cloud.region) -#}
regions as (
    select * from billed
    union all
    select distinct
        {{ finops.surrogate_key(['spans.cloud_provider', 'spans.region_code']) }}, spans.cloud_provider, spans.region_code,
        cast(null as {{ dbt.type_string() }})
    from {{ finops.span_keys() }} as spans
    left join billed on billed.cloud_provider = spans.cloud_provider and billed.region_code = spans.region_code
    where billed.region_key is null
)

select
    regions.region_key,
    regions.cloud_provider,
    regions.region_code,
    coalesce(geo.region_name, regions.export_region_name, regions.region_code) as region_name,
    coalesce(geo.continent, 'Unknown') as continent,
    coalesce(geo.country, 'Unknown') as country
from regions
left join {{ ref('region_geography') }} as geo
    on geo.cloud_provider = regions.cloud_provider and geo.region_code = regions.region_code
