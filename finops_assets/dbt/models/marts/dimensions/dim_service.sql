{#- Application services (the `service` tag; untagged lines fall back to `<cloud>/<ServiceName>`, see
    int_cost_keyed). team / cost_center: the value most line items of the service carry (ties -> the
    alphabetically first), 'untagged' when none does. Services seen only in traces (OTel service.name) are members
    too, with service_source 'telemetry'. -#}
{#- Built after fact_cost_daily and fact_cost_hourly (depends_on, see _marts_sources.yml): its covers_fact_keys test
    reads fact_cost_hourly, in the same dbt invocation. #}
-- depends_on: {{ ref('fact_cost_daily') }}
with lines as (
    select service_key, service_name, service_source, x_team, x_cost_center, line_items, first_charge_at, last_charge_at
    from {{ finops.cost_keys() }}
    where service_key is not null
),

{%- for attribute in ['x_team', 'x_cost_center'] %}
{{ attribute }}_ranked as (
    select
        service_key,
        {{ attribute }} as value,
        row_number() over (partition by service_key order by case when {{ attribute }} = 'untagged' then 1 else 0 end, sum(line_items) desc, {{ attribute }}) as rank_
    from lines
    group by service_key, {{ attribute }}
),
{%- endfor %}

services as (
    select
        service_key,
        max(service_name) as service_name,
        max(service_source) as service_source,
        min(first_charge_at) as first_seen_at,
        max(last_charge_at) as last_seen_at
    from lines
    group by service_key
)

select
    services.service_key,
    services.service_name,
    services.service_source,
    x_team_ranked.value as team,
    x_cost_center_ranked.value as cost_center,
    services.first_seen_at,
    services.last_seen_at
from services
left join x_team_ranked on x_team_ranked.service_key = services.service_key and x_team_ranked.rank_ = 1
left join x_cost_center_ranked on x_cost_center_ranked.service_key = services.service_key and x_cost_center_ranked.rank_ = 1
union all
select
    {{ finops.surrogate_key(['spans.service_name']) }} as service_key,
    spans.service_name,
    'telemetry' as service_source,
    'untagged' as team,
    'untagged' as cost_center,
    min(spans.first_seen_at) as first_seen_at,
    max(spans.last_seen_at) as last_seen_at
from {{ finops.span_keys() }} as spans
left join services on services.service_name = spans.service_name
where services.service_key is null
group by spans.service_name
