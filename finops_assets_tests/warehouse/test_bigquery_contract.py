"""Contract test: the same raw loads (`aws_cur_raw`, `azure_focus_raw`, `gcp_billing_export`, `aws_data_exports_raw`)
against real GCS and BigQuery.

Runs only when FINOPS_BQ_TEST_PROJECT and FINOPS_BQ_TEST_BUCKET are set and Application Default
Credentials are available (see README, "BigQuery contract test"); skipped otherwise. It creates a
throw-away dataset `finops_contract_<random>` and a prefix in the bucket, and deletes both afterwards.
"""

from __future__ import annotations

import os
import uuid
from datetime import date
from decimal import Decimal

import pytest

from finops_assets.definitions import build_definitions
from finops_assets.settings import Settings
from finops_assets_tests.conftest import MONTH, materialize_month, output_metadata
from finops_assets_tests.cur_exports import BASE_COLUMNS, CurExport, exact_total, sample_rows

PROJECT = os.environ.get("FINOPS_BQ_TEST_PROJECT")
BUCKET = os.environ.get("FINOPS_BQ_TEST_BUCKET")

pytestmark = [
    pytest.mark.bigquery_contract,
    pytest.mark.skipif(not (PROJECT and BUCKET), reason="set FINOPS_BQ_TEST_PROJECT and FINOPS_BQ_TEST_BUCKET to run against real BigQuery"),
]
COST = [f"{c}/{n}" for c, n, _ in BASE_COLUMNS].index("lineItem/UnblendedCost")


@pytest.fixture
def cloud(tmp_path):
    from google.cloud import bigquery, storage

    run = uuid.uuid4().hex[:10]
    prefix = f"finops-contract/{run}"
    dataset = f"finops_contract_{run}"
    gcs = storage.Client(project=PROJECT)
    bq = bigquery.Client(project=PROJECT)
    yield {"prefix": prefix, "dataset": dataset, "gcs": gcs, "bq": bq}
    bq.delete_dataset(f"{PROJECT}.{dataset}", delete_contents=True, not_found_ok=True)
    for blob in gcs.list_blobs(BUCKET, prefix=prefix + "/"):
        blob.delete()


def upload(cloud, local_root):
    bucket = cloud["gcs"].bucket(BUCKET)
    for path in sorted(local_root.rglob("*")):
        if path.is_file():
            bucket.blob(f"{cloud['prefix']}/{path.relative_to(local_root).as_posix()}").upload_from_filename(path)


def test_month_loads_restates_and_stays_exact_in_bigquery(tmp_path, cloud):
    local = tmp_path / "export"
    first = CurExport(local, MONTH, "assembly-1", rows=sample_rows(MONTH, 60), parts=2).write()
    upload(cloud, local)
    defs = build_definitions(Settings(
        env="prod", gcp_project=PROJECT, landing_url=f"gs://{BUCKET}/{cloud['prefix']}",
        raw_dataset=cloud["dataset"], start_month=date(2024, 1, 1),
    ))
    meta = output_metadata(materialize_month(defs, MONTH))
    assert meta["dagster/row_count"] == 60
    assert Decimal(meta["total_unblended_cost"]) == exact_total(first.rows, COST)
    assert output_metadata(materialize_month(defs, MONTH))["skipped"] is True

    restated = CurExport(local, MONTH, "assembly-2", rows=sample_rows(MONTH, 25, salt="b")).write()
    upload(cloud, local)
    materialize_month(defs, MONTH)
    table = f"`{PROJECT}.{cloud['dataset']}.aws_cur_raw`"
    ((count, total),) = cloud["bq"].query(f"SELECT COUNT(*), SUM(line_item_unblended_cost) FROM {table}").result()
    assert (count, total) == (25, exact_total(restated.rows, COST))


