{#-
  AWS line items in the two AWS shapes (CUR v1 columns, Data Exports / CUR 2.0 columns) share one staging column
  list and one set of FOCUS rules: both come from these macros, so CUR v1 and CUR 2.0 rows can never drift apart.
-#}

{#- The staging columns CUR v1 and CUR 2.0 name the same way (CUR 2.0 keeps CUR v1's Athena names). Any column the
    relation lacks (columns come and go between months) is a typed NULL. -#}
{% macro aws_line_item_columns(columns) -%}
{%- set money = finops.money_type() -%}
        {{ finops.column_or_null(columns, 'identity_line_item_id', 'varchar') }} as line_item_id,
        {{ finops.column_or_null(columns, 'identity_time_interval', 'varchar') }} as time_interval,
        {{ finops.column_or_null(columns, 'bill_billing_period_start_date', 'timestamp') }} as billing_period_start,
        {{ finops.column_or_null(columns, 'bill_billing_period_end_date', 'timestamp') }} as billing_period_end,
        {{ finops.column_or_null(columns, 'bill_payer_account_id', 'varchar') }} as payer_account_id,
        {{ finops.column_or_null(columns, 'bill_billing_entity', 'varchar') }} as billing_entity,
        {{ finops.column_or_null(columns, 'line_item_usage_account_id', 'varchar') }} as usage_account_id,
        {{ finops.column_or_null(columns, 'line_item_line_item_type', 'varchar') }} as line_item_type,
        {{ finops.column_or_null(columns, 'line_item_usage_start_date', 'timestamp') }} as usage_start,
        {{ finops.column_or_null(columns, 'line_item_usage_end_date', 'timestamp') }} as usage_end,
        {{ finops.column_or_null(columns, 'line_item_product_code', 'varchar') }} as product_code,
        {{ finops.column_or_null(columns, 'line_item_usage_type', 'varchar') }} as usage_type,
        {{ finops.column_or_null(columns, 'line_item_operation', 'varchar') }} as operation,
        {{ finops.column_or_null(columns, 'line_item_resource_id', 'varchar') }} as resource_id,
        {{ finops.column_or_null(columns, 'line_item_line_item_description', 'varchar') }} as line_item_description,
        {{ finops.column_or_null(columns, 'line_item_currency_code', 'varchar') }} as currency_code,
        cast({{ finops.column_or_null(columns, 'line_item_usage_amount', money) }} as {{ money }}) as usage_amount,
        cast({{ finops.column_or_null(columns, 'line_item_unblended_cost', money) }} as {{ money }}) as unblended_cost,
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
        {{ finops.column_or_null(columns, 'product_product_family', 'varchar') }} as product_family,
        {{ finops.column_or_null(columns, 'product_location', 'varchar') }} as region_name,
        {{ finops.column_or_null(columns, 'product_instance_type', 'varchar') }} as instance_type,
{%- endmacro %}


{#- FOCUS 1.x columns of an AWS staging row (stg_aws_cur, stg_aws_data_exports); the rules are in int_cost_focus's
    header. `cost_source` becomes x_cost_source; `tag_columns` renders the tag-derived columns (tag_columns). -#}
{% macro aws_focus_columns(cost_source, tag_columns) -%}
        unblended_cost as BilledCost,
        case line_item_type
            when 'DiscountedUsage' then coalesce(reservation_effective_cost, 0)
            when 'SavingsPlanCoveredUsage' then coalesce(savings_plan_effective_cost, 0)
            when 'SavingsPlanNegation' then 0
            when 'RIFee' then coalesce(reservation_unused_amortized_upfront_fee, 0) + coalesce(reservation_unused_recurring_fee, 0)
            when 'SavingsPlanRecurringFee' then coalesce(savings_plan_total_commitment, 0) - coalesce(savings_plan_used_commitment, 0)
            when 'SavingsPlanUpfrontFee' then 0
            else unblended_cost
        end as EffectiveCost,
        coalesce(public_on_demand_cost, unblended_cost) as ListCost,
        unblended_cost as ContractedCost,
        case
            when line_item_type in ('Usage', 'DiscountedUsage', 'SavingsPlanCoveredUsage', 'SavingsPlanNegation') then 'Usage'
            when line_item_type = 'Tax' then 'Tax'
            when line_item_type in ('Credit', 'Refund', 'BundledDiscount', 'EdpDiscount', 'PrivateRateDiscount') then 'Credit'
            when line_item_type in ('RIFee', 'Fee', 'SavingsPlanRecurringFee', 'SavingsPlanUpfrontFee') then 'Purchase'
            else 'Adjustment'
        end as ChargeCategory,
        case when line_item_type = 'Refund' then 'Correction' end as ChargeClass,
        line_item_description as ChargeDescription,
        usage_start as ChargePeriodStart,
        coalesce(usage_end, usage_start) as ChargePeriodEnd,
        billing_period_start as BillingPeriodStart,
        coalesce(billing_period_end, {{ finops.add_months("billing_period_start", 1) }}) as BillingPeriodEnd,
        'AWS' as ProviderName,
        coalesce(product_name, product_code) as ServiceName,
        case
            when product_code in ('AmazonEC2', 'AWSLambda', 'AmazonECS', 'AmazonEKS') then 'Compute'
            when product_code in ('AmazonS3', 'AmazonEFS', 'AmazonGlacier') then 'Storage'
            when product_code in ('AmazonRDS', 'AmazonDynamoDB', 'AmazonElastiCache', 'AmazonRedshift') then 'Databases'
            when product_code in ('AmazonCloudFront', 'AmazonVPC', 'AWSDataTransfer', 'AmazonRoute53') then 'Networking'
            when product_code in ('AmazonBedrock', 'AmazonSageMaker') then 'AI and Machine Learning'
            else 'Other'
        end as ServiceCategory,
        region_code as RegionId,
        region_name as RegionName,
        resource_id as ResourceId,
        usage_account_id as SubAccountId,
        case when line_item_type in ('Usage', 'DiscountedUsage', 'SavingsPlanCoveredUsage') then usage_amount end as ConsumedQuantity,
        case when line_item_type in ('Usage', 'DiscountedUsage', 'SavingsPlanCoveredUsage') then pricing_unit end as ConsumedUnit,
        currency_code as BillingCurrency,
        {{ tag_columns }},
        '{{ cost_source }}' as x_cost_source,
        line_item_type as x_charge_type,
        usage_type as x_usage_type,
        operation as x_operation,
        instance_type as x_instance_type,
        product_code as x_service_code,
        usage_type as x_sku_description,
        product_family as x_sku_subcategory,
        case when line_item_type in ('Usage', 'DiscountedUsage', 'SavingsPlanCoveredUsage') then usage_amount end as x_usage_quantity,
        case when line_item_type in ('Usage', 'DiscountedUsage', 'SavingsPlanCoveredUsage') then pricing_unit end as x_usage_unit
{%- endmacro %}


{#- CUR v1's tags: (normalised key, column) for each tag column among `columns` (resource_tags_user_* and
    resource_tags_aws_*, whatever the month's manifests carried). The keys are normalised here, at compile time
    (macros/cross_warehouse.sql), not on every line. -#}
{% macro cur_tag_pairs(columns) -%}
{%- set pairs = [] -%}
{%- for name in columns if name.startswith('resource_tags_') -%}
  {%- set key = name[('resource_tags_user_' if name.startswith('resource_tags_user_') else 'resource_tags_') | length:] -%}
  {%- do pairs.append((finops.tag_key_of_name(key), name)) -%}
{%- endfor -%}
{{ return(pairs) }}
{%- endmacro %}
