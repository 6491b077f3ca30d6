"""`otel_spans_raw` on DuckDB through Dagster: a day folder loaded natively and atomically, idempotent by its
fingerprint, reloaded whole when a late file lands, and a malformed file failing with its name while the day's
previous data stays."""

from __future__ import annotations

import gzip
import json
from datetime import datetime

from finops_assets_tests.conftest import materialize_month, output_metadata, query, step_failure_message
from finops_assets_tests.otel_spans import DAY, request, server_span, write_day

TABLE = "billing_raw.otel_spans_raw"


def load(defs, **kwargs):
    return materialize_month(defs, DAY, asset="otel_spans_raw", **kwargs)


def rows(settings):
    return query(settings, f"SELECT landing_day, count(*) FROM {TABLE} GROUP BY 1 ORDER BY 1")


def test_day_folder_loads_requests_as_json_with_the_folder_day(landing, defs, settings):
    spans = [server_span(f"{i:016x}", datetime(2025, 9, 30, 10), 1_000_000 * (i + 1)) for i in range(3)]
    write_day(landing, DAY, "traces-1.jsonl.gz", [request(spans), request(spans[:1])])
    meta = output_metadata(load(defs))

    assert rows(settings) == [(datetime(2025, 9, 30), 2)]
    assert meta["day"] == "2025-09-30" and meta["execution_id"].startswith("files:")
    assert meta["status"] == "first load of the day" and meta["dagster/row_count"] == 2
    types = dict(query(settings, "SELECT column_name, data_type FROM information_schema.columns WHERE table_name = 'otel_spans_raw'"))
    assert types == {"resource_spans": "JSON", "landing_day": "TIMESTAMP"}
    stored = json.loads(query(settings, f"SELECT resource_spans::VARCHAR FROM {TABLE} LIMIT 1")[0][0])
    # the 19-digit nanosecond strings arrive untouched
    assert stored[0]["scopeSpans"][0]["spans"][0]["startTimeUnixNano"] == spans[0]["startTimeUnixNano"]
    tracking = query(settings, "SELECT source, billing_month, file_count FROM billing_raw._load_tracking")
    assert tracking == [("otel", DAY, 1)]


def test_unchanged_day_is_a_noop_and_a_late_file_reloads_the_whole_day(landing, defs, settings):
    write_day(landing, DAY, "traces-1.jsonl.gz", [request([server_span("a1", datetime(2025, 9, 30, 23, 50), 5)])])
    load(defs)
    assert output_metadata(load(defs))["skipped"] is True
    write_day(landing, DAY, "late-1.jsonl.gz", [request([server_span("b2", datetime(2025, 9, 30, 23, 59), 5)])] * 3)
    meta = output_metadata(load(defs))
    assert meta["skipped"] is False and meta["previous_execution_id"]
    assert rows(settings) == [(datetime(2025, 9, 30), 4)]


def test_malformed_span_file_fails_naming_it_and_keeps_the_loaded_day(landing, defs, settings):
    write_day(landing, DAY, "traces-1.jsonl.gz", [request([server_span("a1", datetime(2025, 9, 30, 1), 5)])])
    load(defs)
    (landing / "otel/2025/09/30/traces-2.jsonl.gz").write_bytes(gzip.compress(b'{"resourceSpans": [{"resource": \n'))
    result = load(defs, raise_on_error=False)

    assert not result.success
    message = step_failure_message(result)
    assert "LoadError: otel/2025/09/30/traces-2.jsonl.gz: " in message  # the file first, then the problem
    assert "Malformed JSON" in message and "line 2" in message
    assert rows(settings) == [(datetime(2025, 9, 30), 1)]


def test_plain_json_files_load_like_gzipped_ones(landing, defs, settings):
    folder = landing / "otel/2025/09/30/collector"
    folder.mkdir(parents=True)
    spans = [server_span(f"{i:016x}", datetime(2025, 9, 30, 10), 1_000_000) for i in range(2)]
    spans[1]["startTimeUnixNano"] = int(spans[1]["startTimeUnixNano"])  # some writers emit numbers
    spans[1]["endTimeUnixNano"] = int(spans[1]["endTimeUnixNano"])
    (folder / "traces.json").write_text("\n".join(json.dumps(request([span])) for span in spans) + "\n")
    meta = output_metadata(load(defs))

    assert rows(settings) == [(datetime(2025, 9, 30), 2)]
    assert (meta["files"], meta["spans_loaded"], meta["spans_quarantined"], meta["requests_malformed"]) == (1, 2, 0, 0)
