{#-
  AWS Data Exports (CUR 2.0) line items in the same columns as stg_aws_cur (one column list, macros/aws.sql).
  CUR 2.0 differs only where its shape does: the product name and region come from the `product` map (the
  region code column first), tags from the `resource_tags` map (macros/string_maps.sql).
  Data Exports is optional: when aws_data_exports_raw was never loaded, this model is empty.
-#}
{%- set relation = finops.existing_relation(source('billing_raw', 'aws_data_exports_raw')) -%}
{%- set columns = finops.relation_columns(relation) if relation else [] -%}

with source as (

    {% if relation -%}
    select * from {{ relation }}
    {%- else -%}
    select 1 as no_export_loaded where false
    {%- endif %}

),

renamed as (

    select
        {{ finops.aws_line_item_columns(columns) }}
        {{ finops.map_value(columns, 'product', 'product_name') }} as product_name,
        coalesce({{ finops.column_or_null(columns, 'product_region_code', 'varchar') }}, {{ finops.map_value(columns, 'product', 'region') }}) as region_code,
        {{ finops.map_tags(columns, 'resource_tags') }} as tags

    from source

)

select * from renamed
