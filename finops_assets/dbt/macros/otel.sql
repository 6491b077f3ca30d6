{#-
  OpenTelemetry: OTLP/JSON (the JSON encoding of ExportTraceServiceRequest) flattened with the same model SQL on
  both warehouses; the JSON access differs, so it is dispatched here.
  Day-partitioned models (tag `daily`): Dagster passes the landing days of a run as vars [min_day, max_day). A run
  recomputes the span days [min_day - 1, max_day): the day before is included because spans of its last hour may
  arrive (late) in the folder of min_day. It reads the landing folders [min_day - 1, max_day + 1) to find them.
  Without the vars (a plain `dbt build`) every day is rebuilt.
-#}

{% macro in_run_span_days(column) -%}
{%- if var('min_day', none) and var('max_day', none) -%}
({{ column }} >= {{ finops.add_days("cast('" ~ var('min_day') ~ "' as date)", -1) }} and {{ column }} < cast('{{ var("max_day") }}' as date))
{%- else -%}
(1 = 1)
{%- endif -%}
{%- endmacro %}

{% macro in_run_landing_days(column) -%}
{%- if var('min_day', none) and var('max_day', none) -%}
(cast({{ column }} as date) >= {{ finops.add_days("cast('" ~ var('min_day') ~ "' as date)", -1) }} and cast({{ column }} as date) < {{ finops.add_days("cast('" ~ var('max_day') ~ "' as date)", 1) }})
{%- else -%}
(1 = 1)
{%- endif -%}
{%- endmacro %}

{#- The config of a day-partitioned incremental model keyed by its `date` DATE column. -#}
{% macro daily_config(column='date') -%}
{{- return(adapter.dispatch('daily_config', 'finops')(column)) -}}
{%- endmacro %}

{% macro duckdb__daily_config(column) -%}
{{- return({'materialized': 'incremental', 'incremental_strategy': 'delete+insert', 'unique_key': column, 'on_schema_change': 'append_new_columns'}) -}}
{%- endmacro %}

{% macro bigquery__daily_config(column) -%}
{{- return({'materialized': 'incremental', 'incremental_strategy': 'insert_overwrite', 'on_schema_change': 'append_new_columns',
           'partition_by': {'field': column, 'data_type': 'date', 'granularity': 'day'}}) -}}
{%- endmacro %}

{% macro add_days(day, n) -%}{{ adapter.dispatch('add_days', 'finops')(day, n) }}{%- endmacro %}
{% macro duckdb__add_days(day, n) -%}cast({{ day }} + to_days(cast({{ n }} as integer)) as date){%- endmacro %}
{% macro bigquery__add_days(day, n) -%}date_add({{ day }}, interval {{ n }} day){%- endmacro %}


{#- `cross join` each row to the elements of the JSON array at `path` of `json` ('$' for json itself), as `alias`. -#}
{% macro join_json_array(json, path, alias) -%}{{ adapter.dispatch('join_json_array', 'finops')(json, path, alias) }}{%- endmacro %}

{% macro duckdb__join_json_array(json, path, alias) -%}
cross join unnest(json_extract({{ json }}, '{{ path }}[*]')) as {{ alias }}_t({{ alias }})
{%- endmacro %}

{% macro bigquery__join_json_array(json, path, alias) -%}
cross join unnest(json_query_array({{ json }}, '{{ path }}')) as {{ alias }}
{%- endmacro %}

{#- A JSON scalar at `path` as text (numbers and booleans as written), NULL when absent or not a scalar. -#}
{% macro json_text(json, path) -%}{{ adapter.dispatch('json_text', 'finops')(json, path) }}{%- endmacro %}
{% macro duckdb__json_text(json, path) -%}
case when json_type({{ json }}, '{{ path }}') in ('VARCHAR', 'BIGINT', 'UBIGINT', 'DOUBLE', 'BOOLEAN') then json_extract_string({{ json }}, '{{ path }}') end
{%- endmacro %}
{% macro bigquery__json_text(json, path) -%}json_value({{ json }}, '{{ path }}'){%- endmacro %}

{#- The JSON value at `path` (an object or array), NULL when absent. -#}
{% macro json_at(json, path) -%}{{ adapter.dispatch('json_at', 'finops')(json, path) }}{%- endmacro %}
{% macro duckdb__json_at(json, path) -%}json_extract({{ json }}, '{{ path }}'){%- endmacro %}
{% macro bigquery__json_at(json, path) -%}json_query({{ json }}, '{{ path }}'){%- endmacro %}

{#- The `value` (an OTLP AnyValue object) of the first attribute named `key` in an OTLP attribute list. -#}
{% macro otel_attribute_value(attributes, key) -%}{{ adapter.dispatch('otel_attribute_value', 'finops')(attributes, key) }}{%- endmacro %}
{% macro duckdb__otel_attribute_value(attributes, key) -%}
json_extract(list_filter(json_extract({{ attributes }}, '$[*]'), lambda a: json_extract_string(a, '$.key') = '{{ key }}')[1], '$.value')
{%- endmacro %}
{% macro bigquery__otel_attribute_value(attributes, key) -%}
(select json_query(a, '$.value') from unnest(json_query_array({{ attributes }}, '$')) as a where json_value(a, '$.key') = '{{ key }}' limit 1)
{%- endmacro %}

{#- Text of a scalar AnyValue (stringValue, intValue, doubleValue, boolValue); NULL for arrayValue, kvlistValue,
    bytesValue or an unknown shape (see otel_unsupported_value). -#}
{% macro otel_any_value_text(value) -%}
coalesce({{ finops.json_text(value, '$.stringValue') }}, {{ finops.json_text(value, '$.intValue') }}, {{ finops.json_text(value, '$.doubleValue') }}, {{ finops.json_text(value, '$.boolValue') }})
{%- endmacro %}

{#- The text of the first of `keys` (current semantic-convention name first, then the old ones) a list carries. -#}
{% macro otel_attribute(attributes, keys) -%}
coalesce({% for key in keys %}{{ finops.otel_any_value_text(finops.otel_attribute_value(attributes, key)) }}{% if not loop.last %}, {% endif %}{% endfor %})
{%- endmacro %}

{#- True when one of `keys` is present with a value that is not a scalar (array, kvlist, bytes, unknown type). -#}
{% macro otel_unsupported_value(attributes, keys) -%}
({% for key in keys %}({{ finops.otel_attribute_value(attributes, key) }} is not null and {{ finops.otel_any_value_text(finops.otel_attribute_value(attributes, key)) }} is null){% if not loop.last %} or {% endif %}{% endfor %})
{%- endmacro %}

{% macro try_cast(expression, data_type) -%}{{ adapter.dispatch('try_cast', 'finops')(expression, data_type) }}{%- endmacro %}
{% macro duckdb__try_cast(expression, data_type) -%}try_cast({{ expression }} as {{ data_type }}){%- endmacro %}
{% macro bigquery__try_cast(expression, data_type) -%}safe_cast({{ expression }} as {{ data_type }}){%- endmacro %}

{#- A TIMESTAMP from integer nanoseconds since the epoch (exact to the microsecond, the warehouses' resolution). -#}
{% macro nanos_to_timestamp(nanos) -%}{{ adapter.dispatch('nanos_to_timestamp', 'finops')(nanos) }}{%- endmacro %}
{% macro duckdb__nanos_to_timestamp(nanos) -%}make_timestamp(cast({{ nanos }} // 1000 as bigint)){%- endmacro %}
{% macro bigquery__nanos_to_timestamp(nanos) -%}timestamp_micros(div({{ nanos }}, 1000)){%- endmacro %}

{#- A percentile (linear interpolation, exact) of `value` over a window: quantile_cont (DuckDB), PERCENTILE_CONT
    (BigQuery, an analytic function: exact, no approximation). -#}
{% macro percentile_over(value, fraction, partition_by) -%}{{ adapter.dispatch('percentile_over', 'finops')(value, fraction, partition_by) }}{%- endmacro %}
{% macro duckdb__percentile_over(value, fraction, partition_by) -%}quantile_cont({{ value }}, {{ fraction }}) over (partition by {{ partition_by }}){%- endmacro %}
{% macro bigquery__percentile_over(value, fraction, partition_by) -%}percentile_cont({{ value }}, {{ fraction }}) over (partition by {{ partition_by }}){%- endmacro %}

{#- a / b as an exact-typed ratio (DECIMAL(38,18) / BIGNUMERIC), NULL when b is 0 or NULL (never inf or NaN).
    DuckDB divides decimals through DOUBLE (15-16 significant digits); BigQuery in BIGNUMERIC. -#}
{% macro safe_ratio(a, b) -%}{{ adapter.dispatch('safe_ratio', 'finops')(a, b) }}{%- endmacro %}
{% macro duckdb__safe_ratio(a, b) -%}case when {{ b }} is null or {{ b }} = 0 then null else cast(cast({{ a }} as double) / cast({{ b }} as double) as decimal(38, 18)) end{%- endmacro %}
{% macro bigquery__safe_ratio(a, b) -%}case when {{ b }} is null or {{ b }} = 0 then null else cast({{ a }} as bignumeric) / cast({{ b }} as bignumeric) end{%- endmacro %}

{#- True for a finite number (not NaN, not +-inf). -#}
{% macro is_finite(x) -%}{{ adapter.dispatch('is_finite', 'finops')(x) }}{%- endmacro %}
{% macro duckdb__is_finite(x) -%}isfinite(cast({{ x }} as double)){%- endmacro %}
{% macro bigquery__is_finite(x) -%}(not is_inf(cast({{ x }} as float64)) and not is_nan(cast({{ x }} as float64))){%- endmacro %}

{#- Every column of the preceding `relation.*` but `columns` (DuckDB `* exclude`, BigQuery `* except`). -#}
{% macro star_except(columns) -%}{{ adapter.dispatch('star_except', 'finops')(columns) }}{%- endmacro %}
{% macro duckdb__star_except(columns) -%}exclude ({{ columns | join(', ') }}){%- endmacro %}
{% macro bigquery__star_except(columns) -%}except ({{ columns | join(', ') }}){%- endmacro %}

{% macro float64_type() -%}{{ adapter.dispatch('float64_type', 'finops')() }}{%- endmacro %}
{% macro duckdb__float64_type() -%}double{%- endmacro %}
{% macro bigquery__float64_type() -%}float64{%- endmacro %}

{#- Request metrics of fact_performance_requests at `grain` (a column list), over periods of `seconds`. -#}
{% macro performance_metrics(grain, seconds) -%}
with requests as (
    select
        *,
        {%- for name, fraction in [('p50', 0.5), ('p75', 0.75), ('p90', 0.9), ('p95', 0.95), ('p99', 0.99), ('p999', 0.999)] %}
        {{ finops.percentile_over('duration_ms', fraction, grain) }} as duration_{{ name }}_ms{% if not loop.last %},{% endif %}
        {%- endfor %}
    from {{ ref('fact_performance_requests') }}
    where {{ finops.in_run_span_days('date') }}
)

select
    {{ grain }},
    count(*) as request_count,
    sum(case when is_error then 1 else 0 end) as error_count,
    {{ finops.safe_ratio('sum(case when is_error then 1 else 0 end)', 'count(*)') }} as error_rate,
    {%- for name in ['p50', 'p75', 'p90', 'p95', 'p99', 'p999'] %}
    max(duration_{{ name }}_ms) as duration_{{ name }}_ms,
    {%- endfor %}
    avg(duration_ms) as duration_avg_ms,
    max(duration_ms) as duration_max_ms,
    {{ finops.safe_ratio('count(*)', seconds) }} as requests_per_second,
    coalesce(sum(request_bytes), 0) as request_bytes_total,
    {{ finops.safe_ratio('sum(request_bytes)', 'count(request_bytes)') }} as request_bytes_avg,
    coalesce(sum(response_bytes), 0) as response_bytes_total,
    {{ finops.safe_ratio('sum(response_bytes)', 'count(response_bytes)') }} as response_bytes_avg
from requests
group by {{ grain }}
{%- endmacro %}

{#- Generic test: values outside [min_value, max_value] (NULLs are not_null's business). -#}
{% test finops_between(model, column_name, min_value, max_value) %}
select {{ column_name }} from {{ model }}
where {{ column_name }} < {{ min_value }} or {{ column_name }} > {{ max_value }}
{% endtest %}

{#- A JSON value from literal JSON text. -#}
{% macro json_literal(text) -%}{{ adapter.dispatch('json_literal', 'finops')(text) }}{%- endmacro %}
{% macro duckdb__json_literal(text) -%}json('{{ text }}'){%- endmacro %}
{% macro bigquery__json_literal(text) -%}parse_json('{{ text }}'){%- endmacro %}
