{#- Environments in one vocabulary (macros/facts.sql environment_name): production, staging, development,
    test, other tag values as written (lower case), 'untagged'. -#}
{#- Built after fact_cost_daily and fact_cost_hourly (depends_on, see _marts_sources.yml): its covers_fact_keys test
    reads fact_cost_hourly, in the same dbt invocation. #}
-- depends_on: {{ ref('fact_cost_daily') }}
with billed as (
    select environment_key, environment_name, cast(sum(line_items) as {{ dbt.type_bigint() }}) as line_items
    from {{ finops.cost_keys() }}
    where environment_key is not null
    group by environment_key, environment_name
),

{#- environments seen only in traces (OTel deployment.environment, same vocabulary) -#}
environments as (
    select * from billed
    union all
    select distinct {{ finops.surrogate_key(['spans.environment_name']) }}, spans.environment_name, 0
    from {{ finops.span_keys() }} as spans
    left join billed on billed.environment_name = spans.environment_name
    where billed.environment_key is null
)

select
    environment_key,
    environment_name,
    environment_name = 'production' as is_production,
    line_items
from environments
