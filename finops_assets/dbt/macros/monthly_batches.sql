{#-
  DuckDB materialization of the monthly models (macros/months.sql duckdb__monthly_config): dbt-duckdb's incremental
  delete+insert on billing_month, run in batches of `batch_months` billing months when a run covers more months
  than that (a single-run backfill of the history), if the model is `batched` (finops.monthly_config). Each batch is the model's own SQL with the run's month bounds
  (finops.in_run_months) replaced by the batch's, one statement each, all in one transaction:
    new table       CREATE TABLE AS the first batch, then INSERT INTO of each next batch
    existing table  per batch: DELETE of the batch's months, then INSERT INTO ... SELECT of the batch's rows
                    (the batch's SQL runs once, straight into the table; a temporary view of it is only bound, for
                    the schema-change check). A run's months are replaced whole: a month of the run left without
                    rows (its input gone) is emptied, never left holding stale rows.
    no month vars   (a plain `dbt build` on an existing table) dbt-duckdb's delete+insert through a temporary
                    table: the months present in the new rows are replaced
    --full-refresh  the new-table path into an intermediate table, swapped in at the end
  Why: the big aggregates (fact_cost_hourly's hash aggregate over nearly one group per line) outgrow the memory
  limit over a whole history and spill; a batch's hash table fits. Each batch also writes its months into row
  groups of their own, so a later month's replacement or a downstream batch's month filter reads few row groups.
  Exactness: a monthly model's rows of a month depend only on that month's inputs (every model filters its inputs
  with in_run_months and keys its output by billing_month), so the batches' union is the one-statement result;
  the column types come from the SQL, not the data, so every batch has the first batch's types.
  A run of at most `batch_months` months (a month's refresh, a restatement) is one batch: the same statements as
  dbt-duckdb's incremental materialization. Without the month vars (a plain `dbt build`) or unbatched, one batch too.
-#}
{% materialization finops_monthly, adapter="duckdb", supported_languages=['sql'] -%}

  {%- set existing_relation = load_cached_relation(this) -%}
  {%- set target_relation = this.incorporate(type='table') -%}
  {%- set intermediate_relation = make_intermediate_relation(target_relation) -%}
  {%- set backup_relation_type = 'table' if existing_relation is none else existing_relation.type -%}
  {%- set backup_relation = make_backup_relation(target_relation, backup_relation_type) -%}
  {%- set unique_key = config.get('unique_key') -%}
  {%- set full_refresh_mode = (should_full_refresh() or (existing_relation is not none and existing_relation.is_view)) -%}
  {%- set on_schema_change = incremental_validate_on_schema_change(config.get('on_schema_change'), default='ignore') -%}
  {%- set grant_config = config.get('grants') -%}
  {%- set batches = finops.month_batch_sql(compiled_code, config.get('batch_months')) -%}
  {%- set month_bounds = finops.month_batch_bounds(config.get('batch_months')) -%}

  {{ drop_relation_if_exists(load_cached_relation(intermediate_relation)) }}
  {{ drop_relation_if_exists(load_cached_relation(backup_relation)) }}
  {%- set temporary_relation = duckdb__dispatch_temporary_relation(target_relation, none) -%}
  {%- set temp_relation = temporary_relation.relation -%}
  {%- set temporary = temporary_relation.temporary -%}
  {%- set to_drop = [] -%}
  {%- set need_swap = existing_relation is not none and full_refresh_mode -%}

  {{ run_hooks(pre_hooks, inside_transaction=False) }}
  {{ run_hooks(pre_hooks, inside_transaction=True) }}

  {%- if existing_relation is none or full_refresh_mode -%}
    {%- set build_relation = intermediate_relation if need_swap else target_relation -%}
    {%- if need_swap and existing_relation.is_view -%}{%- set backup_relation = make_backup_relation(target_relation, 'view') -%}{%- endif -%}
    {%- call statement('main') -%}
      {{ create_table_as(False, build_relation, batches[0]) }};
      {%- for batch in batches[1:] %}
      insert into {{ build_relation }} select * from (
        {{ batch }}
      ) as finops_month_batch;
      {%- endfor %}
    {%- endcall -%}
  {%- elif month_bounds -%}
    {#- The run's months: delete them, insert the model's rows of them (every monthly model filters its inputs with
        in_run_months, so its rows are all inside the run's months). No temporary table: the rows are computed once
        and written once. The view is bound, never scanned: its columns drive the schema-change check. -#}
    {%- do run_query('create or replace temporary view ' ~ temp_relation ~ ' as (\n' ~ batches[0] ~ '\n)') -%}
    {%- do adapter.expand_target_column_types(from_relation=temp_relation, to_relation=target_relation) -%}
    {%- set dest_columns = process_schema_changes(on_schema_change, temp_relation, existing_relation) -%}
    {%- if not dest_columns -%}{%- set dest_columns = adapter.get_columns_in_relation(target_relation) -%}{%- endif -%}
    {%- set dest_cols_csv = get_quoted_csv(dest_columns | map(attribute="name")) -%}
    {%- set month_column = adapter.quote(unique_key) -%}
    {%- call statement('main') -%}
      {%- for batch in batches %}
      delete from {{ target_relation }}
      where {{ month_column }} >= cast('{{ month_bounds[loop.index0][0] }}' as date)
        and {{ month_column }} < cast('{{ month_bounds[loop.index0][1] }}' as date);
      insert into {{ target_relation }} ({{ dest_cols_csv }})
      select {{ dest_cols_csv }} from (
        {{ batch }}
      ) as finops_month_batch;
      {%- endfor %}
    {%- endcall -%}
    {%- do run_query('drop view if exists ' ~ temp_relation) -%}
  {%- else -%}
    {%- set strategy_sql_macro_func = adapter.get_incremental_strategy_macro(context, config.get('incremental_strategy') or 'default') -%}
    {%- set incremental_predicates = config.get('predicates', none) or config.get('incremental_predicates', none) -%}
    {%- for batch in batches -%}
      {%- do run_query(create_table_as(temporary, temp_relation, batch)) -%}
      {%- do adapter.expand_target_column_types(from_relation=temp_relation, to_relation=target_relation) -%}
      {%- set dest_columns = process_schema_changes(on_schema_change, temp_relation, existing_relation) if loop.first else none -%}
      {%- if not dest_columns -%}{%- set dest_columns = adapter.get_columns_in_relation(target_relation) -%}{%- endif -%}
      {%- set build_sql = strategy_sql_macro_func({'target_relation': target_relation, 'temp_relation': temp_relation,
            'unique_key': unique_key, 'dest_columns': dest_columns, 'incremental_predicates': incremental_predicates}) -%}
      {%- call statement('main' if loop.last else 'batch') -%}
        {{ build_sql }}
      {%- endcall -%}
      {%- do adapter.drop_relation(temp_relation) -%}
    {%- endfor -%}
  {%- endif -%}

  {%- if need_swap -%}
    {%- do drop_indexes_on_relation(target_relation) -%}
    {%- do adapter.rename_relation(target_relation, backup_relation) -%}
    {%- do adapter.rename_relation(intermediate_relation, target_relation) -%}
    {%- do to_drop.append(backup_relation) -%}
  {%- endif -%}

  {%- do apply_grants(target_relation, grant_config, should_revoke=should_revoke(existing_relation, full_refresh_mode)) -%}
  {%- if existing_relation is none or full_refresh_mode -%}{%- do create_indexes(target_relation) -%}{%- endif -%}
  {%- do persist_docs(target_relation, model) -%}
  {{ run_hooks(post_hooks, inside_transaction=True) }}
  {%- do adapter.commit() -%}
  {%- for rel in to_drop -%}{%- do adapter.drop_relation(rel) -%}{%- endfor -%}
  {{ run_hooks(post_hooks, inside_transaction=False) }}
  {{ return({'relations': [target_relation]}) }}

{%- endmaterialization %}


{#- The model's SQL once per batch of at most `batch_months` of the run's billing months, in month order: the run's
    bounds as finops.in_run_months renders them (cast('<min_month>' as date), cast('<max_month>' as date)) replaced by
    the batch's. One batch (the SQL unchanged) without the month vars or for a run of at most `batch_months` months.
    A model that does not filter with in_run_months cannot be batched: an error, never a silent full build per batch. -#}
{% macro month_batch_sql(sql, batch_months) -%}
{%- set bounds = finops.month_batch_bounds(batch_months) -%}
{%- if bounds | length <= 1 -%}{{ return([sql]) }}{%- endif -%}
{%- set low, high = "cast('" ~ var('min_month') ~ "' as date)", "cast('" ~ var('max_month') ~ "' as date)" -%}
{%- if low not in sql or sql.count(low) != sql.count(high) -%}
  {{ exceptions.raise_compiler_error(model.name ~ ": a month-batched model must filter its inputs with finops.in_run_months") }}
{%- endif -%}
{%- set batches = [] -%}
{%- for batch_start, batch_end in bounds -%}
  {%- do batches.append(sql.replace(low, "__finops_batch_min_month__").replace(high, "__finops_batch_max_month__")
        .replace("__finops_batch_min_month__", "cast('" ~ batch_start ~ "' as date)")
        .replace("__finops_batch_max_month__", "cast('" ~ batch_end ~ "' as date)")) -%}
{%- endfor -%}
{{ return(batches) }}
{%- endmacro %}


{#- The first days of the months in [first, end) (both first days of months). -#}
{% macro months_between(first, end) -%}
{%- set months = [] -%}
{%- for offset in range(0, (end.year - first.year) * 12 + end.month - first.month) -%}
  {%- set index = first.month - 1 + offset -%}
  {%- do months.append(first.replace(year=first.year + index // 12, month=index % 12 + 1)) -%}
{%- endfor -%}
{{ return(months) }}
{%- endmacro %}


{#- The [first month, end month) of each batch of at most `batch_months` of the run's billing months, as ISO dates, in
    month order (month_batch_sql's batches, one for one): one bound, the run's, for a run of at most `batch_months`
    months or an unbatched model; [] without the month vars (then the single batch is whatever months the model
    reads). -#}
{% macro month_batch_bounds(batch_months) -%}
{%- set min_month, max_month = var('min_month', none), var('max_month', none) -%}
{%- if not (min_month and max_month) -%}{{ return([]) }}{%- endif -%}
{%- set first = modules.datetime.date.fromisoformat(min_month | string) -%}
{%- set end = modules.datetime.date.fromisoformat(max_month | string) -%}
{%- set months = finops.months_between(first, end) -%}
{%- if not batch_months or months | length <= batch_months | int -%}{{ return([(first.isoformat(), end.isoformat())]) }}{%- endif -%}
{%- set bounds = [] -%}
{%- for start in range(0, months | length, batch_months | int) -%}
  {%- set stop = start + (batch_months | int) -%}
  {%- do bounds.append((months[start].isoformat(), (months[stop] if stop < (months | length) else end).isoformat())) -%}
{%- endfor -%}
{{ return(bounds) }}
{%- endmacro %}
