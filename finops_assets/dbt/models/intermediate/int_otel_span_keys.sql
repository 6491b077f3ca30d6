{#- The business keys of usable spans (stg_otel_spans without quarantine), once, for the dimensions: flattening
    OTLP JSON is the expensive step, so the dimensions read this small table instead of the view. Endpoints and
    user segments come from server spans (the requests); services, regions and environments from every span. -#}
{#- Without OTel (never loaded, its staging view never built) there are no span keys. -#}
{%- set spans = finops.existing_relation(ref('stg_otel_spans')) -%}
{%- if spans %}
select
    service_name,
    cloud_provider,
    region_code,
    environment_name,
    case when span_kind = 'server' then coalesce(http_request_method, '(none)') end as http_request_method,
    case when span_kind = 'server' then http_route end as http_route,
    case when span_kind = 'server' then user_segment end as user_segment,
    min(start_time) as first_seen_at,
    max(start_time) as last_seen_at,
    count(*) as spans
from {{ ref('stg_otel_spans') }}
where quarantine_reason is null
group by 1, 2, 3, 4, 5, 6, 7
{%- else %}
select
    cast(null as {{ dbt.type_string() }}) as service_name,
    cast(null as {{ dbt.type_string() }}) as cloud_provider,
    cast(null as {{ dbt.type_string() }}) as region_code,
    cast(null as {{ dbt.type_string() }}) as environment_name,
    cast(null as {{ dbt.type_string() }}) as http_request_method,
    cast(null as {{ dbt.type_string() }}) as http_route,
    cast(null as {{ dbt.type_string() }}) as user_segment,
    cast(null as {{ dbt.type_timestamp() }}) as first_seen_at,
    cast(null as {{ dbt.type_timestamp() }}) as last_seen_at,
    cast(0 as {{ dbt.type_bigint() }}) as spans
from (select 1 as one) as no_spans
where 1 = 0
{%- endif %}
