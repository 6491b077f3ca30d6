{%- set relation = source('billing_raw', 'aws_cur_raw') -%}
{%- set columns = finops.relation_columns(relation) -%}
{%- set money = finops.money_type() -%}
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
        identity_line_item_id as line_item_id,
        {{ finops.column_or_null(columns, 'identity_time_interval', 'varchar') }} as time_interval,
        bill_billing_period_start_date as billing_period_start,
        {{ finops.column_or_null(columns, 'bill_billing_period_end_date', 'timestamp') }} as billing_period_end,
        {{ finops.column_or_null(columns, 'bill_payer_account_id', 'varchar') }} as payer_account_id,
        {{ finops.column_or_null(columns, 'bill_billing_entity', 'varchar') }} as billing_entity,
        {{ finops.column_or_null(columns, 'line_item_usage_account_id', 'varchar') }} as usage_account_id,
        line_item_line_item_type as line_item_type,
        line_item_usage_start_date as usage_start,
        {{ finops.column_or_null(columns, 'line_item_usage_end_date', 'timestamp') }} as usage_end,
        {{ finops.column_or_null(columns, 'line_item_product_code', 'varchar') }} as product_code,
        {{ finops.column_or_null(columns, 'line_item_usage_type', 'varchar') }} as usage_type,
        {{ finops.column_or_null(columns, 'line_item_operation', 'varchar') }} as operation,
        {{ finops.column_or_null(columns, 'line_item_resource_id', 'varchar') }} as resource_id,
        {{ finops.column_or_null(columns, 'line_item_line_item_description', 'varchar') }} as line_item_description,
        {{ finops.column_or_null(columns, 'line_item_currency_code', 'varchar') }} as currency_code,
        cast({{ finops.column_or_null(columns, 'line_item_usage_amount', money) }} as {{ money }}) as usage_amount,
        cast(line_item_unblended_cost as {{ money }}) as unblended_cost,
        cast({{ finops.column_or_null(columns, 'line_item_unblended_rate', money) }} as {{ money }}) as unblended_rate,
        cast({{ finops.column_or_null(columns, 'pricing_public_on_demand_cost', money) }} as {{ money }}) as public_on_demand_cost,
        {{ finops.column_or_null(columns, 'pricing_unit', 'varchar') }} as pricing_unit,
        {{ finops.column_or_null(columns, 'pricing_term', 'varchar') }} as pricing_term,
        cast({{ finops.column_or_null(columns, 'reservation_effective_cost', money) }} as {{ money }}) as reservation_effective_cost,
        cast({{ finops.column_or_null(columns, 'reservation_unused_amortized_upfront_fee_for_billing_period', money) }} as {{ money }}) as reservation_unused_amortized_upfront_fee,
        cast({{ finops.column_or_null(columns, 'reservation_unused_recurring_fee', money) }} as {{ money }}) as reservation_unused_recurring_fee,
        {{ finops.column_or_null(columns, 'reservation_reservation_a_r_n', 'varchar') }} as reservation_arn,
        cast({{ finops.column_or_null(columns, 'savings_plan_savings_plan_effective_cost', money) }} as {{ money }}) as savings_plan_effective_cost,
        cast({{ finops.column_or_null(columns, 'savings_plan_total_commitment_to_date', money) }} as {{ money }}) as savings_plan_total_commitment,
        cast({{ finops.column_or_null(columns, 'savings_plan_used_commitment', money) }} as {{ money }}) as savings_plan_used_commitment,
        {{ finops.column_or_null(columns, 'savings_plan_savings_plan_a_r_n', 'varchar') }} as savings_plan_arn,
        {{ finops.column_or_null(columns, 'product_product_name', 'varchar') }} as product_name,
        {{ finops.column_or_null(columns, 'product_product_family', 'varchar') }} as product_family,
        coalesce({{ finops.column_or_null(columns, 'product_region_code', 'varchar') }}, {{ finops.column_or_null(columns, 'product_region', 'varchar') }}) as region_code,
        {{ finops.column_or_null(columns, 'product_location', 'varchar') }} as region_name,
        {{ finops.column_or_null(columns, 'product_instance_type', 'varchar') }} as instance_type,
        {{ finops.tag_list(tag_pairs) }} as tags

    from source

)

select * from renamed
