"""llm_consumption on hand-made LLM line items of the three clouds and on generated demo data: raw assets, then
`dbt build` through Dagster, on real DuckDB. Expected tokens, costs and costs per 1,000 tokens are computed here by
hand (Python Decimal) from the rows written, not by running the model's SQL again."""

from __future__ import annotations

import json
from datetime import date
from decimal import ROUND_DOWN, Decimal

import dagster as dg
import duckdb
import pytest

from finops_assets.defs.dbt.runs import build_models
from finops_assets.definitions import build_definitions
from finops_assets.demo.aws_cur import BEDROCK_USAGE, generate_aws_cur
from finops_assets.demo.azure_focus import OPENAI_METERS, generate_azure_focus
from finops_assets.demo.gcp_billing import VERTEX_SKUS, generate_gcp_billing
from finops_assets.settings import load_settings
from finops_assets_tests.conftest import MONTH, materialize_month, query
from finops_assets_tests.defs.dbt.inline import compile_inline
from finops_assets_tests.cur_exports import CurExport
from finops_assets_tests.focus_exports import FocusExport
from finops_assets_tests.gcp_exports import gcp_rows, write_gcp_month

MODELS = ["stg_aws_cur", "stg_azure_focus", "stg_gcp_billing", "int_cost_focus", "llm_consumption"]
RAW = ("aws_cur_raw", "azure_focus_raw", "gcp_billing_export")
SCALE = Decimal("1e-18")
MART_COLUMNS = """usage_date, cloud_provider, service_name, model, operation, customer_id, project_id, region_id,
    billing_currency, input_tokens, output_tokens, total_tokens, image_count, request_count, effective_cost, cost_usd,
    cost_per_1k_tokens"""


def per_1k(cost: Decimal | None, tokens: Decimal) -> Decimal | None:
    """cost * 1000 / tokens, truncated toward zero at 18 decimals; None without tokens or USD cost."""
    if cost is None or tokens == 0:
        return None
    return (cost * 1000 / tokens).quantize(SCALE, rounding=ROUND_DOWN)


def build(root, write_exports) -> tuple:
    """Write exports, load the month's raw assets, then `dbt build` every billing model in one run, as `make demo` does
    (a subset would let dbt's indirect selection run other marts' tests against tables not built)."""
    landing, warehouse = root / "landing", root / "warehouse.duckdb"
    environ = {"FINOPS_LANDING_URL": str(landing), "FINOPS_DUCKDB_PATH": str(warehouse),
               "FINOPS_START_MONTH": "2024-01", "FINOPS_ENV": "local"}
    with pytest.MonkeyPatch.context() as patch:
        for key, value in environ.items():
            patch.setenv(key, value)  # the dbt subprocess reads the same contract
        write_exports(landing)
        settings = load_settings()
        defs = build_definitions(settings)
        for asset in RAW:
            materialize_month(defs, MONTH, asset=asset)
        result = build_models(defs, [MONTH], dg.DagsterInstance.ephemeral())
    return settings, result


def check_results(result, asset: str = "llm_consumption") -> dict[str, bool]:
    """The asset checks (dbt tests) of `asset`: name -> passed."""
    return {e.event_specific_data.check_name: e.event_specific_data.passed
            for e in result.all_events if e.event_type_value == "ASSET_CHECK_EVALUATION"
            and e.event_specific_data.asset_key.to_user_string() == asset}


# --- hand-made line items -----------------------------------------------------------------------------------

AWS_COLUMNS = [
    ("identity", "LineItemId", "String"), ("bill", "BillingPeriodStartDate", "DateTime"),
    ("lineItem", "UsageAccountId", "String"), ("lineItem", "LineItemType", "String"),
    ("lineItem", "UsageStartDate", "DateTime"), ("lineItem", "UsageEndDate", "DateTime"),
    ("lineItem", "ProductCode", "String"), ("lineItem", "UsageType", "String"), ("lineItem", "Operation", "String"),
    ("lineItem", "UsageAmount", "BigDecimal"), ("lineItem", "CurrencyCode", "String"),
    ("lineItem", "UnblendedCost", "BigDecimal"), ("pricing", "unit", "String"), ("product", "ProductName", "String"),
    ("product", "regionCode", "String"),
    ("resourceTags", "user:CustomerId", "OptionalString"), ("resourceTags", "user:ProjectId", "OptionalString"),
]
BEDROCK = ("AmazonBedrock", "Amazon Bedrock")


