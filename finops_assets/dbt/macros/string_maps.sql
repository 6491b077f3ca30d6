{#-
  CUR 2.0 string maps (`resource_tags`, `product`, `cost_category`, `discount`), dispatched per warehouse:
  DuckDB holds them as MAP(VARCHAR, VARCHAR); BigQuery has no MAP type, and a Parquet map loads (with
  map_target_type=ARRAY_OF_STRUCT) as ARRAY<STRUCT<key STRING, value STRING>>, read with UNNEST.
  A map column the relation lacks reads as NULL / an empty tag list, like `column_or_null`.
-#}

{#- The value of `key` in the map column `name` (NULL when absent). -#}
{% macro map_value(columns, name, key) -%}
{%- if name in columns -%}{{ adapter.dispatch('map_value', 'finops')(adapter.quote(name), key) }}{%- else -%}cast(null as {{ dbt.type_string() }}){%- endif -%}
{%- endmacro %}

{% macro duckdb__map_value(map_expression, key) -%}{{ map_expression }}['{{ key }}']{%- endmacro %}

{% macro bigquery__map_value(map_expression, key) -%}
(select m.value from unnest({{ map_expression }}) as m where m.key = '{{ key }}' limit 1)
{%- endmacro %}


{#- The map column `name` as the project's tag list ({key, value} records, empty values left out). CUR 2.0 writes a
    user tag `user:Cost Center` as the key `user_cost_center`: the `user_` prefix is dropped here, as CUR v1's
    `resource_tags_user_` column prefix is in stg_aws_cur; the shared key rule (tag_key) does the rest. -#}
{% macro map_tags(columns, name) -%}
{%- if name in columns -%}{{ adapter.dispatch('map_tags', 'finops')(adapter.quote(name)) }}{%- else -%}{{ finops.tag_list([]) }}{%- endif -%}
{%- endmacro %}

{% macro duckdb__map_tags(map_expression) -%}
list_transform(list_filter(coalesce(map_entries({{ map_expression }}), cast([] as struct(key varchar, value varchar)[])), lambda t: t.value is not null and t.value <> ''), lambda t: {'key': regexp_replace(t.key, '^user_', ''), 'value': t.value})
{%- endmacro %}

{% macro bigquery__map_tags(map_expression) -%}
array(select as struct regexp_replace(t.key, r'^user_', '') as key, t.value as value from unnest({{ map_expression }}) as t where t.value is not null and t.value <> '')
{%- endmacro %}


{#- The relation when it exists in the warehouse, else none (an optional raw source that was never loaded).
    While parsing (nothing executes) the declared relation itself. -#}
{% macro existing_relation(relation) -%}
{%- if execute -%}
{%- do return(adapter.get_relation(database=relation.database, schema=relation.schema, identifier=relation.identifier)) -%}
{%- else -%}
{%- do return(relation) -%}
{%- endif -%}
{%- endmacro %}
