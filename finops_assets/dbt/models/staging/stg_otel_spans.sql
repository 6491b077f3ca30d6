{#-
  One row per span of otel_spans_raw (OTLP/JSON requests kept as JSON): resourceSpans[] -> scopeSpans[] -> spans[].
  Typed columns from the resource (service.name, deployment.environment, cloud.provider, cloud.region, host, pod,
  container) and the span attributes, current semantic-convention names first, the old ones accepted:
    http.request.method          | http.method
    http.route                   | http.target
    http.response.status_code    | http.status_code
    http.request.body.size       | http.request_content_length
    http.response.body.size      | http.response_content_length
    db.system.name               | db.system
    app.user_segment             | user.segment          (the user segment dimension; missing -> 'unknown')
  Times: startTimeUnixNano / endTimeUnixNano (decimal strings, or numbers) as exact integers; timestamps are exact to
  the microsecond (the warehouses' resolution), durations exact to the nanosecond (duration_ns).
  kind and status.code are accepted as the OTLP integers or the enum names.
  Quarantine (quarantine_reason, NULL for a usable span; such spans are kept here, left out of the facts, and
  counted by the WARN test otel_spans_quarantined, whose failure count is the check's metadata):
    missing_ids                 no traceId or spanId
    invalid_timestamps          start or end is not an integer
    end_before_start            endTimeUnixNano < startTimeUnixNano
    duration_out_of_range       longer than 300 s (5 minutes)
    outside_arrival_window      started neither on the day of its landing folder nor the day before (more than a
                                day late, or from the future): no run would count it in its own hour
    unsupported_attribute_type  a used attribute holds an array, kvlist, bytes or unknown value type
    invalid_attribute_value     status code or body size that is not an integer
    missing_service_name        no service.name resource attribute
-#}
{%- set method_keys = ['http.request.method', 'http.method'] -%}
{%- set route_keys = ['http.route', 'http.target'] -%}
{%- set status_keys = ['http.response.status_code', 'http.status_code'] -%}
{%- set request_size_keys = ['http.request.body.size', 'http.request_content_length'] -%}
{%- set response_size_keys = ['http.response.body.size', 'http.response_content_length'] -%}
{%- set db_keys = ['db.system.name', 'db.system'] -%}
{%- set segment_keys = ['app.user_segment', 'user.segment'] -%}
{%- set int64 = dbt.type_bigint() -%}

{#- No span loaded yet (a deployment without traces): an empty relation, so the cost models still build and the
    database pools fall back to the flagged even split. -#}
{%- set raw = source('billing_raw', 'otel_spans_raw') -%}
{%- set raw_exists = true -%}
{%- if execute and adapter.get_relation(database=raw.database, schema=raw.schema, identifier=raw.identifier) is none -%}
{%- set raw_exists = false -%}
{%- endif %}

with requests as (
    {%- if raw_exists %}
    select landing_day, resource_spans from {{ raw }}
    {%- else %}
    select cast(null as timestamp) as landing_day, {{ finops.json_literal('[]') }} as resource_spans from (select 1 as one) as no_spans where 1 = 0
    {%- endif %}
),

{#- Each level keeps only what the next needs: carrying a whole request's JSON down to every span would copy it
    once per span. -#}
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
        when trace_id is null or trace_id = '' or span_id is null or span_id = '' then 'missing_ids'
        when start_time_unix_nano is null or end_time_unix_nano is null then 'invalid_timestamps'
        when end_time_unix_nano < start_time_unix_nano then 'end_before_start'
        when duration_ns > 300000000000 then 'duration_out_of_range'
        when cast(start_time as date) not in (landing_day, {{ finops.add_days('landing_day', -1) }}) then 'outside_arrival_window'
        when has_unsupported_value then 'unsupported_attribute_type'
        when (http_status_raw is not null and http_status_code is null)
          or (request_bytes_raw is not null and request_bytes is null)
          or (response_bytes_raw is not null and response_bytes is null) then 'invalid_attribute_value'
        when service_name is null or service_name = '' then 'missing_service_name'
    end as quarantine_reason
from checked