def aws_row(line_id, usage_type, amount, cost, unit="1K tokens", *, line_type="Usage", product=BEDROCK,
            region="us-east-1", customer="cust-a", project="chatbot", day=2, hour=5):
    start = f"2025-09-{day:02d}T{hour:02d}:00:00.000Z"
    end = f"2025-09-{day:02d}T{hour + 1:02d}:00:00.000Z"
    return [line_id, "2025-09-01T00:00:00.000Z", "111122223333", line_type, start, end, product[0], usage_type,
            "InvokeModel", amount, "USD", cost, unit, product[1], region, customer, project]


AWS_ROWS = [
    aws_row("in-1", "USE1-Claude3Sonnet-input-tokens", "1.5", "0.0045"),  # 1,500 tokens at $0.003 / 1K
    aws_row("in-2", "USE1-Claude3Sonnet-input-tokens", "0.25", "0.00075", hour=6),  # same day and grain: summed
    aws_row("out", "USE1-Claude3Sonnet-output-tokens", "0.3", "0.0045"),
    aws_row("cache", "USE1-NovaPro-cache-read-input-token-count", "2", "0.0004"),
    aws_row("image", "USE1-NovaCanvas-T2I-1024-Standard", "3", "0.12", "Image"),
    aws_row("thirds", "USE1-Claude3Haiku-input-tokens", "0.003", "0.000001", customer="", project=""),
    aws_row("eu", "EUC1-Claude3Sonnet-input-tokens", "1", "0.003", region="eu-central-1", day=3),
    aws_row("tax", "Tax", "1", "0.5", "", line_type="Tax"),  # not usage: not an LLM line item
    aws_row("ec2", "USE1-BoxUsage:m5.large", "1", "0.1", "Hrs", product=("AmazonEC2", "Amazon Elastic Compute Cloud")),
]

AZURE_COLUMNS = [
    "BilledCost", "EffectiveCost", "BillingPeriodStart", "BillingPeriodEnd", "ChargePeriodStart", "ChargePeriodEnd",
    "ChargeCategory", "ServiceName", "RegionId", "SubAccountId", "BillingCurrency", "ConsumedQuantity", "ConsumedUnit",
    "x_SkuMeterCategory", "x_SkuMeterSubcategory", "x_SkuMeterName", "Tags",
]


def azure_row(meter, quantity, unit, cost, *, currency="USD", category="Usage", service="Azure AI Services",
              subcategory="Azure OpenAI"):
    return {
        "BilledCost": cost, "EffectiveCost": cost,
        "BillingPeriodStart": "2025-09-01 00:00:00", "BillingPeriodEnd": "2025-10-01 00:00:00",
        "ChargePeriodStart": "2025-09-04T00:00:00Z", "ChargePeriodEnd": "2025-09-05T00:00:00Z",
        "ChargeCategory": category, "ServiceName": service, "RegionId": "eastus", "SubAccountId": "sub-1",
        "BillingCurrency": currency, "ConsumedQuantity": quantity, "ConsumedUnit": unit,
        "x_SkuMeterCategory": "Cognitive Services", "x_SkuMeterSubcategory": subcategory, "x_SkuMeterName": meter,
        # keys as people write them: CustomerId and project_id both normalise
        "Tags": json.dumps({"CustomerId": "cust-b", "project_id": "search"}),
    }


