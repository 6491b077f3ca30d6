"""The BigQuery path of `aws_cur_raw`, through the real google-cloud-bigquery client, against a recording
server on 127.0.0.1. Every request the loader sends is asserted: nothing here talks to Google."""

from __future__ import annotations

from datetime import date

import dagster as dg
import pytest

from finops_assets.definitions import build_definitions
from finops_assets.settings import Settings
from finops_assets_tests.bigquery_recorder import BigQueryRecorder, loader_answers as answers
from finops_assets_tests.conftest import MONTH, materialize_month, output_metadata
from finops_assets_tests.cur_exports import BASE_COLUMNS, CurExport, sample_rows

PROJECT = "finops-test"


@pytest.fixture
def recorder():
    server = BigQueryRecorder(responder=answers(), load_output_rows=40).start()
    yield server
    server.stop()


@pytest.fixture
def prod_defs(tmp_path, landing, recorder, monkeypatch):
    monkeypatch.setenv("GOOGLE_CLOUD_PROJECT", PROJECT)
    settings = Settings(
        env="prod", landing_url=str(landing), gcp_project=PROJECT, bq_location="EU",
        bq_api_endpoint=recorder.endpoint, start_month=date(2024, 1, 1),
    )
    return build_definitions(settings)


def test_csv_month_is_one_load_job_into_the_partition_decorator(landing, prod_defs, recorder):
    export = CurExport(landing, MONTH, "assembly-1", rows=sample_rows(MONTH, 40), parts=2).write()
    result = materialize_month(prod_defs, MONTH)

    (load,) = recorder.job_configs("load")
    assert load["destinationTable"] == {"projectId": PROJECT, "datasetId": "billing_raw", "tableId": "aws_cur_raw$202509"}
    assert load["sourceUris"] == [str(export.data_path(1)), str(export.data_path(2))]
    assert load["sourceFormat"] == "CSV"
    assert load["skipLeadingRows"] == "1"  # the client sends int64 fields as strings
    assert load["allowQuotedNewlines"] is True
    assert load["writeDisposition"] == "WRITE_TRUNCATE"
    assert load["createDisposition"] == "CREATE_NEVER"
    assert load["schemaUpdateOptions"] == ["ALLOW_FIELD_ADDITION"]
    assert load["timePartitioning"] == {"type": "MONTH", "field": "bill_billing_period_start_date"}
    assert load["clustering"] == {"fields": ["line_item_usage_start_date"]}
    fields = {f["name"]: f["type"] for f in load["schema"]["fields"]}
    assert list(fields) == [
        "identity_line_item_id", "identity_time_interval", "bill_billing_period_start_date", "bill_payer_account_id",
        "line_item_line_item_type", "line_item_usage_start_date", "line_item_product_code", "line_item_usage_type",
        "line_item_usage_amount", "line_item_unblended_cost", "line_item_line_item_description",
        "product_from_region_code", "resource_tags_user_cost_center",
    ]
    assert fields["line_item_unblended_cost"] == "BIGNUMERIC"
    assert fields["line_item_usage_start_date"] == "TIMESTAMP"
    assert fields["identity_time_interval"] == "STRING"

    meta = output_metadata(result)
    assert meta["dagster/row_count"] == 40
    assert meta["total_unblended_cost"] == "42.000000000000000001"
    assert meta["table"] == f"{PROJECT}.billing_raw.aws_cur_raw"


def test_raw_table_is_precreated_month_partitioned_and_clustered(landing, prod_defs, recorder):
    CurExport(landing, MONTH, "assembly-1", rows=sample_rows(MONTH, 40)).write()
    materialize_month(prod_defs, MONTH)

    created = {t["tableReference"]["tableId"]: t for t in recorder.created_tables()}
    raw = created["aws_cur_raw"]
    assert raw["timePartitioning"] == {"type": "MONTH", "field": "bill_billing_period_start_date"}
    assert raw["clustering"] == {"fields": ["line_item_usage_start_date"]}
    assert {f["name"]: f["type"] for f in raw["schema"]["fields"]}["line_item_unblended_cost"] == "BIGNUMERIC"
    tracking = created["_load_tracking"]
    assert [f["name"] for f in tracking["schema"]["fields"]][:8] == [
        "source", "billing_month", "execution_id", "manifest_uri", "file_count", "row_count", "bytes", "loaded_at",
    ]
    datasets = [r.body for r in recorder.requests if r.path.endswith(f"/projects/{PROJECT}/datasets")]
    assert datasets[0]["location"] == "EU"


