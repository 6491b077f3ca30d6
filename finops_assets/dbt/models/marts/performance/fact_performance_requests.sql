{#-
  One row per request: the server spans of stg_otel_spans that passed the quarantine (see its header), in the
  hour and on the day they started (a span that landed up to a day late is still counted in its own hour: a run
  recomputes the day before its landing days, macros/otel.sql). A span exported twice (collector retries) is
  counted once: the copy from the earliest landing day wins.
  is_error: HTTP status >= 500, or span status ERROR for a span without an HTTP status.
-#}
{{ config(**finops.daily_config()) }}

with spans as (
    select
        *,
        row_number() over (partition by trace_id, span_id order by landing_day, end_time_unix_nano) as copy_
    from {{ ref('stg_otel_spans') }}
    where quarantine_reason is null
      and span_kind = 'server'
      and {{ finops.in_run_landing_days('landing_day') }}
      and {{ finops.in_run_span_days('date') }}
)

select
    trace_id,
    span_id,
    parent_span_id,
    start_time as timestamp,
    hour,
    date,
    start_time_unix_nano,
    end_time_unix_nano,
    {{ finops.surrogate_key(['service_name']) }} as service_key,
    {{ finops.surrogate_key(['service_name', "coalesce(http_request_method, '(none)')", 'http_route']) }} as endpoint_key,
    {{ finops.surrogate_key(['cloud_provider', 'region_code']) }} as region_key,
    {{ finops.surrogate_key(['environment_name']) }} as environment_key,
    {{ finops.surrogate_key(['user_segment']) }} as user_segment_key,
    cloud_provider,
    duration_ns,
    duration_ms,
    http_status_code,
    coalesce(http_status_code >= 500, status_code = 'error') as is_error,
    request_bytes,
    response_bytes,
    host_name,
    container_id,
    k8s_pod_name,
    span_attributes as attributes,
    landing_day,
    is_late
from spans
where copy_ = 1
