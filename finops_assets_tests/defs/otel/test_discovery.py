"""Day folders of OTLP/JSON span files: keys to days, fingerprints as execution ids, the load request."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from finops_assets.defs.otel.discovery import day_folders, day_request, discover_day_folders, span_file_day
from finops_assets.landing import LandingObject, LocalLanding
from finops_assets.warehouse.load_request import FileFormat, PartitionGrain
from finops_assets_tests.otel_spans import DAY, request, server_span, write_day


@pytest.mark.parametrize("key, day", [
    ("otel/2025/09/30/traces.json", date(2025, 9, 30)),
    ("otel/2025/09/30/traces-1.jsonl.gz", date(2025, 9, 30)),
    ("otel/2025/09/30/hour=23/part-0001.json.gz", date(2025, 9, 30)),  # GCS exporter sub-folders
    ("otel/2025/02/30/traces.json", None),  # no such day
    ("otel/2025/09/30/traces.csv", None),
    ("otel/2025/09/traces.json", None),
    ("other/2025/09/30/traces.json", None),
])
def test_span_file_day_reads_the_day_folder(key, day):
    assert span_file_day(key, "otel") == day


def test_day_folders_group_files_and_a_late_file_changes_the_execution_id():
    files = [LandingObject("otel/2025/09/30/a.json.gz", 10, 1.0), LandingObject("otel/2025/10/01/a.json.gz", 12, 2.0)]
    before = day_folders(files, "otel")
    assert [f.day for f in before] == [date(2025, 9, 30), date(2025, 10, 1)]
    assert day_folders(list(reversed(files)), "otel") == before  # listing order does not matter
    late = day_folders([*files, LandingObject("otel/2025/09/30/late.json.gz", 5, 3.0)], "otel")
    assert late[0].execution_id != before[0].execution_id and late[1].execution_id == before[1].execution_id
    assert len(late[0].files) == 2


def test_day_request_describes_a_day_partition_from_the_folder(landing):
    write_day(landing, DAY, "traces.jsonl.gz", [request([server_span("a1", datetime(2025, 9, 30, 1), 10)])])
    local = LocalLanding(landing)
    (folder,) = discover_day_folders(local, "otel")
    req = day_request(local, "otel", DAY)
    assert req.grain is PartitionGrain.DAY and req.billing_month == DAY and req.partition_from_folder
    assert req.execution_id == folder.execution_id and req.file_format is FileFormat.NDJSON and req.compression == "gzip"
    assert req.partition_bounds()[1].isoformat() == "2025-10-01T00:00:00"
    with pytest.raises(LookupError, match="no OTLP/JSON span files for 2025-10-01"):
        day_request(local, "otel", date(2025, 10, 1))


def test_a_day_mixing_gzip_and_plain_files_is_refused(landing):
    write_day(landing, DAY, "a.jsonl.gz", [request([])])
    (landing / "otel/2025/09/30/b.json").write_text('{"resourceSpans": []}\n')
    with pytest.raises(LookupError, match="mixes gzipped and plain"):
        day_request(LocalLanding(landing), "otel", DAY)