AZURE_ROWS = [
    azure_row("gpt-4o-0806-Inp-glbl Tokens", "12.5", "1K Tokens", "0.03125"),  # 12,500 tokens
    azure_row("gpt-4o-mini-0718-Outp-glbl Tokens", "0.002", "1M Tokens", "0.0012"),  # 2,000 tokens
    azure_row("gpt 4o 0513 Input global Tokens", "700", "Tokens", "0.0035"),  # 700 tokens
    azure_row("gpt 4o 1120 cached Inp glbl Tokens", "10", "1K Tokens", "0.0125"),
    azure_row("gpt-4o-0806-Inp-glbl Tokens", "4", "1K Tokens", "0.01", currency="EUR"),  # no USD cost
    azure_row("", "", "", "0.2", category="Tax"),
    azure_row("D2s v5", "3", "Hours", "0.3", service="Virtual Machines", subcategory="Dv5 Series"),
]


VERTEX = ("C7E2-9256-1C43", "Vertex AI")


def gcp_row(template, sku, amount, cost, *, service=VERTEX, credit=None, cost_type="regular"):
    return {
        **template,
        "service": {"id": service[0], "description": service[1]},
        "sku": {"id": "SKU-" + sku[:6], "description": sku},
        "usage_start_time": "2025-09-05 10:00:00+00:00", "usage_end_time": "2025-09-05 11:00:00+00:00",
        "project": {**template["project"], "labels": [{"key": "project_id", "value": "rag"}]},
        "labels": [{"key": "customer_id", "value": "cust-c"}],
        "cost": cost,
        "usage": {"amount": amount, "unit": "count", "amount_in_pricing_units": amount / 1e6,
                  "pricing_unit": "1M tokens"},
        "credits": [] if credit is None else [{"name": "Promotion", "amount": credit, "full_name": None, "id": "p",
                                               "type": "PROMOTION"}],
        "cost_type": cost_type,
    }


GCP_TEMPLATE = gcp_rows(MONTH, 1)[0]
GCP_ROWS = [
    gcp_row(GCP_TEMPLATE, "Gemini 2.5 Flash GA Text Input - Predictions", 1500000.0, 0.45, credit=-0.05),
    gcp_row(GCP_TEMPLATE, "Gemini 2.5 Flash GA Text Output - Predictions", 200000.0, 0.5),
    gcp_row(GCP_TEMPLATE, "Gemini 2.5 Flash GA Text Output - Predictions", 1.0, 0.01, cost_type="tax"),
    gcp_row(GCP_TEMPLATE, "N2 Instance Core running in Americas", 3600.0, 0.03,
            service=("6F81-5844-456A", "Compute Engine")),
]


def expected(day, cloud, service, model, operation, customer, project, region, currency, input_tokens, output_tokens,
             images, requests, cost):
    cost, input_tokens, output_tokens = Decimal(cost), Decimal(input_tokens), Decimal(output_tokens)
    total = input_tokens + output_tokens
    usd = cost if currency == "USD" else None
    return (date(2025, 9, day), cloud, service, model, operation, customer, project, region, currency, input_tokens,
            output_tokens, total, Decimal(images), requests, cost, usd, per_1k(usd, total))


