{#-
  The one definition of how OTLP/JSON requests become spans and which spans are quarantined (stg_otel_spans header).
  Rendered in two places, so that the rules cannot drift apart:
    - stg_otel_spans: `otel_spans(<the otel_spans_raw table>)`;
    - otel_spans_raw's materialization metadata and its `spans_quarantined` check: `otel_span_quarantine_summary` over
      the loaded day, rendered for each warehouse into finops_assets/defs/otel/sql/ (a test compiles it again and
      compares; regenerate with `python -m finops_assets_tests.defs.otel.render_quarantine_sql`).
-#}

{#- (reason, condition) in priority order: a span gets the first reason whose condition holds. The conditions read the
    `checked` columns of `otel_spans`. -#}
{% macro otel_quarantine_rules() -%}
{{ return([
    ('missing_ids', "trace_id is null or trace_id = '' or span_id is null or span_id = ''"),
    ('invalid_timestamps', "start_time_unix_nano is null or end_time_unix_nano is null"),
    ('end_before_start', "end_time_unix_nano < start_time_unix_nano"),
    ('duration_out_of_range', "duration_ns > 300000000000"),
    ('outside_arrival_window', "cast(start_time as date) not in (landing_day, " ~ finops.add_days('landing_day', -1) ~ ")"),
    ('unsupported_attribute_type', "has_unsupported_value"),
    ('invalid_attribute_value', "(http_status_raw is not null and http_status_code is null) or (request_bytes_raw is not null and request_bytes is null) or (response_bytes_raw is not null and response_bytes is null)"),
    ('missing_service_name', "service_name is null or service_name = ''"),
]) }}
{%- endmacro %}

{#- One row per span of the requests `requests_sql` selects (columns landing_day TIMESTAMP, resource_spans JSON). -#}
{% macro otel_spans(requests_sql) -%}
{%- set method_keys = ['http.request.method', 'http.method'] -%}
{%- set route_keys = ['http.route', 'http.target'] -%}
{%- set status_keys = ['http.response.status_code', 'http.status_code'] -%}
{%- set request_size_keys = ['http.request.body.size', 'http.request_content_length'] -%}
{%- set response_size_keys = ['http.response.body.size', 'http.response_content_length'] -%}
{%- set db_keys = ['db.system.name', 'db.system'] -%}
{%- set segment_keys = ['app.user_segment', 'user.segment'] -%}
{%- set int64 = dbt.type_bigint() -%}
with requests as (
    {{ requests_sql }}
),

{# Each level keeps only what the next needs: carrying a whole request's JSON down to every span would copy it
    once per span. #}
resources as (
    select
        requests.landing_day,
        {{ finops.json_at('resource_span', '$.resource.attributes') }} as resource_attributes,
        {{ finops.json_at('resource_span', '$.scopeSpans') }} as scope_spans
    from requests
    {{ finops.join_json_array('requests.resource_spans', '$', 'resource_span') }}
),

resources_typed as (
    select
        landing_day,
        scope_spans,
        resource_attributes,
        {{ finops.otel_attribute('resource_attributes', ['service.name']) }} as service_name,
        {{ finops.otel_attribute('resource_attributes', ['deployment.environment.name', 'deployment.environment']) }} as deployment_environment,
        lower({{ finops.otel_attribute('resource_attributes', ['cloud.provider']) }}) as cloud_provider,
        {{ finops.otel_attribute('resource_attributes', ['cloud.region']) }} as cloud_region,
        {{ finops.otel_attribute('resource_attributes', ['host.name']) }} as host_name,
        {{ finops.otel_attribute('resource_attributes', ['container.id']) }} as container_id,
        {{ finops.otel_attribute('resource_attributes', ['k8s.pod.name']) }} as k8s_pod_name,
        {{ finops.otel_unsupported_value('resource_attributes', ['service.name', 'deployment.environment.name', 'deployment.environment', 'cloud.provider', 'cloud.region']) }} as resource_unsupported
    from resources
),

scopes as (
    select
        resources_typed.* {{ finops.star_except(['scope_spans']) }},
        {{ finops.json_text('scope_span', '$.scope.name') }} as scope_name,
        {{ finops.json_at('scope_span', '$.spans') }} as spans_json
    from resources_typed
    {{ finops.join_json_array('resources_typed.scope_spans', '$', 'scope_span') }}
),

spans as (
    select
        scopes.* {{ finops.star_except(['spans_json']) }},
        span,
        {{ finops.json_at('span', '$.attributes') }} as span_attributes
    from scopes
    {{ finops.join_json_array('scopes.spans_json', '$', 'span') }}
),

typed as (
    select
        cast(landing_day as date) as landing_day,
        {{ finops.json_text('span', '$.traceId') }} as trace_id,
        {{ finops.json_text('span', '$.spanId') }} as span_id,
        nullif({{ finops.json_text('span', '$.parentSpanId') }}, '') as parent_span_id,
        {{ finops.json_text('span', '$.name') }} as span_name,
        {{ finops.json_text('span', '$.kind') }} as kind_raw,
        {{ finops.try_cast(finops.json_text('span', '$.startTimeUnixNano'), int64) }} as start_time_unix_nano,
        {{ finops.try_cast(finops.json_text('span', '$.endTimeUnixNano'), int64) }} as end_time_unix_nano,
        {{ finops.json_text('span', '$.status.code') }} as status_raw,
        {{ finops.json_text('span', '$.status.message') }} as status_message,
        service_name, deployment_environment, cloud_provider, cloud_region, host_name, container_id, k8s_pod_name,
        upper({{ finops.otel_attribute('span_attributes', method_keys) }}) as http_request_method,
        {{ finops.otel_attribute('span_attributes', route_keys) }} as http_route,
        {{ finops.otel_attribute('span_attributes', status_keys) }} as http_status_raw,
        {{ finops.otel_attribute('span_attributes', request_size_keys) }} as request_bytes_raw,
        {{ finops.otel_attribute('span_attributes', response_size_keys) }} as response_bytes_raw,
        {{ finops.otel_attribute('span_attributes', db_keys) }} as db_system,
        {{ finops.otel_attribute('span_attributes', segment_keys) }} as user_segment_raw,
        resource_unsupported
            or {{ finops.otel_unsupported_value('span_attributes', method_keys + route_keys + status_keys + request_size_keys + response_size_keys + db_keys + segment_keys) }} as has_unsupported_value,
        resource_attributes,
        span_attributes,
        scope_name
    from spans
),

checked as (
    select
        typed.*,
        {{ finops.nanos_to_timestamp('start_time_unix_nano') }} as start_time,
        {{ finops.nanos_to_timestamp('end_time_unix_nano') }} as end_time,
        end_time_unix_nano - start_time_unix_nano as duration_ns,
        {{ finops.try_cast('http_status_raw', int64) }} as http_status_code,
        {{ finops.try_cast('request_bytes_raw', int64) }} as request_bytes,
        {{ finops.try_cast('response_bytes_raw', int64) }} as response_bytes
    from typed
)

select
    landing_day,
    trace_id,
    span_id,
    parent_span_id,
    span_name,
    case
        when kind_raw in ('1', 'SPAN_KIND_INTERNAL') then 'internal'
        when kind_raw in ('2', 'SPAN_KIND_SERVER') then 'server'
        when kind_raw in ('3', 'SPAN_KIND_CLIENT') then 'client'
        when kind_raw in ('4', 'SPAN_KIND_PRODUCER') then 'producer'
        when kind_raw in ('5', 'SPAN_KIND_CONSUMER') then 'consumer'
        else 'unspecified'
    end as span_kind,
    start_time_unix_nano,
    end_time_unix_nano,
    start_time,
    end_time,
    cast(start_time as date) as date,
    {{ dbt.date_trunc('hour', 'start_time') }} as hour,
    duration_ns,
    cast(duration_ns as {{ finops.float64_type() }}) / 1000000 as duration_ms,
    case
        when status_raw in ('1', 'STATUS_CODE_OK') then 'ok'
        when status_raw in ('2', 'STATUS_CODE_ERROR') then 'error'
        else 'unset'
    end as status_code,
    status_message,
    service_name,
    {{ finops.environment_name('deployment_environment') }} as environment_name,
    coalesce(cloud_provider, 'unknown') as cloud_provider,
    coalesce(nullif(cloud_region, ''), 'global') as region_code,
    host_name,
    container_id,
    k8s_pod_name,
    http_request_method,
    coalesce(http_route, span_name) as http_route,
    http_status_code,
    request_bytes,
    response_bytes,
    db_system,
    coalesce(nullif(lower(trim(user_segment_raw)), ''), 'unknown') as user_segment,
    resource_attributes,
    span_attributes,
    scope_name,
    cast(start_time as date) < cast(landing_day as date) as is_late,
    case
        {%- for reason, condition in finops.otel_quarantine_rules() %}
        when {{ condition }} then '{{ reason }}'
        {%- endfor %}
    end as quarantine_reason
from checked
{%- endmacro %}

{#- One row: the request lines of `requests_sql` whose resourceSpans is present but not a list (no span can be read
    from them; an empty request `{}` is valid), the spans, those quarantined, and those quarantined for each reason
    (`quarantined_<reason>`, 0 when none). -#}
{% macro otel_span_quarantine_summary(requests_sql) -%}
select
    (select count(*) from (
{{ requests_sql }}
    ) as lines where resource_spans is not null and not {{ finops.is_json_array('resource_spans') }}) as requests_malformed,
    count(*) as spans_loaded,
    count(quarantine_reason) as spans_quarantined,
    {%- for reason, condition in finops.otel_quarantine_rules() %}
    count(case when quarantine_reason = '{{ reason }}' then 1 end) as quarantined_{{ reason }}{% if not loop.last %},{% endif %}
    {%- endfor %}
from (
{{ finops.otel_spans(requests_sql) }}
) as spans
{%- endmacro %}

{% macro is_json_array(json) -%}{{ adapter.dispatch('is_json_array', 'finops')(json) }}{%- endmacro %}
{% macro duckdb__is_json_array(json) -%}coalesce(json_type({{ json }}) = 'ARRAY', false){%- endmacro %}
{% macro bigquery__is_json_array(json) -%}coalesce(json_type({{ json }}) = 'array', false){%- endmacro %}