def test_load_is_recorded_in_load_tracking_with_parameters(landing, prod_defs, recorder):
    CurExport(landing, MONTH, "assembly-1", rows=sample_rows(MONTH, 40)).write()
    materialize_month(prod_defs, MONTH)

    (insert,) = [q for q in recorder.job_configs("query") if q["query"].lstrip().startswith("INSERT INTO")]
    assert "`finops-test.billing_raw._load_tracking`" in insert["query"]
    params = {p["name"]: p["parameterValue"]["value"] for p in insert["queryParameters"]}
    assert params["source"] == "aws_cur"
    assert params["month"] == "2025-09-01"
    assert params["execution_id"] == "assembly-1"
    assert params["row_count"] == "40"
    assert params["file_count"] == "2"
    assert params["total_cost"] == "42.000000000000000001"


def test_already_loaded_assembly_sends_no_load_job(landing, prod_defs, recorder):
    CurExport(landing, MONTH, "assembly-1", rows=sample_rows(MONTH, 40)).write()
    recorder.responder = answers(previous_execution_id="assembly-1")
    meta = output_metadata(materialize_month(prod_defs, MONTH))

    assert recorder.job_configs("load") == []
    assert meta["skipped"] is True
    assert meta["dagster/row_count"] == 40


def test_parquet_month_is_staged_then_cast_to_bignumeric_into_the_partition(landing, prod_defs, recorder):
    CurExport(landing, MONTH, "pq-1", rows=sample_rows(MONTH, 40), parquet=True).write()
    staged_schema = [
        {"name": name, "type": "FLOAT" if kind.endswith("BigDecimal") else ("TIMESTAMP" if kind == "DateTime" else "STRING")}
        for name, kind in [(f"{c}/{n}", t) for c, n, t in BASE_COLUMNS]
    ]
    from finops_assets.warehouse.identifiers import snake_case

    for field in staged_schema:
        field["name"] = snake_case(field["name"])
    original_answer = recorder.answer

    def answer(method, path, body):
        status, payload = original_answer(method, path, body)
        if method == "GET" and path.endswith("/tables/_staging_aws_cur_raw_202509"):
            payload = {**payload, "schema": {"fields": staged_schema}}
        return status, payload

    recorder.answer = answer
    materialize_month(prod_defs, MONTH)

    (load,) = recorder.job_configs("load")
    assert load["sourceFormat"] == "PARQUET"
    assert load["destinationTable"]["tableId"] == "_staging_aws_cur_raw_202509"
    (copy,) = [q for q in recorder.job_configs("query") if q.get("destinationTable")]
    assert copy["destinationTable"]["tableId"] == "aws_cur_raw$202509"
    assert copy["writeDisposition"] == "WRITE_TRUNCATE"
    assert copy["schemaUpdateOptions"] == ["ALLOW_FIELD_ADDITION"]
    assert "CAST(CAST(`line_item_unblended_cost` AS STRING) AS BIGNUMERIC)" in copy["query"]
    assert any(r.method == "DELETE" and r.path.endswith("/_staging_aws_cur_raw_202509") for r in recorder.requests)


def test_failed_load_job_names_the_manifest_and_sends_no_tracking_row(landing, prod_defs, recorder):
    CurExport(landing, MONTH, "assembly-1", rows=sample_rows(MONTH, 40)).write()
    original_insert = recorder._insert_job

    def failing_insert(project, body):
        job = original_insert(project, body)
        if "load" in body["configuration"]:
            job["status"] = {"state": "DONE", "errorResult": {"reason": "invalid", "message": "Error while reading data, error message: CSV table encountered too many errors"}, "errors": [{"reason": "invalid", "message": "Row 5 has 11 columns, expected 13"}]}
        return job

    recorder._insert_job = failing_insert
    result = materialize_month(prod_defs, MONTH, raise_on_error=False)

    assert not result.success
    failure = next(e for e in result.all_events if e.event_type_value == "STEP_FAILURE")
    message = str(failure.event_specific_data.error)
    assert "test-report-Manifest.json" in message and "2025-09" in message and "previous data is unchanged" in message
    assert not [q for q in recorder.job_configs("query") if q["query"].lstrip().startswith("INSERT INTO")]


