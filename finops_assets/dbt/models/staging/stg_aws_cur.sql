{%- set relation = source('billing_raw', 'aws_cur_raw') -%}
{%- set columns = finops.relation_columns(relation) -%}
{#- Tag columns are whatever the month's manifests carried: resource_tags_user_* and resource_tags_aws_*. Their keys
    are normalised here, at compile time (macros/cross_warehouse.sql), not on every line. -#}
{%- set tag_pairs = [] -%}
{%- for name in columns if name.startswith('resource_tags_') -%}
  {%- set key = name[('resource_tags_user_' if name.startswith('resource_tags_user_') else 'resource_tags_') | length:] -%}
  {%- do tag_pairs.append((finops.tag_key_of_name(key), name)) -%}
{%- endfor -%}

with source as (

    select * from {{ relation }}

),

renamed as (

    select
        {{ finops.aws_line_item_columns(columns) }}
        {{ finops.column_or_null(columns, 'product_product_name', 'varchar') }} as product_name,
        coalesce({{ finops.column_or_null(columns, 'product_region_code', 'varchar') }}, {{ finops.column_or_null(columns, 'product_region', 'varchar') }}) as region_code,
        {{ finops.tag_list(tag_pairs) }} as tags

    from source

)

select * from renamed
