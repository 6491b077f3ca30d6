"""The BigQuery path of `otel_spans_raw`, through the real google-cloud-bigquery client against the loopback
recording server: one NDJSON load job of the day's files into a staging table, then one query job writing the day
partition (`otel_spans_raw$YYYYMMDD`) with the folder's day as `landing_day`, then one query job counting the day's
spans and quarantined spans per reason (stg_otel_spans' rules, rendered for BigQuery) into the metadata."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from finops_assets.defs.otel import quarantine
from finops_assets.definitions import build_definitions
from finops_assets.settings import Settings
from finops_assets_tests.bigquery_recorder import BigQueryRecorder, loader_answers
from finops_assets_tests.conftest import materialize_month, output_metadata
from finops_assets_tests.otel_spans import DAY, request, server_span, write_day

PROJECT = "finops-test"
# What the recorder answers to the quarantine summary: BigQuery does not run here, the query sent is what is checked.
SUMMARY = {"requests_malformed": 0, "spans_loaded": 7, "spans_quarantined": 3, "quarantined_missing_ids": 1, "quarantined_invalid_timestamps": 0,
           "quarantined_end_before_start": 2, "quarantined_duration_out_of_range": 0,
           "quarantined_outside_arrival_window": 0, "quarantined_unsupported_attribute_type": 0,
           "quarantined_invalid_attribute_value": 0, "quarantined_missing_service_name": 0}


def answers():
    loader = loader_answers()

    def responder(sql: str):
        if "as requests_malformed" in sql:
            return [{"name": name, "type": "INTEGER"} for name in SUMMARY], [list(SUMMARY.values())]
        return loader(sql)

    return responder


@pytest.fixture
def recorder():
    server = BigQueryRecorder(responder=answers(), load_output_rows=2).start()
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


def test_the_loaded_day_is_counted_by_the_quarantine_rules_of_stg_otel_spans(landing, prod_defs, recorder):
    write_day(landing, DAY, "traces-1.jsonl.gz", [request([server_span("a1", datetime(2025, 9, 30, 3), 7)])])
    meta = output_metadata(materialize_month(prod_defs, DAY, asset="otel_spans_raw"))

    (summary,) = [q for q in recorder.job_configs("query") if "spans_quarantined" in q["query"]]
    rendered = quarantine.rendered_path("bigquery").read_text()
    assert summary["query"] == (
        rendered.replace("__TABLE__", f"`{PROJECT}.billing_raw.otel_spans_raw`")
        .replace("__PARTITION_START__", "@partition_start").replace("__PARTITION_END__", "@partition_end")
    )
    assert "from `finops-test.billing_raw.otel_spans_raw` where landing_day >= @partition_start and landing_day < @partition_end" in summary["query"]
    params = {p["name"]: (p["parameterType"]["type"], p["parameterValue"]["value"]) for p in summary["queryParameters"]}
    assert params == {"partition_start": ("TIMESTAMP", "2025-09-30 00:00:00+00:00"),
                      "partition_end": ("TIMESTAMP", "2025-10-01 00:00:00+00:00")}
    assert not summary.get("destinationTable")  # read only
    assert {k: meta[k] for k in SUMMARY} == SUMMARY


def test_a_malformed_span_file_fails_naming_it_and_the_day_is_not_replaced(landing, prod_defs, recorder):
    good = write_day(landing, DAY, "traces-1.jsonl.gz", [request([server_span("a1", datetime(2025, 9, 30, 3), 7)])])
    bad = landing / "otel/2025/09/30/traces-2.jsonl.gz"
    bad.write_bytes(b"")  # listed like any file; BigQuery's answer below is what a truncated line gets
    original_insert = recorder._insert_job

    def failing_load(project, body):
        job = original_insert(project, body)
        if "load" in body["configuration"]:
            job["status"] = {"state": "DONE", "errorResult": {
                "reason": "invalid", "message": "Error while reading data, error message: JSON table encountered too many errors, giving up. Rows: 1; errors: 1."},
                "errors": [{"reason": "invalid", "location": str(bad),
                            "message": "Error while reading data, error message: JSON parsing error in row starting at position 0: Unexpected end of string."}]}
        return job

    recorder._insert_job = failing_load
    result = materialize_month(prod_defs, DAY, asset="otel_spans_raw", raise_on_error=False)

    assert not result.success
    failure = next(e for e in result.all_events if e.event_type_value == "STEP_FAILURE")
    message = str(failure.event_specific_data.error)
    assert f"{bad}: Error while reading data, error message: JSON parsing error" in message
    assert "otel/2025/09/30" in message and "2025-09-30" in message and "previous data is unchanged" in message
    (load,) = recorder.job_configs("load")
    assert load["sourceUris"] == [str(good), str(bad)]
    # nothing wrote the day partition, counted it or recorded a load: the day's previous data stays as it was
    assert [q for q in recorder.job_configs("query") if q.get("destinationTable")] == []
    assert [q for q in recorder.job_configs("query") if "spans_quarantined" in q["query"] or q["query"].lstrip().startswith("INSERT")] == []
