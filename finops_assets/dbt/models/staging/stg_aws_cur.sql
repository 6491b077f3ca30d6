{%- set relation = source('billing_raw', 'aws_cur_raw') -%}
{%- set columns = finops.relation_columns(relation) -%}
{#- Tag columns are whatever the month's manifests carried: resource_tags_user_* and resource_tags_aws_*. -#}
{%- set tag_pairs = [] -%}
{%- for name in columns if name.startswith('resource_tags_') -%}
  {%- do tag_pairs.append((name[('resource_tags_user_' if name.startswith('resource_tags_user_') else 'resource_tags_') | length:], name)) -%}
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
