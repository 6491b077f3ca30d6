"""`otel_spans_raw` against real GCS and BigQuery (skipped unless FINOPS_BQ_TEST_PROJECT and FINOPS_BQ_TEST_BUCKET are
set, like finops_assets_tests/warehouse/test_bigquery_contract.py): a day folder of gzipped OTLP/JSON loads into the
day partition with the nanosecond strings intact, the quarantine summary (stg_otel_spans' rules rendered for BigQuery)
runs on it, and a late file reloads the day."""

from __future__ import annotations

import json
from datetime import date, datetime

from finops_assets.definitions import build_definitions
from finops_assets.settings import Settings
from finops_assets_tests.conftest import materialize_month, output_metadata
from finops_assets_tests.otel_spans import DAY, request, server_span, write_day
from finops_assets_tests.warehouse.test_bigquery_contract import BUCKET, PROJECT, cloud, pytestmark, upload  # noqa: F401


def test_day_folder_loads_and_reloads_in_bigquery(tmp_path, cloud):  # noqa: F811
    local = tmp_path / "export"
    span = server_span("00000000000000b1", datetime(2025, 9, 30, 23, 59, 59, 999999), 1, extra_ns=123)
    backwards = server_span("00000000000000b2", datetime(2025, 9, 30, 12), 1)
    backwards["endTimeUnixNano"] = str(int(backwards["startTimeUnixNano"]) - 1)
    write_day(local, DAY, "traces-1.jsonl.gz", [request([span, backwards])])
    upload(cloud, local)
    defs = build_definitions(Settings(
        env="prod", gcp_project=PROJECT, landing_url=f"gs://{BUCKET}/{cloud['prefix']}",
        raw_dataset=cloud["dataset"], start_month=date(2024, 1, 1),
    ))
    meta = output_metadata(materialize_month(defs, DAY, asset="otel_spans_raw"))
    assert meta["dagster/row_count"] == 1
    assert (meta["spans_loaded"], meta["spans_quarantined"], meta["quarantined_end_before_start"]) == (2, 1, 1)
    table = f"`{PROJECT}.{cloud['dataset']}.otel_spans_raw`"
    ((stored, landing_day),) = cloud["bq"].query(f"SELECT TO_JSON_STRING(resource_spans), landing_day FROM {table}").result()
    assert json.loads(stored)[0]["scopeSpans"][0]["spans"][0]["startTimeUnixNano"] == span["startTimeUnixNano"]
    assert landing_day.date() == DAY

    write_day(local, DAY, "late-1.jsonl.gz", [request([span]), request([span])])
    upload(cloud, local)
    assert output_metadata(materialize_month(defs, DAY, asset="otel_spans_raw"))["skipped"] is False
    ((count,),) = cloud["bq"].query(f"SELECT COUNT(*) FROM {table}").result()
    assert count == 3
    assert output_metadata(materialize_month(defs, DAY, asset="otel_spans_raw"))["spans_loaded"] == 4
