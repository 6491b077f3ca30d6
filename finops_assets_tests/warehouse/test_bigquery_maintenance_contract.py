"""Contract test: mart retention, snapshots and restore (`BigQueryMartMaintenance`) against real BigQuery.

Runs only when FINOPS_BQ_TEST_PROJECT is set and Application Default Credentials are available (see README,
"BigQuery contract test"); skipped otherwise. It creates a throw-away dataset `finops_contract_<random>` (and its
`_snapshots` sibling) and deletes both afterwards. Dates are relative to today: BigQuery applies partition
expiration against the real clock.
"""

from __future__ import annotations

import os
import uuid
from datetime import datetime, time, timedelta, timezone
from decimal import Decimal

import pytest

from finops_assets.defs.retention.policies import RetentionPolicy
from finops_assets.warehouse.bigquery_maintenance import BigQueryMartMaintenance

PROJECT = os.environ.get("FINOPS_BQ_TEST_PROJECT")

pytestmark = [
    pytest.mark.bigquery_contract,
    pytest.mark.skipif(not PROJECT, reason="set FINOPS_BQ_TEST_PROJECT to run against real BigQuery"),
]


@pytest.fixture
def marts():
    from dagster_gcp import BigQueryResource
    from google.cloud import bigquery

    from finops_assets.warehouse.bigquery_resource import FinopsBigQueryResource

    dataset = f"finops_contract_{uuid.uuid4().hex[:10]}"
    client = bigquery.Client(project=PROJECT)
    client.create_dataset(f"{PROJECT}.{dataset}")
    maintenance = BigQueryMartMaintenance(bigquery=FinopsBigQueryResource(bigquery=BigQueryResource(project=PROJECT)), dataset=dataset)
    yield client, dataset, maintenance
    for name in (dataset, maintenance.snapshot_dataset):
        client.delete_dataset(f"{PROJECT}.{name}", delete_contents=True, not_found_ok=True)


def test_retention_deletes_exactly_the_days_before_the_cutoff_and_sets_partition_expiration(marts):
    client, dataset, maintenance = marts
    today = datetime.now(timezone.utc).date()
    policy = RetentionPolicy("fact_cost_hourly", "hour", 90)
    cutoff = policy.cutoff(today)
    table = f"`{PROJECT}.{dataset}.fact_cost_hourly`"
    client.query(f"CREATE TABLE {table} (billing_month DATE, hour TIMESTAMP, total_cost BIGNUMERIC) "
                 "PARTITION BY DATE_TRUNC(billing_month, MONTH)").result()
    hours = [datetime.combine(day, time(hour), timezone.utc)
             for day, hour in ((cutoff - timedelta(days=1), 23), (cutoff, 0), (cutoff, 13), (today, 0))]
    client.query(f"INSERT INTO {table} VALUES " + ", ".join(
        f"(DATE '{h:%Y-%m}-01', TIMESTAMP '{h:%Y-%m-%d %H}:00:00+00', BIGNUMERIC '0.000000000000000001')" for h in hours
    )).result()

    expired = maintenance.expire(policy, today)

    assert expired.built and expired.cutoff == cutoff
    # The day before the cutoff is removed by the DELETE, or (if its month already lies wholly outside the window)
    # by the partition expiration just set; either way nothing inside the window is touched.
    assert expired.removed in (((cutoff - timedelta(days=1), 1),), ())
    assert [row[0] for row in client.query(f"SELECT hour FROM {table} ORDER BY hour").result()] == hours[1:]
    assert client.get_table(f"{PROJECT}.{dataset}.fact_cost_hourly").time_partitioning.expiration_ms == (90 + 31) * 86_400_000
    assert maintenance.expire(RetentionPolicy("fact_performance_requests", "date", 90), today).built is False


def contents(client, table: str) -> tuple[list, list]:
    schema = [(f.name, f.field_type) for f in client.get_table(table).schema]
    rows = [tuple(row.values()) for row in client.query(f"SELECT * FROM `{table}` ORDER BY 1, 2").result()]
    return schema, rows


def test_snapshot_then_restore_gives_identical_tables(marts):
    client, dataset, maintenance = marts
    today = datetime.now(timezone.utc).date()
    fact, dim, other = (f"{PROJECT}.{dataset}.{t}" for t in ("fact_cost_daily", "dim_service", "int_cost_keyed"))
    client.query(
        f"CREATE TABLE `{fact}` PARTITION BY DATE_TRUNC(date, MONTH) AS SELECT * FROM UNNEST(["
        "STRUCT(DATE '2026-10-30' AS date, 'svc-a' AS service_key, BIGNUMERIC '12.345678901234567891' AS total_cost), "
        "(DATE '2026-11-02', 'svc-b', BIGNUMERIC '0.000000000000000001')])"
    ).result()
    client.query(f"CREATE TABLE `{dim}` AS SELECT 'svc-a' AS service_key, 'checkout' AS service_name "
                 "UNION ALL SELECT 'svc-b', 'search'").result()
    client.query(f"CREATE TABLE `{other}` AS SELECT 1 AS x").result()
    before = {t: contents(client, t) for t in (fact, dim)}
    assert before[fact][1][0][2] == Decimal("12.345678901234567891")

    snapshots = maintenance.snapshot(today)

    assert [s.table for s in snapshots] == ["dim_service", "fact_cost_daily"]  # fact_ and dim_ tables only
    now = datetime.now(timezone.utc)
    for table in ("dim_service", "fact_cost_daily"):
        snapshot = client.get_table(f"{PROJECT}.{maintenance.snapshot_dataset}.{table}__{today:%Y%m%d}")
        assert snapshot.table_type == "SNAPSHOT"
        assert now + timedelta(days=89) < snapshot.expires < now + timedelta(days=91)

    client.query(f"DELETE FROM `{fact}` WHERE service_key = 'svc-a'").result()
    client.query(f"DROP TABLE `{dim}`").result()
    restored = maintenance.restore(today)

    assert sorted(s.table for s in restored) == ["dim_service", "fact_cost_daily"]
    assert {t: contents(client, t) for t in (fact, dim)} == before