def test_azure_run_loads_with_reconciled_row_count_in_bigquery(tmp_path, cloud):
    from finops_assets_tests.focus_exports import FocusExport, exact_total, focus_rows

    local = tmp_path / "export"
    export = FocusExport(local, MONTH, "run-1", rows=focus_rows(MONTH, 40), file_format="Csv", compression="Gzip").write()
    upload(cloud, local)
    defs = build_definitions(Settings(
        env="prod", gcp_project=PROJECT, landing_url=f"gs://{BUCKET}/{cloud['prefix']}",
        raw_dataset=cloud["dataset"], start_month=date(2024, 1, 1),
    ))
    meta = output_metadata(materialize_month(defs, MONTH, asset="azure_focus_raw"))
    assert meta["dagster/row_count"] == 40
    table = f"`{PROJECT}.{cloud['dataset']}.azure_focus_raw`"
    ((count, total),) = cloud["bq"].query(f"SELECT COUNT(*), SUM(billed_cost) FROM {table}").result()
    assert (count, total) == (40, exact_total(export.rows))


def test_gcp_month_is_copied_from_an_export_table_in_bigquery(tmp_path, cloud):
    from google.cloud import bigquery

    from finops_assets.defs.gcp_billing.schema import EXPORT_COLUMNS
    from finops_assets.warehouse.bigquery_warehouse import schema_field
    from finops_assets_tests.gcp_exports import exact_sums, gcp_rows, write_gcp_month

    # Stand in for the native export table: the same nested shape, loaded from NDJSON.
    paths = write_gcp_month(tmp_path / "export", MONTH, gcp_rows(MONTH, 30), gz=False, parts=1)
    export_table = f"{PROJECT}.{cloud['dataset']}.gcp_billing_export_v1_contract"
    cloud["bq"].create_dataset(f"{PROJECT}.{cloud['dataset']}", exists_ok=True)
    with paths[0].open("rb") as handle:
        cloud["bq"].load_table_from_file(handle, export_table, job_config=bigquery.LoadJobConfig(
            source_format=bigquery.SourceFormat.NEWLINE_DELIMITED_JSON,
            schema=[schema_field(c) for c in EXPORT_COLUMNS],
        )).result()
    defs = build_definitions(Settings(
        env="prod", gcp_project=PROJECT, landing_url=f"gs://{BUCKET}/{cloud['prefix']}", raw_dataset=cloud["dataset"],
        gcp_billing_table=export_table, start_month=date(2024, 1, 1),
    ))
    meta = output_metadata(materialize_month(defs, MONTH, asset="gcp_billing_export"))
    cost, credits, count = exact_sums(paths)
    assert meta["dagster/row_count"] == count
    table = f"`{PROJECT}.{cloud['dataset']}.gcp_billing_export`"
    ((rows, total, credit_total),) = cloud["bq"].query(
        f"SELECT COUNT(*), SUM(cost), (SELECT SUM(c.amount) FROM {table}, UNNEST(credits) c) FROM {table}"
    ).result()
    assert (rows, total, credit_total) == (count, cost, credits)
    assert output_metadata(materialize_month(defs, MONTH, asset="gcp_billing_export"))["skipped"] is True


def test_data_exports_month_loads_maps_and_replaces_the_execution_in_bigquery(tmp_path, cloud):
    from finops_assets_tests.data_exports import DataExport, exact_total as cur2_total, sample_rows as cur2_rows

    local = tmp_path / "export"
    DataExport(local, MONTH, "exec-1", cur2_rows(MONTH, 30)).write()
    upload(cloud, local)
    defs = build_definitions(Settings(
        env="prod", gcp_project=PROJECT, landing_url=f"gs://{BUCKET}/{cloud['prefix']}",
        raw_dataset=cloud["dataset"], start_month=date(2024, 1, 1),
    ))
    assert output_metadata(materialize_month(defs, MONTH, asset="aws_data_exports_raw"))["dagster/row_count"] == 30

    newer = DataExport(local, MONTH, "exec-2", cur2_rows(MONTH, 12, salt="b"), create_new=True).write()
    upload(cloud, local)
    meta = output_metadata(materialize_month(defs, MONTH, asset="aws_data_exports_raw"))
    assert meta["previous_execution_id"] == "exec-1"
    table = f"`{PROJECT}.{cloud['dataset']}.aws_data_exports_raw`"
    ((count, total, team),) = cloud["bq"].query(
        f"SELECT COUNT(*), SUM(line_item_unblended_cost), "
        f"MAX((SELECT t.value FROM UNNEST(resource_tags) AS t WHERE t.key = 'user_team')) FROM {table}"
    ).result()
    assert (count, total, team) == (12, cur2_total(newer.rows), "platform")