EXPECTED = sorted([
    expected(2, "aws", "Amazon Bedrock", "Claude3Sonnet", "input_tokens", "cust-a", "chatbot", "us-east-1", "USD",
             "1750", "0", "0", 2, "0.00525"),
    expected(2, "aws", "Amazon Bedrock", "Claude3Sonnet", "output_tokens", "cust-a", "chatbot", "us-east-1", "USD",
             "0", "300", "0", 1, "0.0045"),
    expected(2, "aws", "Amazon Bedrock", "NovaPro", "cached_input_tokens", "cust-a", "chatbot", "us-east-1", "USD",
             "2000", "0", "0", 1, "0.0004"),
    expected(2, "aws", "Amazon Bedrock", "NovaCanvas", "images", "cust-a", "chatbot", "us-east-1", "USD",
             "0", "0", "3", 1, "0.12"),
    expected(2, "aws", "Amazon Bedrock", "Claude3Haiku", "input_tokens", "untagged", "untagged", "us-east-1", "USD",
             "3", "0", "0", 1, "0.000001"),
    expected(3, "aws", "Amazon Bedrock", "Claude3Sonnet", "input_tokens", "cust-a", "chatbot", "eu-central-1", "USD",
             "1000", "0", "0", 1, "0.003"),
    expected(4, "azure", "Azure AI Services", "gpt-4o-0806", "input_tokens", "cust-b", "search", "eastus", "USD",
             "12500", "0", "0", 1, "0.03125"),
    expected(4, "azure", "Azure AI Services", "gpt-4o-mini-0718", "output_tokens", "cust-b", "search", "eastus", "USD",
             "0", "2000", "0", 1, "0.0012"),
    expected(4, "azure", "Azure AI Services", "gpt 4o 0513", "input_tokens", "cust-b", "search", "eastus", "USD",
             "700", "0", "0", 1, "0.0035"),
    expected(4, "azure", "Azure AI Services", "gpt 4o 1120", "cached_input_tokens", "cust-b", "search", "eastus", "USD",
             "10000", "0", "0", 1, "0.0125"),
    expected(4, "azure", "Azure AI Services", "gpt-4o-0806", "input_tokens", "cust-b", "search", "eastus", "EUR",
             "4000", "0", "0", 1, "0.01"),
    expected(5, "gcp", "Vertex AI", "Gemini 2.5 Flash GA", "input_tokens", "cust-c", "rag", "us-central1", "USD",
             "1500000", "0", "0", 1, "0.40"),  # 0.45 cost + -0.05 credit
    expected(5, "gcp", "Vertex AI", "Gemini 2.5 Flash GA", "output_tokens", "cust-c", "rag", "us-central1", "USD",
             "0", "200000", "0", 1, "0.5"),
], key=lambda r: (r[1], r[0], r[3], r[4], r[8]))


@pytest.fixture(scope="module")
def hand_made(tmp_path_factory):
    def write(landing):
        CurExport(landing, MONTH, "asm-1", columns=AWS_COLUMNS, rows=AWS_ROWS, parts=1).write()
        FocusExport(landing, MONTH, "run-1", rows=AZURE_ROWS, columns=AZURE_COLUMNS, file_format="Csv",
                    compression="Gzip", parts=1).write()
        write_gcp_month(landing, MONTH, GCP_ROWS, parts=1)

    return build(tmp_path_factory.mktemp("llm"), write)


def test_dbt_build_succeeds_and_the_llm_checks_are_green(hand_made):
    _, result = hand_made
    assert result.success
    checks = check_results(result)
    assert checks and all(checks.values()), [name for name, passed in checks.items() if not passed]
    assert any(name.startswith("llm_unique_grain_llm_consumption") for name in checks)
    assert any(name.startswith("accepted_values_llm_consumption_operation") for name in checks)
    assert "not_null_llm_consumption" in checks  # every column's not-null check, the token counts included
    materialized = {e.materialization.asset_key.to_user_string() for e in result.get_asset_materialization_events()}
    assert materialized >= set(MODELS)


def test_tokens_costs_and_cost_per_1k_match_the_hand_computed_rows(hand_made):
    settings, _ = hand_made
    rows = query(settings, f"""SELECT {MART_COLUMNS} FROM finops.llm_consumption
                               ORDER BY cloud_provider, usage_date, model, operation, billing_currency""")
    assert rows == EXPECTED
    assert query(settings, "SELECT DISTINCT billing_month FROM finops.llm_consumption") == [(MONTH,)]


