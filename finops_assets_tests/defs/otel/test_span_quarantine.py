"""Quarantined spans through Dagster: a real `materialize()` of `otel_spans_raw` and its `spans_quarantined` check over
OTLP/JSON files holding one span of every kind of bad input (and a request line without a list of spans). The
materialization metadata counts the day's malformed request lines, spans and the quarantined ones per reason (counted in the warehouse with stg_otel_spans' rules), and the WARN check reports
them with a description naming the reasons; a clean day passes the check."""

from __future__ import annotations

from datetime import date, datetime

import dagster as dg
import pytest

from finops_assets.definitions import build_definitions
from finops_assets.demo.otel import _attr
from finops_assets.settings import Settings
from finops_assets_tests.otel_spans import request, server_span, write_day

DAY = date(2025, 9, 30)
AT = datetime(2025, 9, 30, 8)


def bad_day() -> list[dict]:
    ok = [server_span(f"00000000000000a{i}", AT, 5_000_000) for i in range(3)]
    no_span_id = server_span("00000000000000b1", AT, 5_000_000)
    del no_span_id["spanId"]
    empty_trace_id = server_span("00000000000000b2", AT, 5_000_000)
    empty_trace_id["traceId"] = ""
    text_start = server_span("00000000000000b3", AT, 5_000_000)
    text_start["startTimeUnixNano"] = "yesterday"
    backwards = [server_span(f"00000000000000c{i}", AT, 5_000_000) for i in range(2)]
    for span in backwards:
        span["endTimeUnixNano"] = str(int(span["startTimeUnixNano"]) - 1)
    too_long = server_span("00000000000000d1", AT, 301 * 1_000_000_000)
    days_late = server_span("00000000000000d2", datetime(2025, 9, 27, 8), 5_000_000)
    unsupported = [
        server_span("00000000000000e1", AT, 5_000_000, attributes=[
            {"key": "http.route", "value": {"arrayValue": {"values": [{"stringValue": "/a"}]}}}]),
        server_span("00000000000000e2", AT, 5_000_000, attributes=[
            {"key": "http.response.status_code", "value": {"kvlistValue": {"values": []}}}]),
        server_span("00000000000000e3", AT, 5_000_000, attributes=[
            {"key": "http.request.method", "value": {"bytesValue": "R0VU"}}]),
        server_span("00000000000000e4", AT, 5_000_000, attributes=[
            {"key": "http.request.method", "value": {"fooValue": 1}}]),
    ]
    text_status = server_span("00000000000000f1", AT, 5_000_000, attributes=[_attr("http.response.status_code", "abc")])
    good_request = request([*ok, no_span_id, empty_trace_id, text_start, *backwards, too_long, days_late, *unsupported, text_status])
    nameless = request([server_span("00000000000000f2", AT, 5_000_000)])
    nameless["resourceSpans"][0]["resource"]["attributes"] = [_attr("cloud.provider", "aws")]
    # Valid JSON but no list of resourceSpans: counted, not silently empty (an empty request `{}` is valid OTLP).
    return [good_request, nameless, {"resourceSpans": "not a list"}, {}]


# Counted by hand from bad_day(): 16 spans, 3 usable; 1 malformed request line.
EXPECTED = {
    "requests_malformed": 1,
    "spans_loaded": 16, "spans_quarantined": 13,
    "quarantined_missing_ids": 2, "quarantined_invalid_timestamps": 1, "quarantined_end_before_start": 2,
    "quarantined_duration_out_of_range": 1, "quarantined_outside_arrival_window": 1,
    "quarantined_unsupported_attribute_type": 4, "quarantined_invalid_attribute_value": 1,
    "quarantined_missing_service_name": 1,
}


def run(tmp_path, requests: list[dict]) -> dg.ExecuteInProcessResult:
    landing = tmp_path / "landing"
    write_day(landing, DAY, "traces-1.jsonl.gz", requests)
    settings = Settings(landing_url=str(landing), duckdb_path=str(tmp_path / "warehouse.duckdb"), start_month=date(2025, 1, 1))
    defs = build_definitions(settings)
    job = defs.resolve_implicit_global_asset_job_def()
    return job.execute_in_process(partition_key=DAY.isoformat(), asset_selection=[dg.AssetKey("otel_spans_raw")],
                                  instance=dg.DagsterInstance.ephemeral())


@pytest.fixture(scope="module")
def bad(tmp_path_factory):
    return run(tmp_path_factory.mktemp("bad_spans"), bad_day())


def test_materialization_metadata_counts_quarantined_spans_per_reason(bad):
    (event,) = bad.get_asset_materialization_events()
    metadata = {k: v.value for k, v in event.materialization.metadata.items()}
    assert {k: metadata[k] for k in EXPECTED} == EXPECTED
    assert metadata["dagster/row_count"] == 4  # four ExportTraceServiceRequest lines


def test_quarantine_check_warns_with_the_counts_and_reasons(bad):
    (evaluation,) = bad.get_asset_check_evaluations()
    assert evaluation.check_name == "spans_quarantined"
    assert evaluation.passed is False and evaluation.severity == dg.AssetCheckSeverity.WARN
    assert evaluation.description.startswith(
        "2025-09-30: 13 of 16 spans quarantined (missing_ids 2, invalid_timestamps 1, end_before_start 2, "
        "duration_out_of_range 1, outside_arrival_window 1, unsupported_attribute_type 4, invalid_attribute_value 1, "
        "missing_service_name 1); they are kept in stg_otel_spans"
    )
    assert evaluation.description.endswith("; 1 request lines whose resourceSpans is not a list (no span readable from "
                                           "them: fix the exporter)")
    metadata = {k: v.value for k, v in evaluation.metadata.items()}
    assert metadata["day"] == "2025-09-30" and {k: metadata[k] for k in EXPECTED} == EXPECTED
    assert bad.success  # WARN: the run is not failed


def test_a_clean_day_passes_the_quarantine_check(tmp_path):
    result = run(tmp_path, [request([server_span("00000000000000a1", AT, 5_000_000)])])
    (evaluation,) = result.get_asset_check_evaluations()
    assert evaluation.passed is True
    assert evaluation.description == "2025-09-30: none of the 1 spans loaded is quarantined"
    (event,) = result.get_asset_materialization_events()
    assert event.materialization.metadata["spans_quarantined"].value == 0
