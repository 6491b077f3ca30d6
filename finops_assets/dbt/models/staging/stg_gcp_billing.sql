{%- set money = finops.money_type() -%}

with source as (

    select * from {{ source('billing_raw', 'gcp_billing_export') }}

),

renamed as (

    select
        billing_account_id,
        service.id as service_id,
        service.description as service_description,
        sku.id as sku_id,
        sku.description as sku_description,
        usage_start_time as usage_start,
        usage_end_time as usage_end,
        project.id as project_id,
        project.name as project_name,
        project.labels as project_labels,
        labels,
        location.region as region,
        location.country as country,
        resource.global_name as resource_global_name,
        resource.name as resource_name,
        cast(cost as {{ money }}) as cost,
        currency,
        cast({{ finops.sum_of_field('credits', 'amount') }} as {{ money }}) as credits_total,
        usage.amount as usage_amount,
        usage.unit as usage_unit,
        usage.amount_in_pricing_units as usage_amount_in_pricing_units,
        usage.pricing_unit as pricing_unit,
        invoice.month as invoice_month_text,
        invoice_month,
        cost_type,
        export_time

    from source

)

select * from renamed