def test_azure_month_is_staged_counted_then_written_to_the_partition(landing, prod_defs, recorder):
    from finops_assets_tests.focus_exports import FocusExport, focus_rows

    export = FocusExport(landing, MONTH, "run-1", rows=focus_rows(MONTH, 40), file_format="Csv", compression="Gzip").write()
    meta = output_metadata(materialize_month(prod_defs, MONTH, asset="azure_focus_raw"))

    (load,) = recorder.job_configs("load")
    assert load["destinationTable"]["tableId"] == "_staging_azure_focus_raw_202509"
    assert load["sourceFormat"] == "CSV" and load["skipLeadingRows"] == "1"
    assert load["nullMarkers"] == ["", "NULL"]
    assert load["sourceUris"] == [str(export.folder / export.file_name(1)), str(export.folder / export.file_name(2))]
    fields = {f["name"]: f["type"] for f in load["schema"]["fields"]}
    assert (fields["billed_cost"], fields["tags"], fields["charge_period_start"]) == ("BIGNUMERIC", "JSON", "TIMESTAMP")
    (write,) = [q for q in recorder.job_configs("query") if q.get("destinationTable")]
    assert write["destinationTable"]["tableId"] == "azure_focus_raw$202509"
    assert write["writeDisposition"] == "WRITE_TRUNCATE"
    assert write["timePartitioning"] == {"type": "MONTH", "field": "billing_period_start"}
    assert "CAST(`billed_cost` AS BIGNUMERIC) AS `billed_cost`" in write["query"]
    raw = {t["tableReference"]["tableId"]: t for t in recorder.created_tables()}["azure_focus_raw"]
    assert raw["timePartitioning"] == {"type": "MONTH", "field": "billing_period_start"}
    assert raw["clustering"] == {"fields": ["charge_period_start"]}
    assert meta["dagster/row_count"] == 40


def test_azure_row_count_mismatch_never_touches_the_partition(landing, prod_defs, recorder):
    from finops_assets_tests.conftest import step_failure_message
    from finops_assets_tests.focus_exports import FocusExport, focus_rows

    FocusExport(landing, MONTH, "run-1", rows=focus_rows(MONTH, 41)).write()  # declares 41, the job loads 40
    result = materialize_month(prod_defs, MONTH, asset="azure_focus_raw", raise_on_error=False)

    assert not result.success
    assert "the files hold 40 rows but the manifest declares 41" in step_failure_message(result)
    assert not [q for q in recorder.job_configs("query") if q.get("destinationTable")]
    assert any(r.method == "DELETE" and r.path.endswith("/_staging_azure_focus_raw_202509") for r in recorder.requests)


@pytest.fixture
def gcp_prod_defs(tmp_path, landing, recorder, monkeypatch):
    monkeypatch.setenv("GOOGLE_CLOUD_PROJECT", PROJECT)
    return build_definitions(Settings(
        env="prod", landing_url=str(landing), gcp_project=PROJECT, bq_api_endpoint=recorder.endpoint,
        gcp_billing_table="billing-proj.billing_export.gcp_billing_export_v1_0000AA_BBBBBB_CCCCCC",
        start_month=date(2024, 1, 1),
    ))


def gcp_answers(version_time: str | None, previous: str | None = None):
    base = answers(previous_execution_id=previous)

    def responder(sql: str):
        if sql.startswith("SELECT FORMAT_TIMESTAMP("):
            return [{"name": "f0_", "type": "STRING"}, {"name": "f1_", "type": "INTEGER"}], [[version_time, 1234]]
        if sql.startswith("SELECT COUNT(*)"):
            return [{"name": "f0_", "type": "INTEGER"}], [[1234]]
        return base(sql)

    return responder


