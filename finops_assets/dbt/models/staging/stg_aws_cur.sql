{%- set relation = source('billing_raw', 'aws_cur_raw') -%}
{%- set columns = finops.relation_columns(relation) -%}
{%- set tag_pairs = finops.cur_tag_pairs(columns) -%}

with source as (

    select * from {{ relation }}

),

renamed as (

    select
        {{ finops.aws_line_item_columns(columns) }}
        {{ finops.column_or_null(columns, 'product_product_name', 'varchar') }} as product_name,
        coalesce({{ finops.column_or_null(columns, 'product_region_code', 'varchar') }}, {{ finops.column_or_null(columns, 'product_region', 'varchar') }}) as region_code,
        {{ finops.tag_list(tag_pairs) }} as tags
        {#- and the tag columns themselves: int_cost_focus reads CUR v1's tags from them (finops.cur_tag_pairs) #}
        {%- for key, name in tag_pairs %},
        {{ name }}
        {%- endfor %}

    from source

)

select * from renamed