def test_raw_checks_run_in_bigquery_on_a_loaded_azure_month(tmp_path, cloud):
    """The checks' SQL (written once for both warehouses) against real BigQuery, after a real load."""
    from datetime import datetime, timezone

    from dagster_gcp import BigQueryResource

    from finops_assets.defs.azure_focus.checks import azure_focus_check_spec
    from finops_assets.defs.raw_checks import RAW_CHECKS, CheckInputs, Thresholds, evaluate
    from finops_assets.landing.resource import LandingResource
    from finops_assets.warehouse.bigquery_resource import FinopsBigQueryResource
    from finops_assets.warehouse.queries import BigQueryQueryResource
    from finops_assets_tests.focus_exports import FocusExport, focus_rows

    local = tmp_path / "export"
    rows = focus_rows(MONTH, 24)
    FocusExport(local, MONTH, "run-1", rows=rows, file_format="Csv", compression="Gzip").write()
    upload(cloud, local)
    settings = Settings(env="prod", gcp_project=PROJECT, landing_url=f"gs://{BUCKET}/{cloud['prefix']}",
                        raw_dataset=cloud["dataset"], start_month=date(2024, 1, 1))
    materialize_month(build_definitions(settings), MONTH, asset="azure_focus_raw")
    queries_resource = BigQueryQueryResource(
        bigquery=FinopsBigQueryResource(bigquery=BigQueryResource(project=PROJECT)), dataset=cloud["dataset"])
    landing = LandingResource(url=settings.landing_url, gcp_project=PROJECT).get_landing()
    checks = {c.name: c for c in RAW_CHECKS}
    with queries_resource.open() as queries:
        inputs = CheckInputs(azure_focus_check_spec(settings), queries, landing, MONTH, datetime.now(timezone.utc), Thresholds())
        results = {name: evaluate(checks[name], inputs) for name in
                   ("rows_match_export", "one_currency_per_account", "usage_inside_billing_month", "critical_fields_not_null")}
    assert results["rows_match_export"].passed, results["rows_match_export"].description
    assert results["one_currency_per_account"].passed and results["usage_inside_billing_month"].passed
    empty_costs = sum(1 for r in rows if r["BilledCost"] == "NULL")  # the sample writes literal NULL costs
    assert not results["critical_fields_not_null"].passed
    assert f"billed_cost is empty on {empty_costs} rows" in results["critical_fields_not_null"].description


def test_older_month_loads_into_the_newer_manifest_types_and_records_it_in_bigquery(tmp_path, cloud):
    from finops_assets_tests.defs.aws_cur.test_typing_across_months import AUGUST, write_months

    local = tmp_path / "export"
    _, september = write_months(local)  # August's manifest declares the usage amount as String
    upload(cloud, local)
    defs = build_definitions(Settings(
        env="prod", gcp_project=PROJECT, landing_url=f"gs://{BUCKET}/{cloud['prefix']}",
        raw_dataset=cloud["dataset"], start_month=date(2024, 1, 1),
    ))
    materialize_month(defs, MONTH)
    meta = output_metadata(materialize_month(defs, AUGUST))
    typed_by = f"gs://{BUCKET}/{cloud['prefix']}/{september.manifest_path.relative_to(local).as_posix()}"
    assert meta["typed_by_manifest"] == typed_by
    assert meta["columns_typed_by_newer_manifest"] == ["line_item_usage_amount"]
    tracked = list(cloud["bq"].query(
        f"SELECT billing_month, typed_by_manifest FROM `{PROJECT}.{cloud['dataset']}._load_tracking` ORDER BY 1").result())
    assert [tuple(row.values()) for row in tracked] == [(AUGUST, typed_by), (MONTH, typed_by)]
    ((usage,),) = cloud["bq"].query(
        f"SELECT SUM(line_item_usage_amount) FROM `{PROJECT}.{cloud['dataset']}.aws_cur_raw` "
        "WHERE bill_billing_period_start_date < '2025-09-01'").result()
    assert usage == Decimal("13.5")
