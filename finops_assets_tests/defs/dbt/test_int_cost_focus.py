"""The dbt layer on hand-made tricky line items: raw assets, then `dbt build` through Dagster, on real DuckDB.

Each expectation below is computed by hand from the rows written here, not by running the model's logic again.
"""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal

import dagster as dg
import pytest

from finops_assets.definitions import build_definitions
from finops_assets.defs.dbt.runs import build_models
from finops_assets.settings import load_settings
from finops_assets_tests.conftest import MONTH, materialize_month, query
from finops_assets_tests.cur_exports import CurExport
from finops_assets_tests.focus_exports import FocusExport, focus_rows
from finops_assets_tests.gcp_exports import gcp_rows, write_gcp_month

# Hand-made line items have real tenfold days: the cost anomaly WARN may report them (it never blocks).
ANOMALY_WARNING = "warn_service_daily_cost_anomaly"

AWS_COLUMNS = [
    ("identity", "LineItemId", "String"), ("bill", "BillingPeriodStartDate", "DateTime"),
    ("lineItem", "UsageAccountId", "String"), ("lineItem", "LineItemType", "String"),
    ("lineItem", "UsageStartDate", "DateTime"), ("lineItem", "UsageEndDate", "DateTime"),
    ("lineItem", "ProductCode", "String"), ("lineItem", "UsageAmount", "BigDecimal"),
    ("lineItem", "CurrencyCode", "String"), ("lineItem", "UnblendedCost", "BigDecimal"),
    ("pricing", "publicOnDemandCost", "OptionalBigDecimal"), ("pricing", "unit", "String"),
    ("product", "regionCode", "String"),
    ("reservation", "EffectiveCost", "OptionalBigDecimal"),
    ("reservation", "UnusedAmortizedUpfrontFeeForBillingPeriod", "OptionalBigDecimal"),
    ("reservation", "UnusedRecurringFee", "OptionalBigDecimal"),
    ("savingsPlan", "SavingsPlanEffectiveCost", "OptionalBigDecimal"),
    ("savingsPlan", "TotalCommitmentToDate", "OptionalBigDecimal"),
    ("savingsPlan", "UsedCommitment", "OptionalBigDecimal"),
    ("resourceTags", "user:Environment", "OptionalString"),
    ("resourceTags", "user:CostCenter", "OptionalString"),
]


def aws_row(line_id, line_type, unblended, *, ri_effective="", ri_unused_upfront="", ri_unused_recurring="",
            sp_effective="", sp_total="", sp_used="", env="production", cost_center="CC-1", on_demand=""):
    start = f"{MONTH:%Y-%m}-02T05:00:00.000Z"
    return [line_id, f"{MONTH:%Y-%m}-01T00:00:00.000Z", "111122223333", line_type, start, f"{MONTH:%Y-%m}-02T06:00:00.000Z",
            "AmazonEC2", "1", "USD", unblended, on_demand, "Hrs", "us-east-1", ri_effective, ri_unused_upfront,
            ri_unused_recurring, sp_effective, sp_total, sp_used, env, cost_center]


AWS_ROWS = [
    aws_row("usage", "Usage", "0.1000000001", on_demand="0.1000000001"),
    aws_row("ri-covered", "DiscountedUsage", "0", ri_effective="0.0612345678"),
    aws_row("ri-fee", "RIFee", "73.0000000000", ri_unused_upfront="1.25", ri_unused_recurring="0.0000000003"),
    aws_row("sp-covered", "SavingsPlanCoveredUsage", "0.2000000000", sp_effective="0.1400000001"),
    aws_row("sp-negation", "SavingsPlanNegation", "-0.2000000000"),
    aws_row("sp-fee", "SavingsPlanRecurringFee", "100", sp_total="100", sp_used="87.6543210987"),
    aws_row("tax", "Tax", "1.9999999999", env=""),
    aws_row("credit", "Credit", "-5.5", cost_center=""),
]
EXPECTED_AWS_EFFECTIVE = {
    "usage": Decimal("0.1000000001"),
    "ri-covered": Decimal("0.0612345678"),  # the RI's amortised rate, not the 0 unblended
    "ri-fee": Decimal("1.2500000003"),  # only the unused reservation; the used part is in ri-covered
    "sp-covered": Decimal("0.1400000001"),
    "sp-negation": Decimal("0"),
    "sp-fee": Decimal("12.3456789013"),  # unused commitment: 100 - 87.6543210987
    "tax": Decimal("1.9999999999"),
    "credit": Decimal("-5.5"),
}


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    root = tmp_path_factory.mktemp("dbt")
    landing, warehouse = root / "landing", root / "warehouse.duckdb"
    environ = {
        "FINOPS_LANDING_URL": str(landing), "FINOPS_DUCKDB_PATH": str(warehouse),
        "FINOPS_START_MONTH": "2024-01", "FINOPS_ENV": "local",
    }
    with pytest.MonkeyPatch.context() as patch:
        for key, value in environ.items():
            patch.setenv(key, value)  # the dbt subprocess reads the same contract
        CurExport(landing, MONTH, "asm-1", columns=AWS_COLUMNS, rows=AWS_ROWS, parts=1).write()
        azure = focus_rows(MONTH, 8)
        FocusExport(landing, MONTH, "run-1", rows=azure).write()
        write_gcp_month(landing, MONTH, gcp_rows(MONTH, 12), parts=1)
        settings = load_settings()
        defs = build_definitions(settings)
        for asset in ("aws_cur_raw", "azure_focus_raw", "gcp_billing_export"):
            materialize_month(defs, MONTH, asset=asset)
        result = build_models(defs, [MONTH], dg.DagsterInstance.ephemeral())
        yield settings, result, azure


