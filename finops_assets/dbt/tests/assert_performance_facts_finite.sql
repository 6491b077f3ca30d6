{#- No NaN or infinity in any measure of the performance facts. Shown in Dagster on fact_performance_cost_joined, the
    last of the four it reads. -#}
{{ config(meta={'dagster': {'ref': {'name': 'fact_performance_cost_joined'}}}) }}
{%- set measures = ['duration_p50_ms', 'duration_p75_ms', 'duration_p90_ms', 'duration_p95_ms', 'duration_p99_ms', 'duration_p999_ms',
                    'duration_avg_ms', 'duration_max_ms', 'requests_per_second', 'error_rate', 'request_bytes_avg', 'response_bytes_avg'] -%}
{#- dbt runs this test when any of the four is built; one not built yet (the days' cost not loaded, so no cost-joined
    fact) reads as empty (macros/upstream.sql). -#}
{%- set measure_columns = {} -%}
{%- for m in measures %}{% do measure_columns.update({m: dbt.type_float()}) %}{% endfor -%}
{%- set joined_measures = ['duration_p95_ms', 'requests_per_second', 'cost_per_request', 'cost_per_successful_request', 'requests_per_dollar', 'performance_efficiency_score'] -%}
{%- set joined_columns = {} -%}
{%- for m in joined_measures %}{% do joined_columns.update({m: dbt.type_float()}) %}{% endfor -%}
{%- for model in ['fact_performance_metrics_hourly', 'fact_performance_metrics_daily'] %}
select '{{ model }}' as model, count(*) as bad_rows from {{ finops.ref_or_empty(model, measure_columns) }} as facts
where {% for m in measures %}({{ m }} is not null and not {{ finops.is_finite(m) }}){% if not loop.last %} or {% endif %}{% endfor %}
having count(*) > 0
union all
{%- endfor %}
select 'fact_performance_requests', count(*) from {{ finops.ref_or_empty('fact_performance_requests', {'duration_ms': dbt.type_float()}) }} as requests
where not {{ finops.is_finite('duration_ms') }}
having count(*) > 0
union all
select 'fact_performance_cost_joined', count(*) from {{ finops.ref_or_empty('fact_performance_cost_joined', joined_columns) }} as joined
where {% for m in joined_measures %}({{ m }} is not null and not {{ finops.is_finite(m) }}){% if not loop.last %} or {% endif %}{% endfor %}
having count(*) > 0
