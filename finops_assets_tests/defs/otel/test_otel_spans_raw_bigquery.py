"""The BigQuery path of `otel_spans_raw`, through the real google-cloud-bigquery client against the loopback
recording server: one NDJSON load job of the day's files into a staging table, then one query job writing the day
partition (`otel_spans_raw$YYYYMMDD`) with the folder's day as `landing_day`."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from finops_assets.definitions import build_definitions
from finops_assets.settings import Settings
from finops_assets_tests.bigquery_recorder import BigQueryRecorder, loader_answers
from finops_assets_tests.conftest import materialize_month, output_metadata
from finops_assets_tests.otel_spans import DAY, request, server_span, write_day

PROJECT = "finops-test"


@pytest.fixture
def recorder():
    server = BigQueryRecorder(responder=loader_answers(), load_output_rows=2).start()
    original_answer = server.answer

    def answer(method, path, body):
        status, payload = original_answer(method, path, body)
        if method == "GET" and path.endswith("/tables/_staging_otel_spans_raw_20250930"):
            payload = {**payload, "schema": {"fields": [{"name": "resourceSpans", "type": "JSON"}]}}
        return status, payload

    server.answer = answer
    yield server
    server.stop()


@pytest.fixture
def prod_defs(landing, recorder, monkeypatch):
    monkeypatch.setenv("GOOGLE_CLOUD_PROJECT", PROJECT)
    return build_definitions(Settings(env="prod", landing_url=str(landing), gcp_project=PROJECT,
                                      bq_api_endpoint=recorder.endpoint, start_month=date(2024, 1, 1)))


def test_day_is_one_ndjson_load_job_then_written_to_the_day_partition(landing, prod_defs, recorder):
    paths = [write_day(landing, DAY, f"traces-{i}.jsonl.gz", [request([server_span(f"a{i}", datetime(2025, 9, 30, 3), 7)])])
             for i in (1, 2)]
    meta = output_metadata(materialize_month(prod_defs, DAY, asset="otel_spans_raw"))

    (load,) = recorder.job_configs("load")
    assert load["sourceFormat"] == "NEWLINE_DELIMITED_JSON"
    assert load["sourceUris"] == [str(p) for p in paths]
    assert load["destinationTable"]["tableId"] == "_staging_otel_spans_raw_20250930"
    assert load["schema"]["fields"] == [{"name": "resourceSpans", "type": "JSON", "mode": "NULLABLE",
                                         "description": "ExportTraceServiceRequest.resourceSpans (OTLP/JSON)"}]
    assert load["writeDisposition"] == "WRITE_TRUNCATE"
    (write,) = [q for q in recorder.job_configs("query") if q.get("destinationTable")]
    assert write["destinationTable"]["tableId"] == "otel_spans_raw$20250930"
    assert write["writeDisposition"] == "WRITE_TRUNCATE"
    assert write["timePartitioning"] == {"type": "DAY", "field": "landing_day"}
    assert write["query"] == (
        "SELECT `resourceSpans` AS `resource_spans`, TIMESTAMP '2025-09-30 00:00:00+00' AS `landing_day` "
        f"FROM `{PROJECT}.billing_raw._staging_otel_spans_raw_20250930`"
    )
    raw = {t["tableReference"]["tableId"]: t for t in recorder.created_tables()}["otel_spans_raw"]
    assert raw["timePartitioning"] == {"type": "DAY", "field": "landing_day"}
    assert [f["name"] for f in raw["schema"]["fields"]] == ["resource_spans", "landing_day"]
    (insert,) = [q for q in recorder.job_configs("query") if q["query"].lstrip().startswith("INSERT INTO")]
    params = {p["name"]: p["parameterValue"]["value"] for p in insert["queryParameters"]}
    assert params["source"] == "otel" and params["month"] == "2025-09-30" and params["file_count"] == "2"
    assert meta["day"] == "2025-09-30"
