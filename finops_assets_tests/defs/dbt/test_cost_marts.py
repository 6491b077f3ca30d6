"""Dimensions, fact_cost_hourly and its rollups on hand-made line items, built by `dbt build` through Dagster
on real DuckDB. Expected values are computed here by hand (Python Decimal), not by re-running the SQL."""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta
from decimal import ROUND_DOWN, Decimal

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

COLUMNS = [
    ("identity", "LineItemId", "String"), ("bill", "BillingPeriodStartDate", "DateTime"),
    ("bill", "BillingPeriodEndDate", "DateTime"), ("lineItem", "UsageAccountId", "String"),
    ("lineItem", "LineItemType", "String"), ("lineItem", "UsageStartDate", "DateTime"),
    ("lineItem", "UsageEndDate", "DateTime"), ("lineItem", "ProductCode", "String"),
    ("lineItem", "ResourceId", "String"), ("lineItem", "UsageAmount", "BigDecimal"),
    ("lineItem", "CurrencyCode", "String"), ("lineItem", "UnblendedCost", "BigDecimal"),
    ("pricing", "unit", "String"), ("product", "ProductName", "String"), ("product", "regionCode", "String"),
    ("product", "instanceType", "String"),
    ("resourceTags", "user:Service", "OptionalString"), ("resourceTags", "user:Environment", "OptionalString"),
]
EC2, S3 = ("AmazonEC2", "Amazon Elastic Compute Cloud"), ("AmazonS3", "Amazon Simple Storage Service")
VPC, TRANSFER = ("AmazonVPC", "Amazon Virtual Private Cloud"), ("AWSDataTransfer", "AWS Data Transfer")
RDS = ("AmazonRDS", "Amazon Relational Database Service")
NEXT = "2025-10-01T00:00:00.000Z"


def at(day: int, hour: int, minute: int = 0) -> str:
    return f"2025-09-{day:02d}T{hour:02d}:{minute:02d}:00.000Z"


def row(line_id, line_type, start, end, product, resource, amount, cost, unit, *, service="", env="", instance=""):
    return [line_id, at(1, 0), NEXT, "111122223333", line_type, start, end, product[0], resource, amount, "USD", cost,
            unit, product[1], "us-east-1", instance, service, env]


ROWS = [
    # three whole hours, 1 dollar: thirds do not divide exactly
    row("ec2-3h", "Usage", at(2, 0), at(2, 3), EC2, "i-abc", "3", "1", "Hrs", service="checkout-service", env="prod",
        instance="m5.large"),
    # 10:30 -> 13:15: 1800 s + 3600 s + 3600 s + 900 s of 9900 s
    row("ec2-partial", "Usage", at(3, 10, 30), at(3, 13, 15), EC2, "i-def", "2.75", "9.9", "Hrs",
        service="checkout-service", env="production", instance="c6g.xlarge"),
    # a monthly fee over the whole month (720 hours)
    row("ri-fee", "RIFee", at(1, 0), NEXT, EC2, "", "1", "100.0000000001", ""),
    # no duration: stays in its hour
    row("tax", "Tax", at(15, 7), at(15, 7), S3, "", "1", "0.0700000003", ""),
    # one hour of 2 GB-month of storage: 2 x 720 GB-hours
    row("s3", "Usage", at(6, 10), at(6, 11), S3, "bucket-a", "2", "0.046", "GB-Mo", service="search-service", env="stg"),
    # 4 September: an untagged NAT gateway (shared network pool), data transfer of two tagged services
    # (2 GB and 1 GB: the bytes driver), an untagged database (shared database pool, no query counts loaded)
    row("nat", "Usage", at(4, 5), at(4, 6), VPC, "nat-1", "1", "10", "Hrs"),
    row("dt-checkout", "Usage", at(4, 7), at(4, 8), TRANSFER, "", "2", "0.18", "GB", service="checkout-service", env="prod"),
    row("dt-search", "Usage", at(4, 7), at(4, 8), TRANSFER, "", "1", "0.09", "GB", service="search-service", env="prod"),
    row("db", "Usage", at(4, 9), at(4, 10), RDS, "db-1", "1", "5", "Hrs"),
]
MONTH_HOURS = 720
SCALE = Decimal("1e-18")


def md5(*parts: str) -> str:
    return hashlib.md5("|".join(parts).encode()).hexdigest()


