"""The export sensors over real landing folders (and a real GCS API server): one run request per new export
version, nothing for a version seen before, a new request for a restatement, a cursor that round-trips, corrupt
manifests reported and skipped, listings bounded to the recent months."""

from __future__ import annotations

import json
import time
import uuid
from datetime import date, datetime, timedelta, timezone

import dagster as dg
import pytest

from finops_assets.definitions import build_definitions
from finops_assets.defs.sensors import (
    ExportError,
    ExportVersion,
    SensorCursor,
    evaluate_listing,
    recent_partition_keys,
)
from finops_assets.landing import LocalLanding
from finops_assets.landing.resource import LandingResource
from finops_assets_tests.cur_exports import CurExport, sample_rows
from finops_assets_tests.focus_exports import FocusExport, focus_rows
from finops_assets_tests.gcp_exports import gcp_rows, write_gcp_month
from finops_assets_tests.gcs_server import gcs_client, start_gcs_server, upload_tree

THIS_MONTH = date.today().replace(day=1)
LAST_MONTH = (THIS_MONTH - timedelta(days=1)).replace(day=1)
OLD_MONTH = date(2024, 3, 1)


def tick(defs: dg.Definitions, name: str, cursor: str | None, landing: LandingResource | None = None) -> dg.SensorResult:
    sensor = defs.get_sensor_def(name)
    context = dg.build_sensor_context(cursor=cursor, resources={"landing": landing or defs.resources["landing"]})
    return sensor(context)


def run_keys(result: dg.SensorResult) -> list[str]:
    return [r.run_key for r in result.run_requests]


def test_new_cur_manifest_yields_one_request_then_nothing_then_restatement(defs, landing):
    CurExport(landing, THIS_MONTH, "asm-1", rows=sample_rows(THIS_MONTH, 4)).write()
    first = tick(defs, "aws_cur_new_exports", None)
    assert run_keys(first) == [f"aws_cur:{THIS_MONTH.isoformat()}:asm-1"]
    (request,) = first.run_requests
    assert request.partition_key == THIS_MONTH.isoformat()
    assert request.asset_selection == [dg.AssetKey("aws_cur_raw")]
    assert request.tags["finops/source"] == "aws_cur"
    assert request.tags["finops/partition"] == f"aws_cur:{THIS_MONTH.isoformat()}"

    again = tick(defs, "aws_cur_new_exports", first.cursor)
    assert again.run_requests == []
    assert "no new aws_cur export version" in again.skip_reason.skip_message

    CurExport(landing, THIS_MONTH, "asm-2", rows=sample_rows(THIS_MONTH, 5, salt="r")).write()
    restated = tick(defs, "aws_cur_new_exports", again.cursor)
    assert run_keys(restated) == [f"aws_cur:{THIS_MONTH.isoformat()}:asm-2"]


def test_cursor_round_trips_through_its_text():
    cursor = SensorCursor(requested={"2025-09-01": "asm-1"}, errors={"a/b-Manifest.json": "bad"}, full_rescan_at=1.5)
    assert SensorCursor.decode(cursor.encode()) == cursor
    assert SensorCursor.decode(None) == SensorCursor()
    assert SensorCursor.decode(json.dumps({"v": 99})) == SensorCursor()  # unknown layout: start over


def test_restart_with_stored_cursor_requests_nothing_already_requested(defs, settings, landing):
    CurExport(landing, THIS_MONTH, "asm-1", rows=sample_rows(THIS_MONTH, 4)).write()
    stored = tick(defs, "aws_cur_new_exports", None).cursor
    # A restarted daemon gets the cursor back from storage as text and evaluates fresh definitions with it.
    restarted = build_definitions(settings)
    assert tick(restarted, "aws_cur_new_exports", stored).run_requests == []


def test_corrupt_manifest_is_reported_and_the_others_still_requested(defs, landing):
    CurExport(landing, THIS_MONTH, "asm-1", rows=sample_rows(THIS_MONTH, 4)).write()
    broken = CurExport(landing, LAST_MONTH, "asm-x", rows=sample_rows(LAST_MONTH, 4)).write(raw_manifest=b"{not json")
    result = tick(defs, "aws_cur_new_exports", None)
    assert run_keys(result) == [f"aws_cur:{THIS_MONTH.isoformat()}:asm-1"]
    broken_key = broken.manifest_path.relative_to(landing).as_posix()
    (observation,) = result.asset_events
    assert observation.asset_key == dg.AssetKey("aws_cur_raw")
    assert observation.partition == LAST_MONTH.isoformat()
    assert observation.metadata["object"].value == broken_key
    assert observation.metadata["sensor_error"].value.startswith("malformed JSON")
    # Reported once: the same error on the next tick is not reported again, and still skipped.
    again = tick(defs, "aws_cur_new_exports", result.cursor)
    assert again.asset_events == [] and again.run_requests == []
    assert broken_key in again.skip_reason.skip_message
    # Fixed: the month is requested.
    CurExport(landing, LAST_MONTH, "asm-x", rows=sample_rows(LAST_MONTH, 4)).write()
    assert run_keys(tick(defs, "aws_cur_new_exports", again.cursor)) == [f"aws_cur:{LAST_MONTH.isoformat()}:asm-x"]


