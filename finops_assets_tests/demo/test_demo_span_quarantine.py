"""Bad spans on a copy of the demo warehouse: a new day folder with spans that end before they start, carry
attribute values of unsupported or unknown types, lack ids or arrive days late is loaded through Dagster; every
such span is kept in stg_otel_spans with its quarantine reason (never dropped silently), and the load's metadata counts
exactly what the view quarantines, per reason."""

from __future__ import annotations

import shutil
from datetime import date, datetime

import duckdb
import pytest

from finops_assets.definitions import build_definitions
from finops_assets.settings import Settings
from finops_assets_tests.conftest import materialize_month, output_metadata
from finops_assets_tests.otel_spans import request, server_span, write_day

DAY = date(2025, 10, 15)


def bad_spans() -> list[dict]:
    at = datetime(2025, 10, 15, 8)
    ok = server_span("00000000000000a1", at, 5_000_000)
    backwards = server_span("00000000000000a2", at, 5_000_000)
    backwards["endTimeUnixNano"] = str(int(backwards["startTimeUnixNano"]) - 1)
    array_route = server_span("00000000000000a3", at, 5_000_000, attributes=[
        {"key": "http.route", "value": {"arrayValue": {"values": [{"stringValue": "/a"}]}}}])
    kvlist_status = server_span("00000000000000a4", at, 5_000_000, attributes=[
        {"key": "http.response.status_code", "value": {"kvlistValue": {"values": []}}}])
    unknown_type = server_span("00000000000000a5", at, 5_000_000, attributes=[
        {"key": "http.request.method", "value": {"fooValue": 1}}])
    no_ids = server_span("00000000000000a6", at, 5_000_000)
    no_ids["traceId"] = ""
    days_late = server_span("00000000000000a7", datetime(2025, 10, 11, 8), 5_000_000)
    text_status = server_span("00000000000000a8", at, 5_000_000, attributes=[
        {"key": "http.response.status_code", "value": {"stringValue": "abc"}}])
    return [ok, backwards, array_route, kvlist_status, unknown_type, no_ids, days_late, text_status]


@pytest.fixture(scope="module")
def quarantined(demo_warehouse, tmp_path_factory):
    root, _ = demo_warehouse
    work = tmp_path_factory.mktemp("quarantine")
    shutil.copy(root / "warehouse.duckdb", work / "warehouse.duckdb")  # same file name: dbt's views name the catalog
    write_day(work / "landing", DAY, "traces-bad.jsonl.gz", [request(bad_spans())])
    settings = Settings(landing_url=str(work / "landing"), duckdb_path=str(work / "warehouse.duckdb"), start_month=date(2025, 1, 1))
    defs = build_definitions(settings)
    metadata = output_metadata(materialize_month(defs, DAY, asset="otel_spans_raw"))
    return metadata, work / "warehouse.duckdb"


def test_every_bad_span_is_kept_with_its_quarantine_reason(quarantined):
    _, path = quarantined
    con = duckdb.connect(str(path), read_only=True)
    reasons = dict(con.execute("""
        SELECT span_id, coalesce(quarantine_reason, 'ok') FROM finops.stg_otel_spans
        WHERE landing_day = DATE '2025-10-15'""").fetchall())
    con.close()
    assert reasons == {
        "00000000000000a1": "ok",
        "00000000000000a2": "end_before_start",
        "00000000000000a3": "unsupported_attribute_type",
        "00000000000000a4": "unsupported_attribute_type",
        "00000000000000a5": "unsupported_attribute_type",
        "00000000000000a6": "missing_ids",
        "00000000000000a7": "outside_arrival_window",
        "00000000000000a8": "invalid_attribute_value",
    }


def test_load_metadata_counts_what_the_staging_view_quarantines(quarantined):
    metadata, path = quarantined
    con = duckdb.connect(str(path), read_only=True)
    by_reason = dict(con.execute("""
        SELECT quarantine_reason, count(*) FROM finops.stg_otel_spans
        WHERE landing_day = DATE '2025-10-15' AND quarantine_reason IS NOT NULL GROUP BY 1""").fetchall())
    con.close()
    counted = {k.removeprefix("quarantined_"): v for k, v in metadata.items() if k.startswith("quarantined_") and v}
    assert counted == by_reason == {"end_before_start": 1, "unsupported_attribute_type": 3, "missing_ids": 1,
                                    "outside_arrival_window": 1, "invalid_attribute_value": 1}
    assert (metadata["spans_loaded"], metadata["spans_quarantined"]) == (8, 7)