def test_gcp_month_is_copied_inside_bigquery_by_one_query_job(gcp_prod_defs, recorder):
    recorder.responder = gcp_answers("2025-10-02T04:00:00.000000Z")
    meta = output_metadata(materialize_month(gcp_prod_defs, MONTH, asset="gcp_billing_export"))

    assert recorder.job_configs("load") == []  # no bytes leave BigQuery
    (copy,) = [q for q in recorder.job_configs("query") if q.get("destinationTable")]
    assert copy["destinationTable"]["tableId"] == "gcp_billing_export$202509"
    assert copy["writeDisposition"] == "WRITE_TRUNCATE"
    assert copy["timePartitioning"] == {"type": "MONTH", "field": "invoice_month"}
    assert copy["clustering"] == {"fields": ["usage_start_time"]}
    assert "FROM `billing-proj.billing_export.gcp_billing_export_v1_0000AA_BBBBBB_CCCCCC` WHERE `invoice`.`month` = @invoice_month" in copy["query"]
    assert {p["name"]: p["parameterValue"]["value"] for p in copy["queryParameters"]} == {"invoice_month": "202509"}
    assert "CAST(CAST(`cost` AS STRING) AS BIGNUMERIC) AS `cost`" in copy["query"]
    assert "ARRAY(SELECT AS STRUCT CAST(e.`name` AS STRING) AS `name`, CAST(CAST(e.`amount` AS STRING) AS BIGNUMERIC) AS `amount`" in copy["query"]
    assert "PARSE_TIMESTAMP('%Y%m', `invoice`.`month`) AS `invoice_month`" in copy["query"]
    raw = {t["tableReference"]["tableId"]: t for t in recorder.created_tables()}["gcp_billing_export"]
    fields = {f["name"]: f for f in raw["schema"]["fields"]}
    assert fields["credits"]["type"] == "RECORD" and fields["credits"]["mode"] == "REPEATED"
    assert {f["name"]: f["type"] for f in fields["credits"]["fields"]}["amount"] == "BIGNUMERIC"
    assert fields["invoice_month"]["type"] == "TIMESTAMP"
    assert meta["execution_id"] == "export_time=2025-10-02T04:00:00.000000Z;rows=1234"
    assert meta["dagster/row_count"] == 1234


def test_gcp_month_whose_export_did_not_change_is_a_noop(gcp_prod_defs, recorder):
    version = "export_time=2025-10-02T04:00:00.000000Z;rows=1234"
    recorder.responder = gcp_answers("2025-10-02T04:00:00.000000Z", previous=version)
    meta = output_metadata(materialize_month(gcp_prod_defs, MONTH, asset="gcp_billing_export"))
    assert meta["skipped"] is True
    assert not [q for q in recorder.job_configs("query") if q.get("destinationTable")]