def test_bounded_tick_lists_recent_months_only_and_full_rescan_is_daily(defs, landing, monkeypatch):
    CurExport(landing, OLD_MONTH, "old-1", rows=sample_rows(OLD_MONTH, 2)).write()
    CurExport(landing, THIS_MONTH, "now-1", rows=sample_rows(THIS_MONTH, 2)).write()
    listed: list[str] = []
    original = LocalLanding.list

    def recording_list(self, prefix, pattern):
        listed.append(prefix)
        return original(self, prefix, pattern)

    monkeypatch.setattr(LocalLanding, "list", recording_list)
    first = tick(defs, "aws_cur_new_exports", None)  # first tick: full rescan
    assert sorted(run_keys(first)) == sorted([f"aws_cur:{OLD_MONTH.isoformat()}:old-1", f"aws_cur:{THIS_MONTH.isoformat()}:now-1"])

    CurExport(landing, OLD_MONTH, "old-2", rows=sample_rows(OLD_MONTH, 3)).write()  # a late restatement
    listed.clear()
    bounded = tick(defs, "aws_cur_new_exports", first.cursor)
    assert bounded.run_requests == []
    assert listed and all(OLD_MONTH.strftime("%Y%m01") not in prefix for prefix in listed)

    stale = SensorCursor.decode(bounded.cursor)
    day_old = SensorCursor(stale.requested, stale.errors, full_rescan_at=time.time() - 25 * 3600)
    rescan = tick(defs, "aws_cur_new_exports", day_old.encode())
    assert run_keys(rescan) == [f"aws_cur:{OLD_MONTH.isoformat()}:old-2"]


def test_azure_newest_run_is_the_version_and_a_new_run_a_new_request(defs, landing):
    FocusExport(landing, THIS_MONTH, "run-a", submitted=f"{THIS_MONTH:%Y-%m}-02T06:00:00.1234567Z", rows=focus_rows(THIS_MONTH, 4)).write()
    FocusExport(landing, THIS_MONTH, "run-b", submitted=f"{THIS_MONTH:%Y-%m}-03T06:00:00.1234567Z", rows=focus_rows(THIS_MONTH, 4)).write()
    first = tick(defs, "azure_focus_new_exports", None)
    assert run_keys(first) == [f"azure_focus:{THIS_MONTH.isoformat()}:run-b"]
    assert tick(defs, "azure_focus_new_exports", first.cursor).run_requests == []
    FocusExport(landing, THIS_MONTH, "run-c", submitted=f"{THIS_MONTH:%Y-%m}-04T06:00:00.1234567Z", rows=focus_rows(THIS_MONTH, 4)).write()
    assert run_keys(tick(defs, "azure_focus_new_exports", first.cursor)) == [f"azure_focus:{THIS_MONTH.isoformat()}:run-c"]


def test_gcp_changed_files_are_a_new_version(defs, landing):
    write_gcp_month(landing, THIS_MONTH, gcp_rows(THIS_MONTH, 4))
    first = tick(defs, "gcp_billing_new_exports", None)
    ((key,),) = [run_keys(first)]
    assert key.startswith(f"gcp_billing:{THIS_MONTH.isoformat()}:files:")
    assert tick(defs, "gcp_billing_new_exports", first.cursor).run_requests == []
    write_gcp_month(landing, THIS_MONTH, gcp_rows(THIS_MONTH, 6, salt="x"), parts=3)
    (restated,) = run_keys(tick(defs, "gcp_billing_new_exports", first.cursor))
    assert restated != key


def test_two_versions_of_one_partition_are_reported_not_requested():
    found = [ExportVersion("2025-09-01", "a", "r1/m.json"), ExportVersion("2025-09-01", "b", "r2/m.json"),
             ExportVersion("2025-10-01", "c", "r1/n.json"), ExportError("r3/bad.json", "broken", "2025-10-01")]
    outcome = evaluate_listing(SensorCursor(), found, {"2025-09-01", "2025-10-01"}, now=10.0, full_rescan=True)
    assert [v.execution_id for v in outcome.requests] == ["c"]
    assert sorted(e.object_key for e in outcome.errors) == ["r1/m.json", "r2/m.json", "r3/bad.json"]
    assert outcome.cursor.requested == {"2025-10-01": "c"} and outcome.cursor.full_rescan_at == 10.0