def focus(settings, sql, params=None):
    return query(settings, sql.replace("FOCUS", "finops.int_cost_focus"), params)


def test_dbt_build_succeeds_and_its_tests_are_green_asset_checks(built):
    _, result, _ = built
    assert result.success
    checks = [e.event_specific_data for e in result.all_events if e.event_type_value == "ASSET_CHECK_EVALUATION"]
    assert checks and all(c.passed or c.check_name == ANOMALY_WARNING for c in checks)
    names = {c.check_name for c in checks}
    assert "assert_focus_billed_cost_reconciles_with_raw" in names
    assert any(n.startswith("accepted_values_int_cost_focus_ChargeCategory") for n in names)
    assert {e.asset_key.to_user_string() for e in result.get_asset_materialization_events() for e in [e.materialization]} >= {
        "stg_aws_cur", "stg_azure_focus", "stg_gcp_billing", "int_cost_focus"}


def test_billed_cost_per_cloud_equals_the_raw_totals_exactly(built):
    settings = built[0]
    focus_totals = dict(focus(settings, "SELECT x_cost_source, sum(BilledCost) FROM FOCUS GROUP BY 1"))
    raw = {
        "aws_cur": query(settings, "SELECT sum(line_item_unblended_cost) FROM billing_raw.aws_cur_raw")[0][0],
        "azure_focus": query(settings, "SELECT sum(billed_cost) FROM billing_raw.azure_focus_raw")[0][0],
        "gcp_billing": query(settings, "SELECT sum(cost) FROM billing_raw.gcp_billing_export")[0][0],
    }
    assert focus_totals == raw
    assert raw["aws_cur"] == sum((Decimal(r[9]) for r in AWS_ROWS), Decimal(0))


def test_aws_amortisation_matches_hand_computed_values(built):
    settings = built[0]
    rows = query(settings, "SELECT identity_line_item_id, line_item_line_item_type FROM billing_raw.aws_cur_raw")
    assert len(rows) == 8
    effective = {}
    for line_id, _ in rows:
        (value,) = focus(settings, f"SELECT EffectiveCost FROM FOCUS WHERE x_cost_source = 'aws_cur' AND ChargeDescription IS NULL AND x_charge_type = ?",
                         [dict(rows)[line_id]])[0]
        effective[line_id] = value
    assert effective == EXPECTED_AWS_EFFECTIVE
    (total,) = focus(settings, "SELECT sum(EffectiveCost) FROM FOCUS WHERE x_cost_source = 'aws_cur'")[0]
    assert total == sum(EXPECTED_AWS_EFFECTIVE.values())


def test_charge_categories_keep_tax_credits_and_purchases_apart(built):
    settings = built[0]
    categories = dict(focus(settings, "SELECT x_charge_type, ChargeCategory FROM FOCUS WHERE x_cost_source = 'aws_cur'"))
    assert categories == {
        "Usage": "Usage", "DiscountedUsage": "Usage", "SavingsPlanCoveredUsage": "Usage", "SavingsPlanNegation": "Usage",
        "RIFee": "Purchase", "SavingsPlanRecurringFee": "Purchase", "Tax": "Tax", "Credit": "Credit",
    }
    assert focus(settings, "SELECT DISTINCT BillingCurrency FROM FOCUS WHERE x_cost_source = 'azure_focus'") == [("EUR",)]


def test_gcp_effective_cost_is_cost_plus_credits(built):
    settings = built[0]
    rows = gcp_rows(MONTH, 12)
    cost = sum((Decimal(repr(r["cost"])) for r in rows), Decimal(0))
    credits = sum((Decimal(repr(c["amount"])) for r in rows for c in r["credits"]), Decimal(0))
    assert credits == Decimal("-0.000044")  # four rows with a -1.1e-05 credit
    assert focus(settings, "SELECT sum(BilledCost), sum(EffectiveCost) FROM FOCUS WHERE x_cost_source = 'gcp_billing'") == [
        (cost, cost + credits)
    ]


def test_tags_are_normalised_the_same_way_for_every_cloud(built):
    settings = built[0]
    aws = focus(settings, "SELECT Tags, x_environment, x_cost_center FROM FOCUS WHERE x_cost_source = 'aws_cur' AND x_charge_type = 'Usage'")[0]
    assert json.loads(aws[0]) == {"environment": "production", "cost_center": "CC-1"}  # user:CostCenter -> cost_center
    assert aws[1:] == ("production", "CC-1")
    assert focus(settings, "SELECT x_environment FROM FOCUS WHERE x_charge_type = 'Tax' AND x_cost_source = 'aws_cur'") == [("untagged",)]
    azure = focus(settings, "SELECT DISTINCT x_team FROM FOCUS WHERE x_cost_source = 'azure_focus' ORDER BY 1")
    assert azure == [("checkout",), ("untagged",)]  # the key was " team" (a stray space) in the export
    gcp = focus(settings, "SELECT DISTINCT x_team, x_app_service FROM FOCUS WHERE x_cost_source = 'gcp_billing' ORDER BY 2")
    assert gcp == [("search", "search-service"), ("search", "untagged")]  # team falls back to the project label
