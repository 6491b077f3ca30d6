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
select *
from {{ finops.empty_relation(finops.span_keys_columns()) }} as no_spans
{%- endif %}