def share(amount: Decimal, part: int, whole: int) -> Decimal:
    return (amount * part / whole).quantize(SCALE, rounding=ROUND_DOWN)


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    root = tmp_path_factory.mktemp("marts")
    landing, warehouse = root / "landing", root / "warehouse.duckdb"
    environ = {"FINOPS_LANDING_URL": str(landing), "FINOPS_DUCKDB_PATH": str(warehouse),
               "FINOPS_START_MONTH": "2024-01", "FINOPS_ENV": "local"}
    with pytest.MonkeyPatch.context() as patch:
        for key, value in environ.items():
            patch.setenv(key, value)
        CurExport(landing, MONTH, "asm-1", columns=COLUMNS, rows=ROWS, parts=1).write()
        FocusExport(landing, MONTH, "run-1", rows=focus_rows(MONTH, 8)).write()
        write_gcp_month(landing, MONTH, gcp_rows(MONTH, 12), parts=1)
        settings = load_settings()
        defs = build_definitions(settings)
        for asset in ("aws_cur_raw", "azure_focus_raw", "gcp_billing_export"):
            materialize_month(defs, MONTH, asset=asset)
        result = build_models(defs, [MONTH], dg.DagsterInstance.ephemeral())
        yield settings, result


def hourly_for(settings, resource_id: str, service: str) -> list[tuple]:
    return query(settings, """
        SELECT f.hour, f.total_cost, f.compute_hours, f.storage_gb_hours FROM finops.fact_cost_hourly f
        JOIN finops.dim_resource r USING (resource_key)
        WHERE r.resource_id = ? AND f.service_key = ? AND f.cloud_provider = 'aws' ORDER BY f.hour""",
        [resource_id, md5(service)])


def test_every_model_and_its_checks_pass(built):
    _, result = built
    assert result.success
    checks = [e.event_specific_data for e in result.all_events if e.event_type_value == "ASSET_CHECK_EVALUATION"]
    assert checks and all(c.passed or c.check_name == ANOMALY_WARNING for c in checks), [c.check_name for c in checks if not c.passed and c.check_name != ANOMALY_WARNING]
    names = {c.check_name for c in checks}
    assert {"assert_fact_cost_hourly_reconciles_with_focus", "assert_fact_cost_daily_reconciles_with_hourly",
            "assert_fact_cost_weekly_reconciles_with_hourly", "assert_fact_cost_monthly_reconciles_with_hourly",
            "assert_fact_cost_allocation_sums_exactly"} <= names
    materialized = {e.materialization.asset_key.to_user_string() for e in result.get_asset_materialization_events()}
    assert materialized >= {"dim_service", "dim_region", "dim_environment", "dim_resource", "dim_time", "region_geography",
                            "fact_cost_hourly", "fact_cost_daily", "fact_cost_weekly", "fact_cost_monthly",
                            "fact_cost_allocation"}


def test_three_whole_hours_put_the_rounding_remainder_in_the_first(built):
    third = Decimal("0.333333333333333333")
    start = datetime(2025, 9, 2)
    assert hourly_for(built[0], "i-abc", "checkout-service") == [
        (start, Decimal("0.333333333333333334"), Decimal(1), Decimal(0)),
        (start + timedelta(hours=1), third, Decimal(1), Decimal(0)),
        (start + timedelta(hours=2), third, Decimal(1), Decimal(0)),
    ]


def test_partial_hours_are_weighted_by_seconds(built):
    start = datetime(2025, 9, 3, 10)
    cost = [Decimal("1.8"), Decimal("3.6"), Decimal("3.6"), Decimal("0.9")]
    hours = [Decimal("0.5"), Decimal("1"), Decimal("1"), Decimal("0.25")]  # 2.75 compute hours by the same rule
    assert hourly_for(built[0], "i-def", "checkout-service") == [
        (start + timedelta(hours=i), cost[i], hours[i], Decimal(0)) for i in range(4)
    ]


def test_a_monthly_fee_spreads_over_every_hour_and_sums_exactly(built):
    settings = built[0]
    rows = query(settings, """
        SELECT hour, total_cost FROM finops.fact_cost_hourly
        WHERE service_key = ? AND resource_key = ? AND environment_key = ? ORDER BY hour""",
        [md5("aws/" + EC2[1]), md5("aws", "(none)"), md5("untagged")])
    amount = Decimal("100.0000000001")
    each = share(amount, 3600, MONTH_HOURS * 3600)
    assert each == Decimal("0.138888888889027777")
    assert len(rows) == MONTH_HOURS and rows[0][0] == datetime(2025, 9, 1) and rows[-1][0] == datetime(2025, 9, 30, 23)
    assert [r[1] for r in rows[1:]] == [each] * (MONTH_HOURS - 1)
    assert rows[0][1] == amount - (MONTH_HOURS - 1) * each == Decimal("0.138888888889028337")
    assert sum(r[1] for r in rows) == amount


