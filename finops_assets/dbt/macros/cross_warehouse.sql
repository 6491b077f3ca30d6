{#-
  The SQL that differs between DuckDB and BigQuery, dispatched per adapter (dbt's adapter.dispatch).
  Models call these macros and are written once.

  Tags are carried as a list of {key, value} records (GCP's own label shape): AWS builds it from its tag
  columns, Azure from its Tags JSON object, GCP uses labels as they are. One key rule, everywhere:
  camelCase split into words, lower case, a `user:` prefix dropped, any run of other characters -> `_`,
  no leading/trailing `_` ("user:Cost Center", "CostCenter", " cost-center" -> "cost_center").
  Keys are normalised once per line (normalised_tags), or at compile time when they are column names (tag_key_of_name,
  AWS CUR v1): tag_value and tags_json read lists whose keys are normalised already. Per line and per lookup, the
  rule's four regular expressions were most of int_cost_focus's time on 10 million lines.
-#}

{% macro tag_key(expression) -%}{{ adapter.dispatch('tag_key', 'finops')(expression) }}{%- endmacro %}

{% macro duckdb__tag_key(expression) -%}
trim(regexp_replace(regexp_replace(lower(regexp_replace(trim({{ expression }}), '([a-z0-9])([A-Z])', '\1_\2', 'g')), '^user:', ''), '[^a-z0-9]+', '_', 'g'), '_')
{%- endmacro %}

{% macro bigquery__tag_key(expression) -%}
trim(regexp_replace(regexp_replace(lower(regexp_replace(trim({{ expression }}), r'([a-z0-9])([A-Z])', r'\1_\2')), r'^user:', ''), r'[^a-z0-9]+', '_'), '_')
{%- endmacro %}

{#- The key rule applied at compile time to a known key (a tag column's name): the same steps as tag_key. -#}
{% macro tag_key_of_name(name) -%}
{%- set split = modules.re.sub('([a-z0-9])([A-Z])', '\\1_\\2', name.strip(' ')) | lower -%}
{%- do return(modules.re.sub('[^a-z0-9]+', '_', modules.re.sub('^user:', '', split)).strip('_')) -%}
{%- endmacro %}


{#- A tag list with every key normalised by the key rule. -#}
{% macro normalised_tags(tags) -%}{{ adapter.dispatch('normalised_tags', 'finops')(tags) }}{%- endmacro %}

{% macro duckdb__normalised_tags(tags) -%}
list_transform({{ tags }}, lambda t: {'key': {{ finops.tag_key('t.key') }}, 'value': t.value})
{%- endmacro %}

{% macro bigquery__normalised_tags(tags) -%}
array(select as struct {{ finops.tag_key('t.key') }} as key, t.value as value from unnest({{ tags }}) as t)
{%- endmacro %}


{#- The value of the first tag whose key is one of `keys`, in a list with normalised keys (normalised_tags). -#}
{% macro tag_value(tags, keys) -%}{{ adapter.dispatch('tag_value', 'finops')(tags, keys) }}{%- endmacro %}

{#- (the position of the first match: half the time of filtering the list, which copies the matching records) -#}
{% macro duckdb__tag_value(tags, keys) -%}
{{ tags }}[list_position(list_transform({{ tags }}, lambda t: t.key in ({% for k in keys %}'{{ k }}'{% if not loop.last %}, {% endif %}{% endfor %}) and t.value <> ''), true)].value
{%- endmacro %}

{% macro bigquery__tag_value(tags, keys) -%}
(select t.value from unnest({{ tags }}) as t where t.key in ({% for k in keys %}'{{ k }}'{% if not loop.last %}, {% endif %}{% endfor %}) and t.value is not null and t.value <> '' limit 1)
{%- endmacro %}


{#- The tag-derived columns of a line: FOCUS `Tags` and the x_ attributes read from tags (first non-empty tag with one
    of the keys; x_project_id: an explicit project_id tag wins over a generic project tag), 'untagged' when none.
    From a tag list with normalised keys (`tags`), or, when the tags are columns known at compile time (CUR v1), from
    (normalised key, column) `pairs` with plain column expressions: no list is built or searched per line, which
    made up most of int_cost_focus's time on 10 million lines. Both give the same values. -#}
{% macro tag_attributes() -%}
{{ return([('x_environment', [['environment', 'env']]), ('x_team', [['team', 'owner_team']]),
           ('x_app_service', [['service', 'app', 'application']]), ('x_cost_center', [['cost_center', 'costcenter']]),
           ('x_customer_id', [['customer_id', 'customer']]), ('x_project_id', [['project_id'], ['project']])]) }}
{%- endmacro %}

{% macro tag_columns(tags=none, pairs=none) -%}
        {% if pairs is none %}{{ finops.tags_json(tags) }}{% else %}{{ finops.tags_json_of_pairs(pairs) }}{% endif %} as Tags,
        {%- for name, key_groups in finops.tag_attributes() %}
        coalesce(
            {%- for keys in key_groups %}{% if pairs is none %}{{ finops.tag_value(tags, keys) }}{% else %}{{ finops.tag_value_of_pairs(pairs, keys) }}{% endif %}, {% endfor -%}
            'untagged') as {{ name }}{{ ',' if not loop.last }}
        {%- endfor %}
{%- endmacro %}

{#- tag_value over the pairs' columns: the first non-empty one whose key is one of `keys`, in the pairs' order. -#}
{% macro tag_value_of_pairs(pairs, keys) -%}
{%- set values = [] -%}
{%- for key, value in pairs if key in keys -%}
{%- do values.append("nullif(cast(" ~ value ~ " as " ~ dbt.type_string() ~ "), '')") -%}
{%- endfor -%}
{%- if values | length == 0 -%}cast(null as {{ dbt.type_string() }}){%- elif values | length == 1 -%}{{ values[0] }}{%- else -%}coalesce({{ values | join(', ') }}){%- endif -%}
{%- endmacro %}

{#- tags_json of tag_list(pairs), written from the columns. -#}
{% macro tags_json_of_pairs(pairs) -%}{{ adapter.dispatch('tags_json_of_pairs', 'finops')(pairs) }}{%- endmacro %}

{#- (to_json of a map built per line was the slowest step; the keys are normalised, so they need no escaping) -#}
{% macro duckdb__tags_json_of_pairs(pairs) -%}
{%- if pairs -%}
cast('{' || concat_ws(','{% for key, value in pairs %}, case when cast({{ value }} as varchar) <> '' then '"{{ key }}":' || to_json(cast({{ value }} as varchar)) end{% endfor %}) || '}' as json)
{%- else -%}
{{ finops.tags_json(finops.tag_list([])) }}
{%- endif -%}
{%- endmacro %}

{% macro bigquery__tags_json_of_pairs(pairs) -%}{{ finops.tags_json(finops.tag_list(pairs)) }}{%- endmacro %}


{#- A tag list from (normalised key, value expression) pairs, leaving out empty values. -#}
{% macro tag_list(pairs) -%}{{ adapter.dispatch('tag_list', 'finops')(pairs) }}{%- endmacro %}

{% macro duckdb__tag_list(pairs) -%}
{%- if pairs -%}
list_filter([{% for key, value in pairs %}{'key': '{{ key }}', 'value': cast({{ value }} as varchar)}{% if not loop.last %}, {% endif %}{% endfor %}], lambda t: t.value is not null and t.value <> '')
{%- else -%}
cast([] as struct(key varchar, value varchar)[])
{%- endif -%}
{%- endmacro %}

{% macro bigquery__tag_list(pairs) -%}
{%- if pairs -%}
array(select as struct t.key, t.value from unnest([{% for key, value in pairs %}struct('{{ key }}' as key, cast({{ value }} as string) as value){% if not loop.last %}, {% endif %}{% endfor %}]) as t where t.value is not null and t.value <> '')
{%- else -%}
cast([] as array<struct<key string, value string>>)
{%- endif -%}
{%- endmacro %}


{#- A JSON object (FOCUS Tags) -> a tag list. -#}
{% macro json_tags_to_list(json_expression) -%}{{ adapter.dispatch('json_tags_to_list', 'finops')(json_expression) }}{%- endmacro %}

{% macro duckdb__json_tags_to_list(json_expression) -%}
coalesce(map_entries(cast(json({{ json_expression }}) as map(varchar, varchar))), cast([] as struct(key varchar, value varchar)[]))
{%- endmacro %}

{% macro bigquery__json_tags_to_list(json_expression) -%}
array(select as struct k as key, json_value({{ json_expression }}, concat('$."', k, '"')) as value from unnest(json_keys({{ json_expression }}, 1)) as k)
{%- endmacro %}


{#- A tag list with normalised keys (normalised_tags) -> a JSON object (FOCUS `Tags`). -#}
{% macro tags_json(tags) -%}{{ adapter.dispatch('tags_json', 'finops')(tags) }}{%- endmacro %}

{% macro duckdb__tags_json(tags) -%}
to_json(map_from_entries({{ tags }}))
{%- endmacro %}

{% macro bigquery__tags_json(tags) -%}
json_object(array(select t.key from unnest({{ tags }}) as t), array(select t.value from unnest({{ tags }}) as t))
{%- endmacro %}


{#- Two arrays (lists) one after the other. -#}
{% macro concat_lists(first, second) -%}{{ adapter.dispatch('concat_lists', 'finops')(first, second) }}{%- endmacro %}
{% macro duckdb__concat_lists(first, second) -%}list_concat({{ first }}, {{ second }}){%- endmacro %}
{% macro bigquery__concat_lists(first, second) -%}array_concat({{ first }}, {{ second }}){%- endmacro %}


{#- Sum of a numeric field over a repeated record (GCP credits[].amount); 0 when empty. -#}
{% macro sum_of_field(records, field) -%}{{ adapter.dispatch('sum_of_field', 'finops')(records, field) }}{%- endmacro %}

{% macro duckdb__sum_of_field(records, field) -%}
coalesce(list_sum(list_transform({{ records }}, lambda r: r.{{ field }})), 0)
{%- endmacro %}

{% macro bigquery__sum_of_field(records, field) -%}
coalesce((select sum(r.{{ field }}) from unnest({{ records }}) as r), 0)
{%- endmacro %}


{#- A raw column if the relation has it, else a typed NULL (CUR v1 columns come and go between months).
    A text type ('varchar', 'string', 'text') becomes the warehouse's own (BigQuery has no VARCHAR). -#}
{% macro column_or_null(columns, name, data_type) -%}
{%- set data_type = dbt.type_string() if data_type | lower in ('varchar', 'string', 'text') else data_type -%}
{%- if name in columns -%}{{ adapter.quote(name) }}{%- else -%}cast(null as {{ data_type }}){%- endif -%}
{%- endmacro %}

{% macro relation_columns(relation) -%}
{%- if execute -%}
{%- do return(adapter.get_columns_in_relation(relation) | map(attribute='name') | map('lower') | list) -%}
{%- else -%}
{%- do return([]) -%}
{%- endif -%}
{%- endmacro %}

{#- Exact decimal type of money in this warehouse. -#}
{% macro money_type() -%}{{ adapter.dispatch('money_type', 'finops')() }}{%- endmacro %}
{% macro duckdb__money_type() -%}decimal(38, 18){%- endmacro %}
{% macro bigquery__money_type() -%}bignumeric{%- endmacro %}
