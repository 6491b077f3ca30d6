{#-
  One row per span of otel_spans_raw (OTLP/JSON requests kept as JSON): resourceSpans[] -> scopeSpans[] -> spans[].
  The flattening, typing and quarantine rules are the macro `otel_spans` (macros/otel_spans.sql), which also renders
  the span quarantine summary otel_spans_raw reports in its materialization metadata: one definition of the rules.
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
  Quarantine (quarantine_reason, NULL for a usable span; such spans are kept here, left out of the facts, counted per
  reason in otel_spans_raw's materialization metadata and by its asset check `spans_quarantined`, and listed by the
  WARN test otel_spans_quarantined):
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

{#- No span loaded yet (a deployment without traces): an empty relation, so the cost models still build and the
    database pools fall back to the flagged even split. -#}
{%- set raw = source('billing_raw', 'otel_spans_raw') -%}
{%- set raw_exists = true -%}
{%- if execute and adapter.get_relation(database=raw.database, schema=raw.schema, identifier=raw.identifier) is none -%}
{%- set raw_exists = false -%}
{%- endif -%}

{%- if raw_exists -%}
{%- set requests -%}select landing_day, resource_spans from {{ raw }}{%- endset -%}
{%- else -%}
{%- set requests -%}select cast(null as timestamp) as landing_day, {{ finops.json_literal('[]') }} as resource_spans from (select 1 as one) as no_spans where 1 = 0{%- endset -%}
{%- endif %}

{{ finops.otel_spans(requests) }}
