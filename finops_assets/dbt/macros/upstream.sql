{#-
  Tables that may not exist yet when a model runs.

  The automation (finops_assets/defs/automation.py) rebuilds a model when any of its upstream months lands, and a
  missing upstream month does not block it. So a model can run before a table it reads has ever been built:
    - a deployment without OpenTelemetry never builds int_otel_span_keys, which the dimensions read;
    - on a fresh warehouse the traces of a month can land before its cost: the allocation (fact_cost_daily) and the
      dimensions (int_cost_keys, int_cost_focus, and the fact their coverage tests read) run first;
    - a month's cost can land before any trace: the dimensions run before int_otel_span_keys exists.
  Such a model reads an empty stand-in with the table's columns instead of failing its run (and alerting); when the
  table is built later, the automation runs the model again (its upstream updated). A plain `dbt build` builds every
  table before its readers and never takes this path.
  While parsing (nothing executes) these are ref()/source() themselves, so dbt records the dependency either way.
-#}

{#- `relation` when it exists in the warehouse (while parsing: always, existing_relation), else an empty relation with
    `columns` (name -> SQL type): the columns the readers select, each NULL, no rows. -#}
{% macro relation_or_empty(relation, columns) -%}
{%- if finops.existing_relation(relation) is not none -%}
{{ relation }}
{%- else -%}
{{ finops.empty_relation(columns) }}
{%- endif -%}
{%- endmacro %}

{#- A relation with `columns` (name -> SQL type) and no rows. -#}
{% macro empty_relation(columns) -%}
(select {% for name, type in columns.items() %}cast(null as {{ type }}) as {{ name }}{{ ', ' if not loop.last }}{% endfor %} from (select 1 as one) as nothing where 1 = 0)
{%- endmacro %}

{% macro ref_or_empty(model_name, columns) -%}
{{ finops.relation_or_empty(ref(model_name), columns) }}
{%- endmacro %}


{#- The columns of int_otel_span_keys (also its own body when OTel was never loaded). -#}
{% macro span_keys_columns() -%}
{%- set text = dbt.type_string() -%}
{%- do return({
    'service_name': text, 'cloud_provider': text, 'region_code': text, 'environment_name': text,
    'http_request_method': text, 'http_route': text, 'user_segment': text,
    'first_seen_at': dbt.type_timestamp(), 'last_seen_at': dbt.type_timestamp(), 'spans': dbt.type_bigint(),
}) -%}
{%- endmacro %}

{% macro span_keys() -%}{{ finops.ref_or_empty('int_otel_span_keys', finops.span_keys_columns()) }}{%- endmacro %}


{#- The columns of int_cost_keys. -#}
{% macro cost_keys_columns() -%}
{%- set text = dbt.type_string() -%}
{%- do return({
    'billing_month': 'date', 'service_key': text, 'service_name': text, 'service_source': text, 'x_team': text,
    'x_cost_center': text, 'environment_key': text, 'environment_name': text, 'region_key': text,
    'cloud_provider': text, 'region_code': text, 'resource_key': text, 'resource_id': text,
    'line_items': dbt.type_bigint(), 'first_charge_at': dbt.type_timestamp(), 'last_charge_at': dbt.type_timestamp(),
    'region_name': text, 'sub_account_id': text, 'cloud_service_name': text, 'resource_region_code': text,
}) -%}
{%- endmacro %}

{% macro cost_keys() -%}{{ finops.ref_or_empty('int_cost_keys', finops.cost_keys_columns()) }}{%- endmacro %}


{#- fact_cost_daily's columns that the allocation and its drivers read. -#}
{% macro cost_daily() -%}
{%- set text = dbt.type_string() -%}
{%- set money = finops.money_type() -%}
{{ finops.ref_or_empty('fact_cost_daily', {
    'date': 'date', 'billing_month': 'date', 'cloud_provider': text, 'billing_currency': text, 'service_key': text,
    'service_source': text, 'total_cost': money, 'shared_network_cost': money, 'shared_database_cost': money,
    'network_gb': money,
}) }}
{%- endmacro %}


{#- dbt's relationships test (its own SQL, dbt-core's default__test_relationships), except that it has nothing to
    check while the parent table (`to`) has never been built: a performance fact built for a day whose dimensions
    are not built yet (traces landing before any cost on a fresh warehouse) passes until they are, instead of failing
    its run on a missing table. The project's macro takes precedence over dbt's when dbt dispatches the test. -#}
{% macro default__test_relationships(model, column_name, to, field) %}
{#- (`execute and`: while dbt parses a generic test the project's macro namespace is not defined) #}
{%- if execute and finops.existing_relation(to) is none %}
select * from {{ finops.empty_relation({'from_field': dbt.type_string()}) }} as never_built
{%- else %}
with child as (
    select {{ column_name }} as from_field
    from {{ model }}
    where {{ column_name }} is not null
),

parent as (
    select {{ field }} as to_field
    from {{ to }}
)

select
    from_field

from child
left join parent
    on child.from_field = parent.to_field

where parent.to_field is null
{%- endif %}
{% endmacro %}