def test_cost_per_1k_is_exact_where_the_division_does_not_terminate(hand_made):
    settings, _ = hand_made
    ((haiku,),) = query(settings, "SELECT cost_per_1k_tokens FROM finops.llm_consumption WHERE model = 'Claude3Haiku'")
    assert haiku == Decimal("0.000333333333333333")  # $0.000001 for 3 tokens, truncated at 18 decimals
    ((gemini,),) = query(settings, """SELECT cost_per_1k_tokens FROM finops.llm_consumption
                                       WHERE cloud_provider = 'gcp' AND operation = 'input_tokens'""")
    assert gemini == Decimal("0.000266666666666666")  # (0.45 - 0.05) * 1000 / 1,500,000
    types = dict(query(settings, """SELECT column_name, data_type FROM information_schema.columns
                                     WHERE table_schema = 'finops' AND table_name = 'llm_consumption'"""))
    money = ("cost_per_1k_tokens", "cost_usd", "effective_cost", "total_tokens")
    assert {types[c] for c in money} == {"DECIMAL(38,18)"}  # never DOUBLE


def test_images_and_non_usd_rows_carry_no_cost_per_1k(hand_made):
    settings, _ = hand_made
    assert query(settings, """SELECT image_count, total_tokens, cost_usd, cost_per_1k_tokens
                              FROM finops.llm_consumption WHERE operation = 'images'""") == [
        (Decimal(3), Decimal(0), Decimal("0.12"), None)]
    assert query(settings, """SELECT effective_cost, cost_usd, cost_per_1k_tokens FROM finops.llm_consumption
                              WHERE billing_currency = 'EUR'""") == [(Decimal("0.01"), None, None)]


def test_only_llm_usage_line_items_are_counted(hand_made):
    settings, _ = hand_made
    totals = {(cloud, currency): total for cloud, currency, total in query(settings, """
        SELECT cloud_provider, billing_currency, sum(effective_cost) FROM finops.llm_consumption GROUP BY 1, 2""")}
    aws = sum((Decimal(r[11]) for r in AWS_ROWS[:7]), Decimal(0))  # everything but the tax and the EC2 line
    azure = sum((Decimal(r["BilledCost"]) for r in AZURE_ROWS[:4]), Decimal(0))
    assert totals == {("aws", "USD"): aws, ("azure", "USD"): azure, ("azure", "EUR"): Decimal("0.01"),
                      ("gcp", "USD"): Decimal("0.45") - Decimal("0.05") + Decimal("0.5")}
    # 7 AWS, 5 Azure and 2 GCP line items
    requests = query(settings, "SELECT sum(request_count) FROM finops.llm_consumption")[0][0]
    assert requests == sum(r[13] for r in EXPECTED) == 14


UNITS_SQL = """select u, {{ finops.llm_unit_scale('u') }} as scale from (values
    ('1K tokens'), ('1M Tokens'), ('1000 count'), ('1000000'), ('count'), ('Tokens'), ('10K'), (' 1k '), ('Image'),
    ('hour'), ('1 MB'), ('1K/Month'), ('1 Hour'), (null)) as t(u)"""
SKUS_SQL = """select s, k, {{ finops.llm_model('s', 'k') }} as model, {{ finops.llm_operation('k') }} as operation
from (values
    ('aws_cur', 'USE1-Llama4-Maverick-17B-input-tokens-batch'),
    ('aws_cur', 'USE1-GPT-OSS-Safeguard-20B-output-tokens-priority'),
    ('aws_cur', 'USE1-Claude4Sonnet-cache-write-input-token-count-cross-region-global'),
    ('aws_cur', 'USE1-openai.gpt-oss-120b-mantle-input-tokens-standard'),
    ('azure_focus', 'gpt-4-8K-Batch-Inp-glbl Tokens'),
    ('gcp_billing', 'Gemini 2.5 Flash GA Input Text Caching'),
    ('gcp_billing', 'Gemini 2.5 Flash Text Input Caching Storage'),
    ('gcp_billing', null)) as t(s, k)"""


