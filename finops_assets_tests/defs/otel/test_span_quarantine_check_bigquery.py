"""The `spans_quarantined` check on BigQuery, through the real google-cloud-bigquery client against the loopback
recording server: the exact query it sends (stg_otel_spans' rules rendered for BigQuery, over the day with typed
TIMESTAMP parameters) and the recorded answer turned into a WARN result with the reasons."""

from __future__ import annotations

from datetime import date

import dagster as dg
import pytest
from dagster_gcp import BigQueryResource

from finops_assets.defs.otel import quarantine
from finops_assets.defs.otel.checks import evaluate
from finops_assets.warehouse.bigquery_resource import FinopsBigQueryResource
from finops_assets.warehouse.queries import BigQueryQueryResource
from finops_assets_tests.bigquery_recorder import BigQueryRecorder

PROJECT = "finops-test"
COUNTS = {"requests_malformed": 0, "spans_loaded": 120, "spans_quarantined": 3, "quarantined_missing_ids": 0,
          "quarantined_invalid_timestamps": 0, "quarantined_end_before_start": 2, "quarantined_duration_out_of_range": 0,
          "quarantined_outside_arrival_window": 0, "quarantined_unsupported_attribute_type": 1,
          "quarantined_invalid_attribute_value": 0, "quarantined_missing_service_name": 0}


def summary_answer(sql: str):
    return [{"name": name, "type": "INTEGER"} for name in COUNTS], [list(COUNTS.values())]


@pytest.fixture
def recorder():
    server = BigQueryRecorder(responder=summary_answer).start()
    server.tables[f"{PROJECT}.billing_raw.otel_spans_raw"] = {
        "tableReference": {"projectId": PROJECT, "datasetId": "billing_raw", "tableId": "otel_spans_raw"}}
    yield server
    server.stop()


def test_check_sends_the_rendered_summary_for_the_day_and_warns_with_the_reasons(recorder):
    resource = BigQueryQueryResource(
        bigquery=FinopsBigQueryResource(bigquery=BigQueryResource(project=PROJECT, location="EU"), api_endpoint=recorder.endpoint),
        dataset="billing_raw",
    )
    with resource.open() as queries:
        result = evaluate(queries, date(2025, 9, 30))

    (sent,) = recorder.job_configs("query")
    assert sent["query"] == (
        quarantine.rendered_path("bigquery").read_text().replace("__TABLE__", f"`{PROJECT}.billing_raw.otel_spans_raw`")
        .replace("__PARTITION_START__", "@partition_start").replace("__PARTITION_END__", "@partition_end")
    )
    assert sent["queryParameters"] == [
        {"name": "partition_start", "parameterType": {"type": "TIMESTAMP"}, "parameterValue": {"value": "2025-09-30 00:00:00+00:00"}},
        {"name": "partition_end", "parameterType": {"type": "TIMESTAMP"}, "parameterValue": {"value": "2025-10-01 00:00:00+00:00"}},
    ]
    assert not result.passed and result.severity is dg.AssetCheckSeverity.WARN
    assert result.description.startswith(
        "2025-09-30: 3 of 120 spans quarantined (end_before_start 2, unsupported_attribute_type 1); they are kept in "
        "stg_otel_spans")
    assert {k: v.value for k, v in result.metadata.items() if k != "day"} == COUNTS
