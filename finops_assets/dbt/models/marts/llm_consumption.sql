{{ config(**finops.monthly_config()) }}
{#-
  LLM / generative-AI spend (Amazon Bedrock, Azure OpenAI, Google Vertex AI) by day, billing month, cloud, service,
  model, operation, customer, project, region and billing currency: one row per combination that has usage.
  (billing_month, the invoice month, is in the grain so that a billing month's rows can be replaced on their own.)

  Read from int_cost_focus only, with the rules of macros/llm.sql:
    - line items: ChargeCategory 'Usage' of the generative-AI services (llm_line_item);
    - model and operation: parsed from the SKU text the export carries (usage type / meter name / SKU description);
    - tokens: x_usage_quantity x the scale of x_usage_unit ("1K tokens" -> x1000, "1M Tokens" -> x1000000,
      "count" / "tokens" -> x1); never a per-model multiplier. A token line whose unit cannot be parsed makes its
      row's token columns NULL (the not_null test then fails) instead of being guessed; a line without a
      quantity counts no tokens;
    - request_count: no export carries per-request counts for token SKUs, so it is the number of line items;
    - cost: billed_cost and effective_cost in the billing currency, exact; cost_usd = effective_cost when the
      billing currency is USD, NULL otherwise (no exchange rates are invented);
    - cost_per_1k_tokens = cost_usd * 1000 / total_tokens, exact decimal truncated at 18 decimals; NULL when the
      row has no tokens (image or other operations) or no USD cost.
-#}
{%- set money = finops.money_type() -%}

with lines as (

    select
        cast(ChargePeriodStart as date) as usage_date,
        cast(BillingPeriodStart as date) as billing_month,
        case x_cost_source when 'aws_cur' then 'aws' when 'aws_data_exports' then 'aws' when 'azure_focus' then 'azure' when 'gcp_billing' then 'gcp' end as cloud_provider,
        coalesce(ServiceName, x_service_code, 'unknown') as service_name,
        {{ finops.llm_model('x_cost_source', 'x_sku_description') }} as model,
        {{ finops.llm_operation('x_sku_description') }} as operation,
        x_customer_id as customer_id,
        x_project_id as project_id,
        coalesce(nullif(RegionId, ''), 'global') as region_id,
        BillingCurrency as billing_currency,
        BilledCost as billed_cost,
        EffectiveCost as effective_cost,
        {#- no quantity reported (e.g. an AWS SavingsPlanNegation line) is no usage; a quantity in a unit that
            cannot be parsed is NULL -#}
        case
            when x_usage_quantity is null then 0
            else cast(x_usage_quantity * {{ finops.llm_unit_scale('x_usage_unit') }} as {{ money }})
        end as units
    from {{ ref('int_cost_focus') }}
    where {{ finops.llm_line_item() }} and {{ finops.in_run_months('billing_month') }}

),

measured as (

    select
        *,
        case when operation in ('input_tokens', 'cached_input_tokens') then units else 0 end as input_tokens,
        case when operation = 'output_tokens' then units else 0 end as output_tokens,
        case when operation = 'images' then units else 0 end as image_count
    from lines

),

aggregated as (

    select
        usage_date,
        billing_month,
        cloud_provider,
        service_name,
        model,
        operation,
        customer_id,
        project_id,
        region_id,
        billing_currency,
        {#- count(x) < count(*): some line had a unit that could not be parsed -> NULL, never a partial sum -#}
        case when count(input_tokens) = count(*) then sum(input_tokens) end as input_tokens,
        case when count(output_tokens) = count(*) then sum(output_tokens) end as output_tokens,
        case when count(image_count) = count(*) then sum(image_count) end as image_count,
        count(*) as request_count,
        sum(billed_cost) as billed_cost,
        sum(effective_cost) as effective_cost
    from measured
    group by usage_date, billing_month, cloud_provider, service_name, model, operation, customer_id, project_id, region_id,
        billing_currency

),

priced as (

    select
        *,
        input_tokens + output_tokens as total_tokens,
        case when billing_currency = 'USD' then effective_cost end as cost_usd
    from aggregated

)

select
    usage_date,
    billing_month,
    cloud_provider,
    service_name,
    model,
    operation,
    customer_id,
    project_id,
    region_id,
    billing_currency,
    cast(input_tokens as {{ money }}) as input_tokens,
    cast(output_tokens as {{ money }}) as output_tokens,
    cast(total_tokens as {{ money }}) as total_tokens,
    cast(image_count as {{ money }}) as image_count,
    request_count,
    cast(billed_cost as {{ money }}) as billed_cost,
    cast(effective_cost as {{ money }}) as effective_cost,
    cast(cost_usd as {{ money }}) as cost_usd,
    case
        when total_tokens > 0 and cost_usd is not null
            then cast({{ finops.llm_per_thousand('cost_usd', 'total_tokens') }} as {{ money }})
    end as cost_per_1k_tokens
from priced
