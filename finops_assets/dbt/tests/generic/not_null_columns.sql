{#- Every column of `columns` is non-null on every row of the model: what one `not_null` test per column checked, in
    ONE dbt test and one scan of the model (a dbt test is a node of the build and an asset check event in Dagster:
    per node, dbt compiles, logs and opens a connection, and in `dbt build` a model's tests all run before its
    children start). The failing rows name the column and how many of its rows are null; the failure count is the
    sum of those, one per null value, as the separate tests counted together.
    `columns`: column names, or {name: ..., where: ...} for a column required only on the rows matching `where`.
    `month_column`: the model's billing month; the test then reads the run's months (finops.in_run_months; every
    month without the vars) and the rows without a month, since the other months were checked when they were built. -#}
{% test not_null_columns(model, columns, month_column=none) %}
{{ config(fail_calc='coalesce(sum(null_rows), 0)') }}
with null_counts as (
    select
    {%- for column in columns %}
        {%- set name = column if column is string else column['name'] %}
        {%- set condition = none if column is string else column.get('where') %}
        sum(case when {{ name }} is null{% if condition %} and ({{ condition }}){% endif %} then 1 else 0 end) as null_rows_{{ loop.index }}
        {%- if not loop.last %},{% endif %}
    {%- endfor %}
    from {{ model }}
    {%- if month_column %}
    where {{ month_column }} is null or {{ finops.in_run_months(month_column) }}
    {%- endif %}
)
{%- for column in columns %}
select '{{ column if column is string else column['name'] }}' as column_name, null_rows_{{ loop.index }} as null_rows
from null_counts where null_rows_{{ loop.index }} > 0
{%- if not loop.last %}
union all
{%- endif %}
{%- endfor %}
{% endtest %}
