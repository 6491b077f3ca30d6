"""The checks' query interface in BigQuery, through the real google-cloud-bigquery client against the loopback
recording server: the exact SQL (backtick-quoted, nested fields, named parameters) and typed parameters a raw
check sends, and its answer turned into a check result."""

from __future__ import annotations

from datetime import date, datetime, timezone

import dagster as dg
import pytest

from finops_assets.defs.gcp_billing.checks import gcp_billing_check_spec
from finops_assets.defs.raw_checks import RAW_CHECKS, CheckInputs, Thresholds, evaluate
from finops_assets.landing import landing_from_url
from finops_assets.settings import Settings
from finops_assets.warehouse.bigquery_resource import FinopsBigQueryResource
from finops_assets.warehouse.queries import BigQueryQueryResource
from finops_assets_tests.bigquery_recorder import BigQueryRecorder

PROJECT = "finops-test"
CHECKS = {c.name: c for c in RAW_CHECKS}


def duplicate_answers(sql: str):
    if "SUM(n - 1)" in sql:
        return [{"name": "f0_", "type": "INTEGER"}, {"name": "f1_", "type": "INTEGER"}], [[1, 2]]
    return ([{"name": f"k{i}", "type": "STRING"} for i in range(12)] + [{"name": "n", "type": "INTEGER"}],
            [["acct", "svc", "sku", "proj", "zone", "res", "2025-10-01 00:00:00", "2025-10-01 01:00:00", "regular",
              "2025-10-02 00:00:00", "1.5", "2", 3]])


@pytest.fixture
def recorder():
    server = BigQueryRecorder(responder=duplicate_answers).start()
    for table in ("gcp_billing_export", "_load_tracking"):
        server.tables[f"{PROJECT}.billing_raw.{table}"] = {"tableReference": {"projectId": PROJECT, "datasetId": "billing_raw", "tableId": table}}
    yield server
    server.stop()


def test_duplicate_check_sends_one_portable_query_with_typed_month_parameters(recorder, tmp_path):
    from dagster_gcp import BigQueryResource

    resource = BigQueryQueryResource(
        bigquery=FinopsBigQueryResource(bigquery=BigQueryResource(project=PROJECT, location="EU"), api_endpoint=recorder.endpoint),
        dataset="billing_raw",
    )
    spec = gcp_billing_check_spec(Settings())
    with resource.open() as queries:
        inputs = CheckInputs(spec, queries, landing_from_url(str(tmp_path)), date(2025, 10, 1),
                             datetime(2026, 1, 1, tzinfo=timezone.utc), Thresholds())
        result = evaluate(CHECKS["no_duplicate_line_items"], inputs)

    totals, sample = recorder.job_configs("query")
    assert totals["query"] == (
        "SELECT COUNT(*), SUM(n - 1) FROM (SELECT `billing_account_id` AS k0, `service`.`id` AS k1, `sku`.`id` AS k2, "
        "`project`.`id` AS k3, `location`.`zone` AS k4, `resource`.`global_name` AS k5, `usage_start_time` AS k6, "
        "`usage_end_time` AS k7, `cost_type` AS k8, `export_time` AS k9, `cost` AS k10, `usage`.`amount` AS k11, "
        "COUNT(*) AS n FROM `finops-test.billing_raw.gcp_billing_export` "
        "WHERE `invoice_month` >= @month_start AND `invoice_month` < @month_end "
        "GROUP BY `billing_account_id`, `service`.`id`, `sku`.`id`, `project`.`id`, `location`.`zone`, "
        "`resource`.`global_name`, `usage_start_time`, `usage_end_time`, `cost_type`, `export_time`, `cost`, "
        "`usage`.`amount` HAVING COUNT(*) > 1) AS d"
    )
    assert totals["queryParameters"] == [
        {"name": "month_start", "parameterType": {"type": "TIMESTAMP"}, "parameterValue": {"value": "2025-10-01 00:00:00+00:00"}},
        {"name": "month_end", "parameterType": {"type": "TIMESTAMP"}, "parameterValue": {"value": "2025-11-01 00:00:00+00:00"}},
    ]
    assert sample["query"].endswith("HAVING COUNT(*) > 1 ORDER BY n DESC LIMIT 10")
    assert not result.passed and result.severity is dg.AssetCheckSeverity.ERROR
    assert result.description == ("finops-test.billing_raw.gcp_billing_export 2025-10: 1 line items appear more than once "
                                  "on (billing_account_id, service.id, sku.id, project.id, location.zone, "
                                  "resource.global_name, usage_start_time, usage_end_time, cost_type, export_time, cost, "
                                  "usage.amount), 2 extra rows: costs would count twice")
    assert "| acct | svc | sku |" in result.metadata["duplicates"].value
