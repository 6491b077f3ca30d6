{#-
  Macros of the LLM token-cost mart (models/marts/llm_consumption.sql). The SQL that differs between DuckDB
  and BigQuery is dispatched (duckdb__ / bigquery__); the rest is written once on top of it.

  Everything is read from what the export itself says, never from per-model tables:
    - which line items are LLM line items: the service (llm_line_item);
    - the operation and the model: the SKU text (AWS usage type, Azure meter name, GCP SKU description);
    - the token count: the usage quantity times the scale of its unit ("1K tokens" x 1,000, "1M Tokens"
      x 1,000,000, "1000 count" x 1,000, "tokens" / "count" / "Units" x 1); an unknown unit gives NULL, not a guess.
  Regular expressions are RE2 on both warehouses; `(?i)` makes them case-insensitive on both.
-#}


{#- Does `expression` match the RE2 `pattern`? (the pattern must not contain a single quote) -#}
{% macro llm_regex_contains(expression, pattern) -%}{{ adapter.dispatch('llm_regex_contains', 'finops')(expression, pattern) }}{%- endmacro %}
{% macro duckdb__llm_regex_contains(expression, pattern) -%}regexp_matches({{ expression }}, '{{ pattern }}'){%- endmacro %}
{% macro bigquery__llm_regex_contains(expression, pattern) -%}regexp_contains({{ expression }}, r'{{ pattern }}'){%- endmacro %}


{#- The first capture group of `pattern` in `expression`; NULL when it does not match (or matches empty). -#}
{% macro llm_regex_group(expression, pattern) -%}{{ adapter.dispatch('llm_regex_group', 'finops')(expression, pattern) }}{%- endmacro %}
{% macro duckdb__llm_regex_group(expression, pattern) -%}nullif(regexp_extract({{ expression }}, '{{ pattern }}', 1), ''){%- endmacro %}
{% macro bigquery__llm_regex_group(expression, pattern) -%}nullif(regexp_extract({{ expression }}, r'{{ pattern }}'), ''){%- endmacro %}


{#- Whether an int_cost_focus row is an LLM / generative-AI usage line item: Amazon Bedrock (and models sold
    through it), Azure OpenAI (and Foundry Models), Google Vertex AI and the Gemini API. Only ChargeCategory
    'Usage': taxes, credits and purchases of these services are not per model and stay in the cost facts. -#}
{% macro llm_line_item() -%}
(
    ChargeCategory = 'Usage'
    and (
        (x_cost_source in ('aws_cur', 'aws_data_exports') and (
            x_service_code in ('AmazonBedrock', 'AmazonBedrockService')
            or lower(coalesce(ServiceName, '')) like '%amazon bedrock%'))
        or (x_cost_source = 'azure_focus' and (
            lower(coalesce(ServiceName, '')) like '%openai%'
            or lower(coalesce(x_sku_subcategory, '')) like '%openai%'
            or x_usage_type = 'Foundry Models'))
        or (x_cost_source = 'gcp_billing' and (
            ServiceName in ('Vertex AI', 'Gemini API')
            or x_service_code = 'C7E2-9256-1C43'))
    )
)
{%- endmacro %}


{#- The number of individual units one unit of `unit` stands for, as an integer: an optional leading count with
    an optional K / M / B multiplier, then nothing or a count word (tokens, count, units, images, requests,
    calls): "1K tokens" 1000, "1M Tokens" 1000000, "1000 count" 1000, "10K" 10000, "count" / "Tokens" 1.
    Anything else ("hour", "1 GB", "1K/Month") is not a count of things: NULL. -#}
{% macro llm_unit_scale(unit) -%}
{%- set tail = '\\s*(tokens?|count|units?|images?|requests?|calls?)?\\s*$' -%}
{%- set number -%}cast({{ finops.llm_regex_group(unit, '^\\s*([0-9]+)') }} as {{ dbt.type_bigint() }}){%- endset -%}
case
    when {{ unit }} is null then null
    when {{ finops.llm_regex_contains(unit, '(?i)^\\s*[0-9]+\\s*k' ~ tail) }} then {{ number }} * 1000
    when {{ finops.llm_regex_contains(unit, '(?i)^\\s*[0-9]+\\s*m' ~ tail) }} then {{ number }} * 1000000
    when {{ finops.llm_regex_contains(unit, '(?i)^\\s*[0-9]+\\s*b' ~ tail) }} then {{ number }} * 1000000000
    when {{ finops.llm_regex_contains(unit, '(?i)^\\s*[0-9]+' ~ tail) }} then {{ number }}
    when {{ finops.llm_regex_contains(unit, '(?i)^\\s*(tokens?|count|units?|images?|requests?|calls?)\\s*$') }} then 1
end
{%- endmacro %}


{#- The operation of an LLM line item from its SKU text, first match wins:
      other                capacity, not consumption (storage, provisioned throughput, hosting, training, tuning)
      images               image generation (T2I / I2I, Imagen, DALL-E, "... Images")
      cached_input_tokens  prompt tokens read from a cache (Bedrock cache-read, Azure "cached Inp", GCP "Caching")
      output_tokens        output / completion tokens ("output", Azure "Outp")
      input_tokens         input / prompt tokens ("input", Azure "Inp", Bedrock cache-write input tokens)
      other                anything else -#}
{% macro llm_operation(sku) -%}
case
    when {{ sku }} is null then 'other'
    when {{ finops.llm_regex_contains(sku, '(?i)(storage|provisioned|hosting|training|tuning)') }} then 'other'
    when {{ finops.llm_regex_contains(sku, '(?i)(\\bt2i\\b|\\bi2i\\b|imagen|dall-?e|image generation|\\bimages\\b)') }} then 'images'
    when {{ finops.llm_regex_contains(sku, '(?i)(cache-read|cache read|cached|caching)') }} then 'cached_input_tokens'
    when {{ finops.llm_regex_contains(sku, '(?i)(output|\\boutp\\b|completion)') }} then 'output_tokens'
    when {{ finops.llm_regex_contains(sku, '(?i)(input|\\binp\\b|prompt|cache-write)') }} then 'input_tokens'
    else 'other'
end
{%- endmacro %}


{#- The model as the SKU text names it: the text before the first direction / modality word, e.g.
      AWS    USE1-Claude3Sonnet-input-tokens                -> Claude3Sonnet  (region prefix dropped)
             USE1-Llama4-Maverick-17B-input-tokens-batch    -> Llama4-Maverick-17B
      Azure  gpt-4o-mini-0718-Inp-glbl Tokens               -> gpt-4o-mini-0718
      GCP    Gemini 2.5 Flash GA Text Input - Predictions   -> Gemini 2.5 Flash GA
    else the text before " - ", else the whole text; 'unknown' without a SKU. No renaming across clouds. -#}
{% macro llm_model(cost_source, sku) -%}
{%- set words = '(?i)^(.+?)[ -]+(?:(?:text|image|audio|video|thinking)[ -]+)*(?:input|inp|output|outp|out|cached|cache|batch|mantle|t2i|i2i|generation|predictions?)\\b' -%}
coalesce(
    {{ finops.llm_regex_group('case when ' ~ cost_source ~ " in ('aws_cur', 'aws_data_exports') then " ~ finops.llm_regex_group(sku, '^(?:[A-Z]{2,4}[0-9]?-)?(.+)$') ~ ' else ' ~ sku ~ ' end', words) }},
    {{ finops.llm_regex_group(sku, '^(.+?)(?:\\s+-\\s+.*)?$') }},
    'unknown'
)
{%- endmacro %}


{#- amount * 1000 / quantity as an exact decimal, truncated toward zero at 18 decimals (cost per 1,000 tokens);
    NULL when quantity is 0 or NULL. Never a float: DuckDB's `/` on DECIMAL returns DOUBLE, so DuckDB divides
    HUGEINT units (amount in 1e-18, quantity in 1e-6; exact while amount < 1e11); BigQuery divides BIGNUMERIC with
    DIV. -#}
{% macro llm_per_thousand(amount, quantity) -%}{{ adapter.dispatch('llm_per_thousand', 'finops')(amount, quantity) }}{%- endmacro %}

{% macro duckdb__llm_per_thousand(amount, quantity) -%}
{%- set a -%}cast({{ amount }} as decimal(38, 18)){%- endset -%}
{%- set q -%}cast({{ quantity }} as decimal(38, 18)){%- endset -%}
{%- set amount_units -%}(cast(trunc({{ a }}) as hugeint) * 1000000000000000000 + cast(({{ a }} - trunc({{ a }})) * 1000000000000000000 as hugeint)){%- endset -%}
{%- set quantity_units -%}(cast(trunc({{ q }}) as hugeint) * 1000000 + cast(trunc(({{ q }} - trunc({{ q }})) * 1000000) as hugeint)){%- endset -%}
{%- set ratio -%}({{ amount_units }} * 1000000000 // nullif({{ quantity_units }}, 0)){%- endset -%}
(cast({{ ratio }} // 1000000000000000000 as decimal(38, 18))
 + cast({{ ratio }} % 1000000000000000000 as decimal(38, 0)) * 0.000000000000000001)
{%- endmacro %}

{% macro bigquery__llm_per_thousand(amount, quantity) -%}
(div(cast({{ amount }} as bignumeric) * 1000 * 1000000000000000000, nullif(cast({{ quantity }} as bignumeric), 0)) / 1000000000000000000)
{%- endmacro %}


{#- Generic test: no two rows share the same values of `columns` (the model's grain). NULLs count as values. -#}
{% test llm_unique_grain(model, columns) %}
select {{ columns | join(', ') }}, count(*) as rows_in_grain
from {{ model }}
group by {{ columns | join(', ') }}
having count(*) > 1
{% endtest %}
