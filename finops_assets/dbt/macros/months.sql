{#-
  Month-partitioned models. Dagster passes the billing months of a run as vars: [min_month, max_month)
  (one month, or a whole range on a single-run backfill). Models tagged `monthly` read only those months
  and replace exactly those months of their table:
    DuckDB    incremental delete+insert on billing_month (one transaction), in batches of months on a run over
              many months (macros/monthly_batches.sql)
    BigQuery  incremental insert_overwrite of the run's month partitions (partition_by billing_month, monthly; the
              months listed as static partitions, so one left without rows is emptied, as on DuckDB)
  Without the vars (a plain `dbt build`), every month is rebuilt.
-#}

{#- A SQL condition keeping the rows of the run's billing months (`true` without the vars). -#}
{% macro in_run_months(column) -%}
{%- if var('min_month', none) and var('max_month', none) -%}
({{ column }} >= cast('{{ var("min_month") }}' as date) and {{ column }} < cast('{{ var("max_month") }}' as date))
{%- else -%}
(1 = 1)
{%- endif -%}
{%- endmacro %}

{#- in_run_months of a TIMESTAMP column, compared as a timestamp (the same rows as in_run_months of its date: a
    timestamp's date is on or after a month's first day exactly when the timestamp is on or after that day's midnight).
    On DuckDB the bare column's comparison is pushed into the table scan, which then skips the row groups of other
    months and reads the other columns of the matching rows only; `cast(column as date)` is evaluated on every row
    of the table instead. BigQuery compares no TIMESTAMP with a DATE: it keeps the date form. -#}
{% macro in_run_months_of_timestamp(column) -%}{{ adapter.dispatch('in_run_months_of_timestamp', 'finops')(column) }}{%- endmacro %}

{% macro default__in_run_months_of_timestamp(column) -%}{{ finops.in_run_months('cast(' ~ column ~ ' as date)') }}{%- endmacro %}

{% macro duckdb__in_run_months_of_timestamp(column) -%}
{%- if var('min_month', none) and var('max_month', none) -%}
({{ column }} >= cast(cast('{{ var("min_month") }}' as date) as timestamp) and {{ column }} < cast(cast('{{ var("max_month") }}' as date) as timestamp))
{%- else -%}
(1 = 1)
{%- endif -%}
{%- endmacro %}

{#- The config of a monthly incremental model keyed by its `billing_month` DATE column. `batched`: on DuckDB, a run over
    many months builds it in batches of `month_batch_months` months (a dbt var, default 4; macros/monthly_batches.sql).
    Only for a model whose rows of a billing month depend on that month's input rows alone (its groups and joins
    keyed by billing_month, no window or join across months); fact_cost_allocation, which splits a day's pools over
    the day's recipients whatever their billing month, stays one statement. -#}
{% macro monthly_config(column='billing_month', batched=false) -%}
{{- return(adapter.dispatch('monthly_config', 'finops')(column, batched)) -}}
{%- endmacro %}

{% macro duckdb__monthly_config(column, batched) -%}
{#- finops_monthly (macros/monthly_batches.sql): dbt-duckdb's incremental delete+insert, in month batches if batched -#}
{{- return({'materialized': 'finops_monthly', 'incremental_strategy': 'delete+insert', 'unique_key': column,
           'on_schema_change': 'append_new_columns',
           'batch_months': (var('month_batch_months', 4) | int) if batched else none}) -}}
{%- endmacro %}

{% macro bigquery__monthly_config(column, batched) -%}
{#- insert_overwrite replaces the run's month partitions in one job: BigQuery needs no batches. The run's months are
    static `partitions`: dbt-bigquery's MERGE then deletes every row of those months (`when not matched by source and
    <month> in (...)`), so a month of the run left without rows is emptied, as on DuckDB (finops_monthly). Dynamic
    partitions (what a plain build without month vars gets) replace only the months the new rows fall in. -#}
{%- set config = {'materialized': 'incremental', 'incremental_strategy': 'insert_overwrite', 'on_schema_change': 'append_new_columns',
                  'partition_by': {'field': column, 'data_type': 'date', 'granularity': 'month'}} -%}
{%- set partitions = finops.run_month_partitions() -%}
{%- if partitions -%}{%- do config.update({'partitions': partitions}) -%}{%- endif -%}
{{- return(config) -}}
{%- endmacro %}

{#- The run's billing months [min_month, max_month) as BigQuery DATE literals; [] without the month vars. -#}
{% macro run_month_partitions() -%}
{%- set min_month, max_month = var('min_month', none), var('max_month', none) -%}
{%- if not (min_month and max_month) -%}{{ return([]) }}{%- endif -%}
{%- set literals = [] -%}
{%- for month in finops.months_between(modules.datetime.date.fromisoformat(min_month | string),
                                       modules.datetime.date.fromisoformat(max_month | string)) -%}
  {%- do literals.append("date('" ~ month.isoformat() ~ "')") -%}
{%- endfor -%}
{{ return(literals) }}
{%- endmacro %}