def test_data_exports_month_loads_maps_as_key_value_records_and_costs_as_bignumeric(landing, prod_defs, recorder):
    from finops_assets_tests.data_exports import DataExport, sample_rows as cur2_rows

    export = DataExport(landing, MONTH, "exec-1", cur2_rows(MONTH, 40), parts=2).write()
    # What BigQuery's Parquet load makes of the files with map_target_type=ARRAY_OF_STRUCT: doubles as FLOAT,
    # maps as REPEATED RECORD<key, value>.
    key_value = [{"name": "key", "type": "STRING", "mode": "REQUIRED"}, {"name": "value", "type": "STRING"}]
    staged = [
        {"name": "identity_line_item_id", "type": "STRING"}, {"name": "bill_billing_period_start_date", "type": "TIMESTAMP"},
        {"name": "line_item_unblended_cost", "type": "FLOAT"}, {"name": "line_item_usage_amount", "type": "FLOAT"},
        {"name": "resource_tags", "type": "RECORD", "mode": "REPEATED", "fields": key_value},
        {"name": "product", "type": "RECORD", "mode": "REPEATED", "fields": key_value},
    ]
    original_answer = recorder.answer

    def answer(method, path, body):
        status, payload = original_answer(method, path, body)
        if method == "GET" and path.endswith("/tables/_staging_aws_data_exports_raw_202509"):
            payload = {**payload, "schema": {"fields": staged}}
        return status, payload

    recorder.answer = answer
    meta = output_metadata(materialize_month(prod_defs, MONTH, asset="aws_data_exports_raw"))

    (load,) = recorder.job_configs("load")
    assert load["sourceFormat"] == "PARQUET"
    assert load["parquetOptions"] == {"mapTargetType": "ARRAY_OF_STRUCT"}
    assert load["destinationTable"]["tableId"] == "_staging_aws_data_exports_raw_202509"
    assert load["sourceUris"] == [str(export.data_folder() / f"cur2-daily-0000{i}.snappy.parquet") for i in (1, 2)]
    raw = {t["tableReference"]["tableId"]: t for t in recorder.created_tables()}["aws_data_exports_raw"]
    assert raw["timePartitioning"] == {"type": "MONTH", "field": "bill_billing_period_start_date"}
    fields = {f["name"]: f for f in raw["schema"]["fields"]}
    assert fields["resource_tags"]["type"] == "RECORD" and fields["resource_tags"]["mode"] == "REPEATED"
    assert [(f["name"], f["type"]) for f in fields["resource_tags"]["fields"]] == [("key", "STRING"), ("value", "STRING")]
    assert fields["line_item_unblended_cost"]["type"] == "BIGNUMERIC"
    (write,) = [q for q in recorder.job_configs("query") if q.get("destinationTable")]
    assert write["destinationTable"]["tableId"] == "aws_data_exports_raw$202509"
    assert write["writeDisposition"] == "WRITE_TRUNCATE"
    assert "CAST(CAST(`line_item_unblended_cost` AS STRING) AS BIGNUMERIC) AS `line_item_unblended_cost`" in write["query"]
    assert "`resource_tags` AS `resource_tags`" in write["query"] and "`product` AS `product`" in write["query"]
    assert "CAST(NULL AS STRING) AS `line_item_product_code`" in write["query"]  # not in this staged schema
    (insert,) = [q for q in recorder.job_configs("query") if q["query"].lstrip().startswith("INSERT INTO")]
    params = {p["name"]: p["parameterValue"]["value"] for p in insert["queryParameters"]}
    assert (params["source"], params["execution_id"], params["month"]) == ("aws_data_exports", "exec-1", "2025-09-01")
    assert meta["total_unblended_cost"] == "42.000000000000000001"


def test_a_partition_range_is_one_run_with_a_load_job_and_a_tracking_row_per_month(landing, prod_defs, recorder):
    from dagster._core.storage.tags import ASSET_PARTITION_RANGE_END_TAG, ASSET_PARTITION_RANGE_START_TAG

    august = date(2025, 8, 1)
    exports = {month: CurExport(landing, month, f"assembly-{month:%m}", rows=sample_rows(month, 40)).write()
               for month in (august, MONTH)}
    result = dg.materialize(
        [prod_defs.resolve_assets_def("aws_cur_raw")], instance=dg.DagsterInstance.ephemeral(),
        tags={ASSET_PARTITION_RANGE_START_TAG: august.isoformat(), ASSET_PARTITION_RANGE_END_TAG: MONTH.isoformat()},
    )

    # Newest month first (it types the table), each into its own partition decorator from its own files.
    loads = recorder.job_configs("load")
    assert [load["destinationTable"]["tableId"] for load in loads] == ["aws_cur_raw$202509", "aws_cur_raw$202508"]
    assert loads[1]["sourceUris"] == [str(exports[august].data_path(1)), str(exports[august].data_path(2))]
    assert all(load["writeDisposition"] == "WRITE_TRUNCATE" for load in loads)
    inserts = [q for q in recorder.job_configs("query") if q["query"].lstrip().startswith("INSERT INTO")]
    tracked = [{p["name"]: p["parameterValue"]["value"] for p in q["queryParameters"]} for q in inserts]
    assert [(t["month"], t["execution_id"]) for t in tracked] == [("2025-09-01", "assembly-09"), ("2025-08-01", "assembly-08")]
    metadata = {e.materialization.partition: {k: v.value for k, v in e.materialization.metadata.items()}
                for e in result.get_asset_materialization_events()}
    assert {p: (m["execution_id"], m["dagster/row_count"]) for p, m in metadata.items()} == {
        "2025-08-01": ("assembly-08", 40), "2025-09-01": ("assembly-09", 40)}
    assert metadata["2025-08-01"]["table"] == f"{PROJECT}.billing_raw.aws_cur_raw"