def test_zero_duration_line_stays_in_its_hour_and_storage_becomes_gb_hours(built):
    settings = built[0]
    assert query(settings, """
        SELECT hour, total_cost FROM finops.fact_cost_hourly WHERE service_key = ? AND cloud_provider = 'aws'""",
        [md5("aws/" + S3[1])]) == [(datetime(2025, 9, 15, 7), Decimal("0.0700000003"))]
    assert hourly_for(settings, "bucket-a", "search-service") == [
        (datetime(2025, 9, 6, 10), Decimal("0.046"), Decimal(0), Decimal(2 * MONTH_HOURS))
    ]


def test_hourly_daily_weekly_monthly_and_raw_totals_are_equal(built):
    settings = built[0]
    totals = {
        table: dict(query(settings, f"SELECT cost_source, sum(total_cost) FROM finops.{table} GROUP BY 1"))
        for table in ("fact_cost_hourly", "fact_cost_daily", "fact_cost_weekly", "fact_cost_monthly")
    }
    raw = {
        "aws_cur": sum((Decimal(r[11]) for r in ROWS), Decimal(0)),
        "azure_focus": query(settings, "SELECT sum(billed_cost) FROM billing_raw.azure_focus_raw")[0][0],
        "gcp_billing": query(settings, "SELECT sum(cost) FROM billing_raw.gcp_billing_export")[0][0],
    }
    assert all(t == raw for t in totals.values()), totals
    effective = {t: query(settings, f"SELECT sum(effective_cost) FROM finops.{t}")[0][0] for t in totals}
    assert len(set(effective.values())) == 1
    assert effective["fact_cost_hourly"] == query(settings, "SELECT sum(EffectiveCost) FROM finops.int_cost_focus")[0][0]
    # the fee's 720 hours are 30 days, 5 ISO weeks (Mon 1 Sep .. Mon 29 Sep) and one month
    fee = [md5("aws/" + EC2[1]), md5("untagged")]
    counts = [query(settings, f"SELECT count(*) FROM finops.{t} WHERE service_key = ? AND environment_key = ?", fee)[0][0]
              for t in ("fact_cost_daily", "fact_cost_weekly", "fact_cost_monthly")]
    assert counts == [30, 5, 1]
    assert query(settings, "SELECT min(week_start) FROM finops.fact_cost_weekly")[0][0].isoformat() == "2025-09-01"


def test_weekly_and_monthly_rolled_from_daily_count_hours_as_the_hourly_fact(built):
    """The weekly and monthly rollups read fact_cost_daily: hours_with_cost is still the number of hourly rows (a
    sum of the daily counts, not a count of days), instance_count the most in any one hour."""
    settings = built[0]
    fee = [md5("aws/" + EC2[1]), md5("untagged")]
    weekly = query(settings, "SELECT week_start, hours_with_cost, line_item_hours FROM finops.fact_cost_weekly "
                             "WHERE service_key = ? AND environment_key = ? ORDER BY week_start", fee)
    # 1 Sep 2025 is a Monday: four whole weeks of 168 hours, then Mon 29 and Tue 30 Sep
    assert [(w.isoformat(), h, n) for w, h, n in weekly] == [
        ("2025-09-01", 168, 168), ("2025-09-08", 168, 168), ("2025-09-15", 168, 168), ("2025-09-22", 168, 168),
        ("2025-09-29", 48, 48)]
    assert query(settings, "SELECT hours_with_cost, line_item_hours FROM finops.fact_cost_monthly "
                           "WHERE service_key = ? AND environment_key = ?", fee) == [(720, 720)]
    grain = "billing_month, service_key, service_source, region_key, environment_key, resource_key, cloud_provider, billing_currency, cost_source"
    for table, period in (("fact_cost_weekly", "date_trunc('week', hour)::date AS week_start"),
                          ("fact_cost_monthly", "billing_month AS month")):
        from_hourly = (f"SELECT {period}, {grain}, max(instance_count), max(instance_type), count(*), sum(line_item_hours) "
                       f"FROM finops.fact_cost_hourly GROUP BY ALL")
        rolled = (f"SELECT {period.split(' AS ')[1]}, {grain}, instance_count, instance_type, hours_with_cost, line_item_hours "
                  f"FROM finops.{table}")
        assert query(settings, f"SELECT count(*) FROM finops.{table}")[0][0] > 0
        assert query(settings, f"SELECT count(*) FROM (({from_hourly}) EXCEPT ALL ({rolled}))")[0][0] == 0, table
        assert query(settings, f"SELECT count(*) FROM (({rolled}) EXCEPT ALL ({from_hourly}))")[0][0] == 0, table


