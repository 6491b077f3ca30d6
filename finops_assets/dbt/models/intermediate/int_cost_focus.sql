{#-
  Every cloud's line items in FOCUS 1.x columns, plus x_ extensions.

  AWS comes in two shapes, CUR v1 (aws_cur_raw) and Data Exports / CUR 2.0 (aws_data_exports_raw), with the same
  staging columns and the same FOCUS rules (macros/aws.sql); x_cost_source says which. Double counting: when a
  (payer account, billing month) is delivered by both, Data Exports wins and the CUR v1 rows of that pair are left
  out (an account migrating to CUR 2.0 usually runs both exports for a while). A CUR v1 row without a payer
  account is never left out.
  AWS amortisation, the rule AWS's own amortised-cost view uses:
    DiscountedUsage           EffectiveCost = reservation/EffectiveCost (the RI's amortised rate)
    SavingsPlanCoveredUsage   EffectiveCost = savingsPlan/SavingsPlanEffectiveCost
    SavingsPlanNegation       EffectiveCost = 0 (its negative BilledCost only cancels covered usage)
    RIFee                     EffectiveCost = the unused part of the reservation (unused amortised upfront
                              + unused recurring fee); the used part is already in DiscountedUsage
    SavingsPlanRecurringFee   EffectiveCost = TotalCommitmentToDate - UsedCommitment (the unused commitment)
    SavingsPlanUpfrontFee     EffectiveCost = 0 (amortised into covered usage)
    anything else             EffectiveCost = BilledCost
  so fees are never counted twice. BilledCost is always the unblended cost (what the invoice says).
  GCP: BilledCost = cost, EffectiveCost = cost + sum(credits.amount) (credits are negative).
  Azure: the export is FOCUS already; a NULL cost cell (FOCUS samples write a literal NULL) counts as 0.
  Tax, credits, refunds and adjustments keep their own ChargeCategory; BillingCurrency is kept, never converted.
  Team / environment / app service / cost center / customer id / project id come from tags (AWS tag columns,
  Azure Tags, GCP labels then project labels), keys normalised by one rule (macros/cross_warehouse.sql; CUR v1's
  tag keys are column names, normalised in stg_aws_cur at compile time); missing -> 'untagged'.
  x_sku_description names what was sold (AWS usage type, Azure meter name, GCP SKU description) and
  x_usage_quantity / x_usage_unit the quantity in the export's own unit (AWS UsageAmount in pricing/unit,
  Azure ConsumedQuantity in ConsumedUnit, GCP usage.amount in usage.unit): the LLM mart parses tokens from them.
-#}
{{ config(**finops.monthly_config(batched=true)) }}
{%- set money = finops.money_type() -%}
{#- A deployment that never loaded Data Exports may not have built its staging view (automation builds a model only
    after its upstream lands): without it, AWS is CUR v1 alone. -#}
{%- set data_exports = finops.existing_relation(ref('stg_aws_data_exports')) -%}
{#- CUR v1's tags are columns (passed through by stg_aws_cur): its tag columns are computed from them directly. -#}
{%- set cur_tag_pairs = finops.cur_tag_pairs(finops.relation_columns(source('billing_raw', 'aws_cur_raw'))) -%}

with
{%- if data_exports %}
aws_data_exports as (

    select {{ finops.aws_focus_columns('aws_data_exports', finops.tag_columns(tags=finops.normalised_tags('tags'))) }}
    from {{ ref('stg_aws_data_exports') }}
    where {{ finops.in_run_months_of_timestamp('billing_period_start') }}

),

{#- Data Exports wins a (payer account, billing month) it delivers: CUR v1 rows of that pair are left out. -#}
data_exports_pairs as (

    select distinct payer_account_id, cast(billing_period_start as date) as billing_month
    from {{ ref('stg_aws_data_exports') }}
    where {{ finops.in_run_months_of_timestamp('billing_period_start') }}

),
{%- endif %}

aws_cur as (

    select {{ finops.aws_focus_columns('aws_cur', finops.tag_columns(pairs=cur_tag_pairs)) }}
    from {{ ref('stg_aws_cur') }} as cur
    {%- if data_exports %}
    {#- an anti join written as a left join to the distinct pairs (NOT EXISTS buffers every CUR v1 row on DuckDB): a
        row with a NULL payer or month matches no pair and is kept, as with NOT EXISTS #}
    left join data_exports_pairs as p
        on p.payer_account_id = cur.payer_account_id and p.billing_month = cast(cur.billing_period_start as date)
    {%- endif %}
    where {{ finops.in_run_months_of_timestamp('cur.billing_period_start') }}
    {%- if data_exports %}
        and p.billing_month is null
    {%- endif %}

),

azure as (

    select
        {#- FOCUS requires the cost columns; an export's NULL cost is no charge (sums are unchanged). #}
        coalesce(billed_cost, 0) as BilledCost,
        coalesce(effective_cost, billed_cost, 0) as EffectiveCost,
        coalesce(list_cost, billed_cost, 0) as ListCost,
        coalesce(contracted_cost, billed_cost, 0) as ContractedCost,
        charge_category as ChargeCategory,
        charge_class as ChargeClass,
        charge_description as ChargeDescription,
        charge_period_start as ChargePeriodStart,
        coalesce(charge_period_end, charge_period_start) as ChargePeriodEnd,
        billing_period_start as BillingPeriodStart,
        billing_period_end as BillingPeriodEnd,
        coalesce(provider_name, 'Microsoft') as ProviderName,
        service_name as ServiceName,
        service_category as ServiceCategory,
        region_id as RegionId,
        region_name as RegionName,
        resource_id as ResourceId,
        sub_account_id as SubAccountId,
        consumed_quantity as ConsumedQuantity,
        consumed_unit as ConsumedUnit,
        billing_currency as BillingCurrency,
        {{ finops.tag_columns(tags=finops.normalised_tags('tags')) }},
        'azure_focus' as x_cost_source,
        charge_category as x_charge_type,
        sku_meter_category as x_usage_type,
        cast(null as {{ dbt.type_string() }}) as x_operation,
        cast(null as {{ dbt.type_string() }}) as x_instance_type,
        service_name as x_service_code,
        coalesce(sku_meter_name, sku_meter_subcategory, sku_meter_category) as x_sku_description,
        sku_meter_subcategory as x_sku_subcategory,
        consumed_quantity as x_usage_quantity,
        consumed_unit as x_usage_unit
    from {{ ref('stg_azure_focus') }}
    where {{ finops.in_run_months_of_timestamp('billing_period_start') }}

),

gcp as (

    select
        cost as BilledCost,
        cost + credits_total as EffectiveCost,
        cost as ListCost,
        cost as ContractedCost,
        case cost_type when 'tax' then 'Tax' when 'adjustment' then 'Adjustment' when 'rounding_error' then 'Adjustment' else 'Usage' end as ChargeCategory,
        case when cost_type = 'adjustment' then 'Correction' end as ChargeClass,
        sku_description as ChargeDescription,
        usage_start as ChargePeriodStart,
        coalesce(usage_end, usage_start) as ChargePeriodEnd,
        invoice_month as BillingPeriodStart,
        {{ finops.add_months('invoice_month', 1) }} as BillingPeriodEnd,
        'Google Cloud' as ProviderName,
        service_description as ServiceName,
        case
            when service_description in ('Compute Engine', 'Cloud Run', 'Cloud Functions', 'Kubernetes Engine') then 'Compute'
            when service_description in ('Cloud Storage') then 'Storage'
            when service_description in ('Cloud SQL', 'BigQuery', 'Cloud Spanner', 'Firestore') then 'Databases'
            when service_description in ('Networking', 'Cloud CDN', 'Cloud Load Balancing') then 'Networking'
            when service_description in ('Vertex AI', 'Gemini API') then 'AI and Machine Learning'
            else 'Other'
        end as ServiceCategory,
        region as RegionId,
        region as RegionName,
        coalesce(resource_global_name, resource_name) as ResourceId,
        project_id as SubAccountId,
        cast(usage_amount_in_pricing_units as {{ money }}) as ConsumedQuantity,
        pricing_unit as ConsumedUnit,
        currency as BillingCurrency,
        {#- project labels after resource labels: a resource's own label wins -#}
        {{ finops.tag_columns(tags=finops.normalised_tags(finops.concat_lists('labels', 'project_labels'))) }},
        'gcp_billing' as x_cost_source,
        cost_type as x_charge_type,
        sku_description as x_usage_type,
        cast(null as {{ dbt.type_string() }}) as x_operation,
        cast(null as {{ dbt.type_string() }}) as x_instance_type,
        service_id as x_service_code,
        sku_description as x_sku_description,
        cast(null as {{ dbt.type_string() }}) as x_sku_subcategory,
        {#- usage.amount in the export's base unit (tokens are `count`): whole numbers stay whole, unlike
            amount_in_pricing_units (a ratio of them) -#}
        cast(usage_amount as {{ money }}) as x_usage_quantity,
        usage_unit as x_usage_unit
    from {{ ref('stg_gcp_billing') }}
    where {{ finops.in_run_months('cast(invoice_month as date)') }}

),

unioned as (

    select * from aws_cur
    union all
    {%- if data_exports %}
    select * from aws_data_exports
    union all
    {%- endif %}
    select * from azure
    union all
    select * from gcp

)

select
    cast(BillingPeriodStart as date) as billing_month,
    cast(BilledCost as {{ money }}) as BilledCost,
    cast(EffectiveCost as {{ money }}) as EffectiveCost,
    cast(ListCost as {{ money }}) as ListCost,
    cast(ContractedCost as {{ money }}) as ContractedCost,
    ChargeCategory,
    ChargeClass,
    ChargeDescription,
    ChargePeriodStart,
    ChargePeriodEnd,
    BillingPeriodStart,
    BillingPeriodEnd,
    ProviderName,
    ServiceName,
    ServiceCategory,
    RegionId,
    RegionName,
    ResourceId,
    SubAccountId,
    ConsumedQuantity,
    ConsumedUnit,
    BillingCurrency,
    Tags,
    x_cost_source,
    x_charge_type,
    x_usage_type,
    x_operation,
    x_instance_type,
    x_service_code,
    x_sku_description,
    x_sku_subcategory,
    cast(x_usage_quantity as {{ money }}) as x_usage_quantity,
    x_usage_unit,
    {#- the tag-derived columns (macros/cross_warehouse.sql tag_columns: an explicit project_id tag wins over a generic
        project tag, whatever their order in the export) -#}
    x_environment,
    x_team,
    x_app_service,
    x_cost_center,
    x_customer_id,
    x_project_id
from unioned