def test_units_models_and_operations_of_other_real_sku_shapes(tmp_path):
    scales = dict(duckdb.sql(compile_inline(UNITS_SQL, tmp_path)).fetchall())
    assert scales == {
        "1K tokens": 1000, "1M Tokens": 1000000, "1000 count": 1000, "1000000": 1000000, "count": 1, "Tokens": 1,
        "10K": 10000, " 1k ": 1000, "Image": 1,
        "hour": None, "1 MB": None, "1K/Month": None, "1 Hour": None, None: None,  # not counts: never guessed
    }
    parsed = {k: (model, operation)
              for _, k, model, operation in duckdb.sql(compile_inline(SKUS_SQL, tmp_path)).fetchall()}
    assert parsed == {
        "USE1-Llama4-Maverick-17B-input-tokens-batch": ("Llama4-Maverick-17B", "input_tokens"),
        "USE1-GPT-OSS-Safeguard-20B-output-tokens-priority": ("GPT-OSS-Safeguard-20B", "output_tokens"),
        "USE1-Claude4Sonnet-cache-write-input-token-count-cross-region-global": ("Claude4Sonnet", "input_tokens"),
        "USE1-openai.gpt-oss-120b-mantle-input-tokens-standard": ("openai.gpt-oss-120b", "input_tokens"),
        "gpt-4-8K-Batch-Inp-glbl Tokens": ("gpt-4-8K", "input_tokens"),
        "Gemini 2.5 Flash GA Input Text Caching": ("Gemini 2.5 Flash GA", "cached_input_tokens"),
        "Gemini 2.5 Flash Text Input Caching Storage": ("Gemini 2.5 Flash", "other"),
        None: ("unknown", "other"),
    }


# --- generated demo data ------------------------------------------------------------------------------------

DEMO_ROWS = 3000


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    def write(landing):
        generate_aws_cur(landing, [MONTH], DEMO_ROWS, seed=5, restated_months=0, parts_per_month=1)
        generate_azure_focus(landing, [MONTH], DEMO_ROWS, seed=5, rerun_months=0)
        generate_gcp_billing(landing, [MONTH], DEMO_ROWS, seed=5, parts=1)

    return build(tmp_path_factory.mktemp("llm_demo"), write)


# The LLM line items, written out independently of macros/llm.sql.
DEMO_LLM_LINES = """
    SELECT CASE x_cost_source WHEN 'aws_cur' THEN 'aws' WHEN 'azure_focus' THEN 'azure' ELSE 'gcp' END AS cloud,
           BilledCost, EffectiveCost
    FROM finops.int_cost_focus
    WHERE ChargeCategory = 'Usage'
      AND ServiceName IN ('Amazon Bedrock', 'Azure OpenAI Service', 'Vertex AI')"""


def test_demo_build_is_green_and_has_every_cloud(demo):
    settings, result = demo
    assert result.success
    checks = check_results(result)
    assert checks and all(checks.values()), [name for name, passed in checks.items() if not passed]
    rows = query(settings, """SELECT cloud_provider, count(*), sum(total_tokens), count(DISTINCT model),
                                     count(DISTINCT customer_id) FROM finops.llm_consumption GROUP BY 1 ORDER BY 1""")
    assert [r[0] for r in rows] == ["aws", "azure", "gcp"]
    # four customers and 'untagged' on every cloud
    assert all(count > 10 and tokens > 0 and models >= 2 and customers == 5
               for _, count, tokens, models, customers in rows)
    operations = {r[0] for r in query(settings, "SELECT DISTINCT operation FROM finops.llm_consumption")}
    assert operations == {"input_tokens", "cached_input_tokens", "output_tokens", "images"}


def test_demo_cost_total_equals_the_llm_line_items_of_int_cost_focus(demo):
    settings, _ = demo
    focus = dict(query(settings, f"SELECT cloud, sum(EffectiveCost) FROM ({DEMO_LLM_LINES}) GROUP BY 1"))
    mart = dict(query(settings, "SELECT cloud_provider, sum(effective_cost) FROM finops.llm_consumption GROUP BY 1"))
    assert mart == focus and set(mart) == {"aws", "azure", "gcp"}
    assert query(settings, f"SELECT count(*) FROM ({DEMO_LLM_LINES})") == query(
        settings, "SELECT sum(request_count) FROM finops.llm_consumption")