def test_recent_partition_keys_cover_the_window_for_monthly_and_daily_partitions():
    now = datetime(2026, 3, 15, tzinfo=timezone.utc)
    monthly = dg.MonthlyPartitionsDefinition(start_date="2023-01-01", end_offset=1)
    assert recent_partition_keys(monthly, now, 3) == ["2026-01-01", "2026-02-01", "2026-03-01"]
    daily = dg.DailyPartitionsDefinition(start_date="2023-01-01", end_offset=1)
    keys = recent_partition_keys(daily, now, 2)
    assert keys[0] == "2026-02-01" and keys[-1] == "2026-03-15" and len(keys) == 28 + 15


@pytest.fixture(scope="module")
def gcs():
    server = start_gcs_server()
    yield gcs_client()
    server.stop()


def test_sensors_list_a_gcs_landing_area(defs, gcs, tmp_path):
    bucket = f"landing-{uuid.uuid4().hex[:8]}"
    gcs.create_bucket(bucket)
    local = tmp_path / "export"
    CurExport(local, THIS_MONTH, "asm-1", rows=sample_rows(THIS_MONTH, 3)).write()
    CurExport(local, LAST_MONTH, "asm-0", rows=sample_rows(LAST_MONTH, 3)).write(raw_manifest=b"[]")
    FocusExport(local, THIS_MONTH, "run-a", rows=focus_rows(THIS_MONTH, 3)).write()
    upload_tree(gcs, bucket, "exports", local)
    resource = LandingResource(url=f"gs://{bucket}/exports", gcp_project="finops-test")

    cur = tick(defs, "aws_cur_new_exports", None, resource)
    assert run_keys(cur) == [f"aws_cur:{THIS_MONTH.isoformat()}:asm-1"]
    assert [e.metadata["object"].value for e in cur.asset_events] == [
        f"aws_cur/cur/test-report/{LAST_MONTH:%Y%m%d}-{THIS_MONTH:%Y%m%d}/test-report-Manifest.json"
    ]
    assert tick(defs, "aws_cur_new_exports", cur.cursor, resource).run_requests == []
    azure = tick(defs, "azure_focus_new_exports", None, resource)
    assert run_keys(azure) == [f"azure_focus:{THIS_MONTH.isoformat()}:run-a"]

    CurExport(local, THIS_MONTH, "asm-2", rows=sample_rows(THIS_MONTH, 4, salt="z")).write()
    upload_tree(gcs, bucket, "exports", local)
    assert run_keys(tick(defs, "aws_cur_new_exports", cur.cursor, resource)) == [f"aws_cur:{THIS_MONTH.isoformat()}:asm-2"]


def test_data_exports_sensor_requests_each_new_execution_once(defs, landing):
    from finops_assets_tests.data_exports import DataExport
    from finops_assets_tests.data_exports import sample_rows as cur2_rows

    DataExport(landing, THIS_MONTH, "exec-1", cur2_rows(THIS_MONTH, 3)).write()
    first = tick(defs, "aws_data_exports_new_exports", None)
    assert run_keys(first) == [f"aws_data_exports:{THIS_MONTH.isoformat()}:exec-1"]
    assert first.run_requests[0].asset_selection == [dg.AssetKey("aws_data_exports_raw")]
    assert tick(defs, "aws_data_exports_new_exports", first.cursor).run_requests == []
    DataExport(landing, THIS_MONTH, "exec-2", cur2_rows(THIS_MONTH, 4, salt="b"), create_new=True).write()
    assert run_keys(tick(defs, "aws_data_exports_new_exports", first.cursor)) == [f"aws_data_exports:{THIS_MONTH.isoformat()}:exec-2"]


def test_otel_sensor_requests_a_day_again_when_a_late_file_lands(defs, landing):
    from finops_assets_tests.otel_spans import request, server_span, write_day

    today = date.today()
    start = datetime(today.year, today.month, today.day, 1)
    write_day(landing, today, "traces-1.jsonl.gz", [request([server_span("a1", start, 5_000_000)])])
    first = tick(defs, "otel_new_exports", None)
    (key,) = run_keys(first)
    assert key.startswith(f"otel:{today.isoformat()}:files:")
    assert first.run_requests[0].asset_selection == [dg.AssetKey("otel_spans_raw")]
    assert tick(defs, "otel_new_exports", first.cursor).run_requests == []
    write_day(landing, today, "traces-2.jsonl.gz", [request([server_span("b1", start, 7_000_000)])])
    (late,) = run_keys(tick(defs, "otel_new_exports", first.cursor))
    assert late.startswith(f"otel:{today.isoformat()}:files:") and late != key
