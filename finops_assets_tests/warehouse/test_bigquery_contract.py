"""Contract test: the same `aws_cur_raw` loads against real GCS and BigQuery.

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
