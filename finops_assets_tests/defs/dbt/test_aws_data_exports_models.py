"""stg_aws_data_exports and int_cost_focus on real CUR v1 and CUR 2.0 months: the double-count rule, map tags and
product attributes, and the exact reconciliation with the raw tables. One dbt run of the staging models and
int_cost_focus (with the tests they can run: dbt's `buildable` indirect selection leaves out the marts' tests)
through Dagster, on real DuckDB; expectations are computed from the rows written.
"""

from __future__ import annotations

import json
from decimal import Decimal

import dagster as dg
import pytest
from dagster._core.storage.tags import ASSET_PARTITION_RANGE_END_TAG, ASSET_PARTITION_RANGE_START_TAG

from finops_assets.definitions import build_definitions
from finops_assets.settings import load_settings
from finops_assets_tests.conftest import MONTH, materialize_month, query
from finops_assets_tests.cur_exports import BASE_COLUMNS, CurExport, exact_total as cur_total, sample_rows as cur_rows
from finops_assets_tests.data_exports import DataExport, exact_total as cur2_total, sample_rows as cur2_rows
from finops_assets_tests.focus_exports import FocusExport, focus_rows
from finops_assets_tests.gcp_exports import gcp_rows, write_gcp_month

MIGRATED = "123456789012"  # this payer's month arrives as CUR v1 and as Data Exports
CUR_ONLY = "999988887777"
COST = 9  # lineItem/UnblendedCost in cur_exports.BASE_COLUMNS
MODELS = ["stg_aws_cur", "stg_aws_data_exports", "stg_azure_focus", "stg_gcp_billing", "int_cost_focus"]


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    root = tmp_path_factory.mktemp("dbt_cur2")
    landing = root / "landing"
    environ = {"FINOPS_LANDING_URL": str(landing), "FINOPS_DUCKDB_PATH": str(root / "warehouse.duckdb"),
               "FINOPS_START_MONTH": "2024-01", "FINOPS_ENV": "local", "DBT_INDIRECT_SELECTION": "buildable"}
    cur = cur_rows(MONTH, 12)
    for i, row in enumerate(cur):
        row[3] = MIGRATED if i % 2 else CUR_ONLY
        row[COST] = row[COST] or "0"  # stg_aws_cur tests unblended_cost not null
        row.append("USD")
    cur2 = cur2_rows(MONTH, 10, payer=MIGRATED)
    with pytest.MonkeyPatch.context() as patch:
        for key, value in environ.items():
            patch.setenv(key, value)
        CurExport(landing, MONTH, "asm-1", columns=[*BASE_COLUMNS, ("lineItem", "CurrencyCode", "String")], rows=cur, parts=1).write()
        DataExport(landing, MONTH, "exec-1", cur2, parts=1).write()
        FocusExport(landing, MONTH, "run-1", rows=focus_rows(MONTH, 4)).write()
        write_gcp_month(landing, MONTH, gcp_rows(MONTH, 4), parts=1)
        settings = load_settings()
        defs = build_definitions(settings)
        for asset in ("aws_cur_raw", "aws_data_exports_raw", "azure_focus_raw", "gcp_billing_export"):
            materialize_month(defs, MONTH, asset=asset)
        tags = {ASSET_PARTITION_RANGE_START_TAG: MONTH.isoformat(), ASSET_PARTITION_RANGE_END_TAG: MONTH.isoformat()}
        result = defs.resolve_implicit_global_asset_job_def().execute_in_process(
            instance=dg.DagsterInstance.ephemeral(), asset_selection=[dg.AssetKey(m) for m in MODELS], tags=tags,
            raise_on_error=False,
        )
        yield settings, result, cur, cur2


def focus(settings, sql, params=None):
    return query(settings, sql.replace("FOCUS", "finops.int_cost_focus"), params)


def test_models_build_and_the_reconciliation_check_passes(built):
    _, result, _, _ = built
    assert result.success
    checks = {e.event_specific_data.check_name: e.event_specific_data.passed
              for e in result.all_events if e.event_type_value == "ASSET_CHECK_EVALUATION"}
    assert checks["assert_focus_billed_cost_reconciles_with_raw"] is True
    assert all(checks.values()), checks


def test_data_exports_win_the_payer_months_they_deliver(built):
    settings, _, cur, cur2 = built
    totals = dict(focus(settings, "SELECT x_cost_source, sum(BilledCost) FROM FOCUS WHERE x_cost_source LIKE 'aws%' GROUP BY 1"))
    assert totals == {
        "aws_cur": cur_total([r for r in cur if r[3] == CUR_ONLY], COST),  # the migrated payer's CUR v1 rows are left out
        "aws_data_exports": cur2_total(cur2),
    }
    assert focus(settings, "SELECT DISTINCT SubAccountId FROM FOCUS WHERE x_cost_source = 'aws_data_exports'") == [("111122223333",)]
    assert query(settings, "SELECT count(*) FROM billing_raw.aws_cur_raw WHERE bill_payer_account_id = ?", [MIGRATED]) == [(6,)]


def test_map_tags_and_product_attributes_follow_the_shared_rules(built):
    settings = built[0]
    rows = focus(settings, """SELECT Tags, x_team, x_environment, ServiceName, RegionId, ChargeCategory, EffectiveCost
                              FROM FOCUS WHERE x_cost_source = 'aws_data_exports' ORDER BY ChargePeriodStart""")
    tags, team, environment, service, region, _, _ = rows[0]
    assert json.loads(tags) == {"team": "platform", "environment": "prod"}  # user_team -> team
    assert (team, environment) == ("platform", "prod")  # the tag values as written (dim_environment maps prod)
    assert (service, region) == ("Amazon Elastic Compute Cloud", "eu-west-1")  # from the product map
    assert {r[2] for r in rows if r[0] == "{}"} == {"untagged"}
    # the same FOCUS rules as CUR v1: DiscountedUsage without a reservation cost amortises to 0, tax stays tax
    categories = {(r[5], r[6] == 0) for r in rows}
    assert ("Tax", False) in categories and ("Usage", True) in categories
    assert sum((r[6] for r in rows), Decimal(0)) == sum(
        (Decimal(repr(r["line_item_unblended_cost"])) for r in built[3] if r["line_item_line_item_type"] != "DiscountedUsage"), Decimal(0)
    )
