{%- set relation = source('billing_raw', 'azure_focus_raw') -%}
{%- set columns = finops.relation_columns(relation) -%}
{%- set money = finops.money_type() -%}

with source as (

    select * from {{ relation }}

),

renamed as (

    select
        cast(billed_cost as {{ money }}) as billed_cost,
        cast(effective_cost as {{ money }}) as effective_cost,
        cast({{ finops.column_or_null(columns, 'list_cost', money) }} as {{ money }}) as list_cost,
        cast({{ finops.column_or_null(columns, 'contracted_cost', money) }} as {{ money }}) as contracted_cost,
        billing_period_start,
        {{ finops.column_or_null(columns, 'billing_period_end', 'timestamp') }} as billing_period_end,
        charge_period_start,
        {{ finops.column_or_null(columns, 'charge_period_end', 'timestamp') }} as charge_period_end,
        charge_category,
        {{ finops.column_or_null(columns, 'charge_class', 'varchar') }} as charge_class,
        {{ finops.column_or_null(columns, 'charge_description', 'varchar') }} as charge_description,
        {{ finops.column_or_null(columns, 'billing_currency', 'varchar') }} as billing_currency,
        {{ finops.column_or_null(columns, 'billing_account_id', 'varchar') }} as billing_account_id,
        {{ finops.column_or_null(columns, 'sub_account_id', 'varchar') }} as sub_account_id,
        {{ finops.column_or_null(columns, 'provider_name', 'varchar') }} as provider_name,
        {{ finops.column_or_null(columns, 'service_name', 'varchar') }} as service_name,
        {{ finops.column_or_null(columns, 'service_category', 'varchar') }} as service_category,
        {{ finops.column_or_null(columns, 'region_id', 'varchar') }} as region_id,
        {{ finops.column_or_null(columns, 'region_name', 'varchar') }} as region_name,
        {{ finops.column_or_null(columns, 'resource_id', 'varchar') }} as resource_id,
        {{ finops.column_or_null(columns, 'resource_type', 'varchar') }} as resource_type,
        cast({{ finops.column_or_null(columns, 'consumed_quantity', money) }} as {{ money }}) as consumed_quantity,
        {{ finops.column_or_null(columns, 'consumed_unit', 'varchar') }} as consumed_unit,
        {{ finops.column_or_null(columns, 'sku_id', 'varchar') }} as sku_id,
        {{ finops.column_or_null(columns, 'x_sku_meter_category', 'varchar') }} as sku_meter_category,
        {{ finops.column_or_null(columns, 'x_sku_meter_subcategory', 'varchar') }} as sku_meter_subcategory,
        {{ finops.column_or_null(columns, 'x_sku_meter_name', 'varchar') }} as sku_meter_name,
        {{ finops.json_tags_to_list(finops.column_or_null(columns, 'tags', 'json')) }} as tags

    from source

)

select * from renamed