def test_dimensions_have_stable_keys_and_documented_fallbacks(built):
    settings = built[0]
    services = dict(query(settings, "SELECT service_name, service_key FROM finops.dim_service"))
    assert services["checkout-service"] == md5("checkout-service")
    assert services["aws/Amazon Elastic Compute Cloud"] == md5("aws/Amazon Elastic Compute Cloud")  # untagged fallback
    assert query(settings, "SELECT service_source FROM finops.dim_service WHERE service_name = 'checkout-service'") == [("tag",)]
    environments = {r[0] for r in query(settings, "SELECT environment_name FROM finops.dim_environment")}
    assert {"production", "staging", "untagged"} <= environments and "prod" not in environments and "stg" not in environments
    assert query(settings, """SELECT region_key, region_name, continent, country FROM finops.dim_region
                              WHERE cloud_provider = 'aws' AND region_code = 'us-east-1'""") == [
        (md5("aws", "us-east-1"), "US East (N. Virginia)", "North America", "United States")]
    assert query(settings, "SELECT resource_key, resource_name FROM finops.dim_resource WHERE resource_id = 'i-abc'") == [
        (md5("aws", "i-abc"), "i-abc")]
    # Saturday 6 September 2025, 10:00 UTC: ISO week 36, Q3, a weekend morning
    assert query(settings, """SELECT time_key, date, hour, day_of_week, week_of_year, month, quarter, year, is_weekend,
                                     is_business_hours, time_of_day, shift
                              FROM finops.dim_time WHERE hour_start = TIMESTAMP '2025-09-06 10:00:00'""") == [
        (2025090610, datetime(2025, 9, 6).date(), 10, 6, 36, 9, 3, 2025, True, False, "morning", "day")]
    assert query(settings, "SELECT is_business_hours, shift FROM finops.dim_time WHERE time_key = 2025090809") == [(True, "day")]
    assert query(settings, "SELECT count(*) FROM finops.dim_time")[0][0] == MONTH_HOURS
    # every fact key is in its dimension
    for dim, key in (("dim_service", "service_key"), ("dim_region", "region_key"), ("dim_environment", "environment_key"),
                     ("dim_resource", "resource_key")):
        assert query(settings, f"SELECT count(*) FROM finops.fact_cost_hourly f ANTI JOIN finops.{dim} d USING ({key})") == [(0,)]


def test_shared_costs_are_allocated_by_bytes_or_evenly_and_sum_exactly(built):
    settings = built[0]
    rows = query(settings, """
        SELECT s.service_name, a.cost_pool, a.allocation_method, a.is_even_split, a.allocated_cost
        FROM finops.fact_cost_allocation a JOIN finops.dim_service s USING (service_key)
        WHERE a.date = DATE '2025-09-04' AND a.cloud_provider = 'aws' ORDER BY 2, 1""")
    fee_day = 24 * share(Decimal("100.0000000001"), 3600, MONTH_HOURS * 3600)  # the untagged monthly fee's day
    assert rows == [
        ("aws/Amazon Elastic Compute Cloud", "direct", "unattributed", False, fee_day),
        ("checkout-service", "direct", "tag", False, Decimal("0.18")),
        ("search-service", "direct", "tag", False, Decimal("0.09")),
        # 5 dollars, no query counts: split evenly, flagged
        ("checkout-service", "shared_database", "even_split", True, Decimal("2.5")),
        ("search-service", "shared_database", "even_split", True, Decimal("2.5")),
        # 10 dollars by bytes 2:1; the largest share takes the rounding remainder
        ("checkout-service", "shared_network", "bytes", False, Decimal("6.666666666666666667")),
        ("search-service", "shared_network", "bytes", False, Decimal("3.333333333333333333")),
    ]
    assert sum(r[4] for r in rows) == Decimal("15.27") + fee_day
    totals = query(settings, """SELECT (SELECT sum(total_cost) FROM finops.fact_cost_daily),
                                       (SELECT sum(allocated_cost) FROM finops.fact_cost_allocation)""")[0]
    assert totals[0] == totals[1]
    # days without any tagged service keep their pools where they are
    assert query(settings, """SELECT count(*) FROM finops.fact_cost_allocation
                              WHERE allocation_method = 'unallocated' AND cloud_provider = 'aws'""") == [(0,)]
