{#-
  Macros of the marts (dimensions, hourly facts, rollups, allocation). Warehouse-specific SQL is
  dispatched (duckdb__ / bigquery__); everything else is dbt's cross-database macros.
-#}

{#- A stable surrogate key: the md5 (hex) of the business key's parts joined by '|', NULL written as
    '_null_'. The same text on both warehouses, so a key is the same in DuckDB and BigQuery. -#}
{% macro surrogate_key(fields) -%}
{{ dbt.hash(dbt.concat(finops._key_parts(fields))) }}
{%- endmacro %}

{% macro _key_parts(fields) -%}
{%- set parts = [] -%}
{%- for field in fields -%}
{%- do parts.append("coalesce(cast(" ~ field ~ " as " ~ dbt.type_string() ~ "), '_null_')") -%}
{%- if not loop.last %}{% do parts.append("'|'") %}{% endif -%}
{%- endfor -%}
{%- do return(parts) -%}
{%- endmacro %}


{#- The cloud of a FOCUS ProviderName in OpenTelemetry's `cloud.provider` vocabulary (aws, azure, gcp),
    so cost and performance data share one region / provider key. -#}
{% macro cloud_provider(provider_name) -%}
case lower({{ provider_name }})
    when 'aws' then 'aws' when 'amazon web services' then 'aws'
    when 'microsoft' then 'azure' when 'azure' then 'azure'
    when 'google cloud' then 'gcp' when 'gcp' then 'gcp' when 'google' then 'gcp'
    else lower({{ provider_name }})
end
{%- endmacro %}


{#- One environment vocabulary for tags and OTel `deployment.environment`: prod/prd -> production,
    stage/stg -> staging, dev -> development, qa/test -> test; missing -> 'untagged'; anything else kept
    (lower case, trimmed). -#}
{% macro environment_name(expression) -%}
case
    when {{ expression }} is null or trim({{ expression }}) = '' or lower(trim({{ expression }})) = 'untagged' then 'untagged'
    when lower(trim({{ expression }})) in ('prod', 'prd', 'production', 'live') then 'production'
    when lower(trim({{ expression }})) in ('stage', 'stg', 'staging', 'preprod', 'pre-production') then 'staging'
    when lower(trim({{ expression }})) in ('dev', 'development', 'sandbox') then 'development'
    when lower(trim({{ expression }})) in ('test', 'testing', 'qa') then 'test'
    else lower(trim({{ expression }}))
end
{%- endmacro %}


{#- The exact share `amount * part / whole` of a money (or quantity) amount, truncated toward zero at the
    money scale (18 decimals), without ever passing through a float: DuckDB's `/` on DECIMAL returns DOUBLE,
    so DuckDB computes in HUGEINT units of 1e-18; BigQuery computes in BIGNUMERIC with DIV. `part` and
    `whole` are integers (seconds). -#}
{% macro money_split(amount, part, whole) -%}{{ adapter.dispatch('money_split', 'finops')(amount, part, whole) }}{%- endmacro %}

{% macro duckdb__money_split(amount, part, whole) -%}
{%- set units -%}
(cast(trunc(cast({{ amount }} as decimal(38, 18))) as hugeint) * 1000000000000000000
 + cast((cast({{ amount }} as decimal(38, 18)) - trunc(cast({{ amount }} as decimal(38, 18)))) * 1000000000000000000 as hugeint))
{%- endset -%}
{%- set share -%}({{ units }} * cast({{ part }} as hugeint) // cast({{ whole }} as hugeint)){%- endset -%}
(cast({{ share }} // 1000000000000000000 as decimal(38, 18))
 + cast({{ share }} % 1000000000000000000 as decimal(38, 0)) * 0.000000000000000001)
{%- endmacro %}

{% macro bigquery__money_split(amount, part, whole) -%}
(div(cast({{ amount }} as bignumeric) * 1000000000000000000 * {{ part }}, {{ whole }}) / 1000000000000000000)
{%- endmacro %}


{#- Every column of `relation` and the integers 0 .. n-1 as `alias`: one output row per value (per hour a line item
    covers). DuckDB unnests in the select list: a streaming operator, where the lateral `cross join unnest(...)`
    first buffers every input row (a delim join, ~15% of fact_cost_hourly's CPU). -#}
{% macro select_with_offsets(relation, n, alias) -%}{{ adapter.dispatch('select_with_offsets', 'finops')(relation, n, alias) }}{%- endmacro %}

{% macro duckdb__select_with_offsets(relation, n, alias) -%}
select {{ relation }}.*, unnest(generate_series(0, {{ n }} - 1)) as {{ alias }} from {{ relation }}
{%- endmacro %}

{% macro bigquery__select_with_offsets(relation, n, alias) -%}
select {{ relation }}.*, {{ alias }} from {{ relation }} cross join unnest(generate_array(0, {{ n }} - 1)) as {{ alias }}
{%- endmacro %}


{#- Every hour start in [start, end) as a one-column relation `hour`. -#}
{% macro hour_spine(start, end) -%}{{ adapter.dispatch('hour_spine', 'finops')(start, end) }}{%- endmacro %}

{% macro duckdb__hour_spine(start, end) -%}
select cast(hour as timestamp) as hour from unnest(generate_series(cast({{ start }} as timestamp), cast({{ end }} as timestamp) - interval 1 hour, interval 1 hour)) as spine(hour)
{%- endmacro %}

{% macro bigquery__hour_spine(start, end) -%}
select hour from unnest(generate_timestamp_array(cast({{ start }} as timestamp), timestamp_sub(cast({{ end }} as timestamp), interval 1 hour), interval 1 hour)) as hour
{%- endmacro %}


{#- ISO calendar parts: day of week 1 = Monday .. 7 = Sunday, ISO week number, the Monday of the week. -#}
{% macro iso_day_of_week(ts) -%}{{ adapter.dispatch('iso_day_of_week', 'finops')(ts) }}{%- endmacro %}
{% macro duckdb__iso_day_of_week(ts) -%}isodow({{ ts }}){%- endmacro %}
{% macro bigquery__iso_day_of_week(ts) -%}mod(extract(dayofweek from {{ ts }}) + 5, 7) + 1{%- endmacro %}

{% macro iso_week(ts) -%}{{ adapter.dispatch('iso_week', 'finops')(ts) }}{%- endmacro %}
{% macro duckdb__iso_week(ts) -%}weekofyear({{ ts }}){%- endmacro %}
{% macro bigquery__iso_week(ts) -%}extract(isoweek from {{ ts }}){%- endmacro %}

{% macro iso_week_start(day) -%}{{ adapter.dispatch('iso_week_start', 'finops')(day) }}{%- endmacro %}
{% macro duckdb__iso_week_start(day) -%}cast(date_trunc('week', cast({{ day }} as date)) as date){%- endmacro %}
{% macro bigquery__iso_week_start(day) -%}date_trunc(cast({{ day }} as date), isoweek){%- endmacro %}


{#- Seconds from `start` to `end` as an integer. -#}
{% macro seconds_between(start, end) -%}{{ adapter.dispatch('seconds_between', 'finops')(start, end) }}{%- endmacro %}
{% macro duckdb__seconds_between(start, end) -%}cast(epoch({{ end }}) - epoch({{ start }}) as bigint){%- endmacro %}
{% macro bigquery__seconds_between(start, end) -%}timestamp_diff({{ end }}, {{ start }}, second){%- endmacro %}


{#- Integer time key YYYYMMDDHH of an hour. -#}
{% macro time_key(hour) -%}{{ adapter.dispatch('time_key', 'finops')(hour) }}{%- endmacro %}
{% macro duckdb__time_key(hour) -%}cast(strftime({{ hour }}, '%Y%m%d%H') as integer){%- endmacro %}
{% macro bigquery__time_key(hour) -%}cast(format_timestamp('%Y%m%d%H', {{ hour }}) as int64){%- endmacro %}


{#- The first capture group of a regular expression (NULL when it does not match). -#}
{% macro regex_group(expression, pattern) -%}{{ adapter.dispatch('regex_group', 'finops')(expression, pattern) }}{%- endmacro %}
{% macro duckdb__regex_group(expression, pattern) -%}nullif(regexp_extract({{ expression }}, '{{ pattern }}', 1), ''){%- endmacro %}
{% macro bigquery__regex_group(expression, pattern) -%}regexp_extract({{ expression }}, r'{{ pattern }}'){%- endmacro %}


{#- A timestamp plus n hours (stays a TIMESTAMP on both warehouses; dbt.dateadd returns DATETIME on BigQuery). -#}
{% macro add_hours(ts, n) -%}{{ adapter.dispatch('add_hours', 'finops')(ts, n) }}{%- endmacro %}
{% macro duckdb__add_hours(ts, n) -%}({{ ts }} + to_hours(cast({{ n }} as bigint))){%- endmacro %}
{% macro bigquery__add_hours(ts, n) -%}timestamp_add({{ ts }}, interval {{ n }} hour){%- endmacro %}


{#- A rollup of fact_cost_hourly, or of a finer rollup (`source`, e.g. fact_cost_daily: fewer rows to group), to
    `period` (a SQL expression over its columns, named `period_name`). Every additive measure is summed, so each
    rollup reconciles exactly with the hourly fact whichever it reads; billing_month stays in the grain so a
    month's rows can be replaced on their own (a week spanning two billing months has a row in each).
    instance_count: the most instances seen in any one hour of the period (a max of the source's maxima);
    hours_with_cost: the hourly rows of the group (the sum of the source's counts). -#}
{% macro cost_rollup(period, period_name, source='fact_cost_hourly') -%}
select
    {{ period }} as {{ period_name }},
    billing_month,
    service_key,
    service_source,
    region_key,
    environment_key,
    resource_key,
    cloud_provider,
    billing_currency,
    cost_source,
    {%- for measure in ['compute_cost', 'storage_cost', 'network_cost', 'database_cost', 'other_cost', 'total_cost',
                        'shared_network_cost', 'shared_database_cost', 'effective_cost', 'compute_hours', 'storage_gb_hours', 'network_gb'] %}
    cast(sum({{ measure }}) as {{ finops.money_type() }}) as {{ measure }},
    {%- endfor %}
    max(instance_count) as instance_count,
    max(instance_type) as instance_type,
    sum(line_item_hours) as line_item_hours,
    {%- if source == 'fact_cost_hourly' %}
    count(*) as hours_with_cost
    {%- else %}
    cast(sum(hours_with_cost) as {{ dbt.type_bigint() }}) as hours_with_cost
    {%- endif %}
from {{ ref(source) }}
where {{ finops.in_run_months('billing_month') }}
group by {{ period }}, billing_month, service_key, service_source, region_key, environment_key, resource_key, cloud_provider, billing_currency, cost_source
{%- endmacro %}


{#- Rows (billing month, cloud, currency) where a rollup's totals differ from fact_cost_hourly's (a test). -#}
{% macro rollup_reconciliation_test(rollup) -%}
{%- set measures = ['total_cost', 'shared_network_cost', 'shared_database_cost', 'effective_cost', 'compute_cost', 'storage_cost', 'network_cost', 'database_cost', 'other_cost', 'compute_hours', 'storage_gb_hours', 'network_gb', 'line_item_hours'] -%}
with hourly as (
    select billing_month, cost_source, billing_currency{% for m in measures %}, sum({{ m }}) as {{ m }}{% endfor %}
    from {{ ref('fact_cost_hourly') }}
    where {{ finops.in_run_months('billing_month') }}
    group by 1, 2, 3
),
rolled as (
    select billing_month, cost_source, billing_currency{% for m in measures %}, sum({{ m }}) as {{ m }}{% endfor %}
    from {{ ref(rollup) }}
    where {{ finops.in_run_months('billing_month') }}
    group by 1, 2, 3
)
select hourly.billing_month, hourly.cost_source, hourly.billing_currency, hourly.total_cost, rolled.total_cost as rollup_total_cost
from hourly
full outer join rolled
    on rolled.billing_month = hourly.billing_month and rolled.cost_source = hourly.cost_source and rolled.billing_currency = hourly.billing_currency
where hourly.total_cost is null or rolled.total_cost is null
{%- for m in measures %} or hourly.{{ m }} <> rolled.{{ m }}{% endfor %}
{%- endmacro %}


{#- A timestamp plus n months (dbt.dateadd would return DATETIME on BigQuery, which does not union with TIMESTAMP). -#}
{% macro add_months(ts, n) -%}{{ adapter.dispatch('add_months', 'finops')(ts, n) }}{%- endmacro %}
{% macro duckdb__add_months(ts, n) -%}(cast({{ ts }} as timestamp) + to_months(cast({{ n }} as integer))){%- endmacro %}
{% macro bigquery__add_months(ts, n) -%}timestamp(datetime_add(datetime(cast({{ ts }} as timestamp)), interval {{ n }} month)){%- endmacro %}