def test_demo_tokens_match_the_raw_exports(demo):
    """Tokens read from the raw tables with the demo's own units (thousands of tokens in CUR, 1K / 1M blocks in
    Azure, a count in GCP), not through the model's unit parser."""
    settings, _ = demo
    raw = {
        "aws": query(settings, """SELECT sum(line_item_usage_amount) * 1000 FROM billing_raw.aws_cur_raw
                                  WHERE line_item_product_code = 'AmazonBedrock' AND line_item_line_item_type = 'Usage'
                                    AND pricing_unit = '1K tokens'""")[0][0],
        "azure": query(settings, """SELECT sum(consumed_quantity * CASE consumed_unit WHEN '1K Tokens' THEN 1000
                                                                              WHEN '1M Tokens' THEN 1000000 END)
                                    FROM billing_raw.azure_focus_raw
                                    WHERE service_name = 'Azure OpenAI Service' AND charge_category = 'Usage'""")[0][0],
        "gcp": query(settings, """SELECT sum(usage.amount) FROM billing_raw.gcp_billing_export
                                  WHERE service.description = 'Vertex AI' AND cost_type = 'regular'""")[0][0],
    }
    mart = dict(query(settings, "SELECT cloud_provider, sum(total_tokens) FROM finops.llm_consumption GROUP BY 1"))
    assert mart == raw
    images = query(settings, """SELECT sum(line_item_usage_amount) FROM billing_raw.aws_cur_raw
                                WHERE line_item_product_code = 'AmazonBedrock' AND line_item_line_item_type = 'Usage'
                                  AND pricing_unit = 'Image'""")[0][0]
    assert query(settings, "SELECT sum(image_count) FROM finops.llm_consumption")[0][0] == images > 0


def test_demo_cost_per_1k_matches_cost_over_tokens_and_the_price_lists(demo):
    settings, _ = demo
    rows = query(settings, """SELECT cloud_provider, model, operation, billed_cost, cost_usd, total_tokens,
                                     cost_per_1k_tokens FROM finops.llm_consumption""")
    assert all(per_1k(usd, tokens) == cost_per_1k for _, _, _, _, usd, tokens, cost_per_1k in rows)
    assert sum(1 for r in rows if r[6] is not None) > 30
    # billed cost per 1,000 tokens is the generator's list price, exactly, for every model and direction
    billed = {}
    for cloud, model, operation, cost, _, tokens, _ in rows:
        if tokens:
            billed.setdefault((cloud, model, operation), set()).add(cost * 1000 / tokens)
    aws = {key: values for key, values in billed.items() if key[0] == "aws"}
    token_types = {"input-tokens": "input_tokens", "output-tokens": "output_tokens",
                   "cache-read-input-token-count": "cached_input_tokens"}
    assert aws == {
        ("aws", usage_type.split("-", 1)[0], token_types[usage_type.split("-", 1)[1]]): {Decimal(rate) / 10**7}
        for usage_type, unit, rate in BEDROCK_USAGE if unit == "1K tokens"  # 1e-7 USD per 1K tokens
    }
    azure = {key: values for key, values in billed.items() if key[0] == "azure"}
    assert azure == {
        ("azure", meter.split("-Inp")[0].split("-Outp")[0].split(" cached")[0],
         "cached_input_tokens" if "cached" in meter else "output_tokens" if "Outp" in meter else "input_tokens"):
        {Decimal(price) / 10**8}  # 1e-11 USD a token -> USD per 1,000 tokens
        for meter, _, price in OPENAI_METERS
    }
    gcp = {key: values for key, values in billed.items() if key[0] == "gcp"}
    assert gcp == {
        ("gcp", sku.split(" Text")[0].split(" Input")[0],
         "cached_input_tokens" if "Caching" in sku else "output_tokens" if "Output" in sku else "input_tokens"):
        {Decimal(price) / 10**6}  # 1e-9 USD a token -> USD per 1,000 tokens
        for _, sku, price in VERTEX_SKUS
    }
