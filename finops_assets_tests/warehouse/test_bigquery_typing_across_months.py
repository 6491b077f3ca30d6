"""Schema knowledge across months on BigQuery, as on DuckDB: the newest manifest types the raw table, an older
month loads into its types, and `_load_tracking.typed_by_manifest` records per month which manifest typed it.
The real google-cloud-bigquery client against the recording server; the exact requests are asserted."""

from __future__ import annotations

from datetime import date

from finops_assets.partitions import backfill_order
from finops_assets_tests.bigquery_recorder import loader_answers
from finops_assets_tests.conftest import MONTH, materialize_month, output_metadata, step_failure_message
from finops_assets_tests.defs.aws_cur.test_typing_across_months import AUGUST, write_months
from finops_assets_tests.warehouse.test_bigquery_io_manager import PROJECT, prod_defs, recorder  # noqa: F401 (fixtures)

TRACKING = f"`{PROJECT}.billing_raw._load_tracking`"


def answers_with_typed_by(manifest: str | None):
    """The loader's usual answers, plus `manifest` as the table's latest typing manifest in `_load_tracking`."""
    usual = loader_answers()

    def responder(sql: str):
        if sql.startswith("SELECT typed_by_manifest"):
            return [{"name": "typed_by_manifest", "type": "STRING"}], [[manifest]] if manifest else []
        return usual(sql)

    return responder


def tracking_inserts(recorder) -> list[dict]:
    return [
        {p["name"]: p["parameterValue"]["value"] for p in q["queryParameters"]}
        for q in recorder.job_configs("query") if q["query"].lstrip().startswith(f"INSERT INTO {TRACKING}")
    ]


def test_newest_month_types_the_table_and_the_older_month_loads_into_its_types(landing, prod_defs, recorder):
    august, september = write_months(landing)
    assert backfill_order([AUGUST, MONTH]) == [MONTH, AUGUST]
    recorder.responder = answers_with_typed_by(str(september.manifest_path))

    newest = output_metadata(materialize_month(prod_defs, MONTH))
    # September created the table: it typed itself, and no lookup of an earlier typing was needed.
    assert newest["typed_by_manifest"] == str(september.manifest_path)
    assert not any(q["query"].startswith("SELECT typed_by_manifest") for q in recorder.job_configs("query"))
    recorder.requests.clear()

    older = output_metadata(materialize_month(prod_defs, AUGUST))
    assert older["typed_by_manifest"] == str(september.manifest_path)
    assert older["columns_typed_by_newer_manifest"] == ["line_item_usage_amount"]
    # The table existed (409), so its schema was read, and the manifest that typed it was looked up by table name.
    creates = [r for r in recorder.requests if r.method == "POST" and r.path.endswith("/tables")]
    assert [c.body["tableReference"]["tableId"] for c in creates] == ["_load_tracking", "aws_cur_raw"]
    assert any(r.method == "GET" and r.path.endswith("/datasets/billing_raw/tables/aws_cur_raw") for r in recorder.requests)
    (lookup,) = [q for q in recorder.job_configs("query") if q["query"].startswith("SELECT typed_by_manifest")]
    assert lookup["query"] == (
        f"SELECT typed_by_manifest FROM {TRACKING} WHERE table_name = @table_name "
        "AND typed_by_manifest IS NOT NULL ORDER BY loaded_at DESC LIMIT 1"
    )
    assert lookup["queryParameters"] == [
        {"name": "table_name", "parameterType": {"type": "STRING"}, "parameterValue": {"value": "aws_cur_raw"}}
    ]
    # August's manifest says String; the load job reads the column with the table's BIGNUMERIC.
    (load,) = recorder.job_configs("load")
    assert load["destinationTable"]["tableId"] == "aws_cur_raw$202508"
    fields = {f["name"]: f["type"] for f in load["schema"]["fields"]}
    assert fields["line_item_usage_amount"] == "BIGNUMERIC"
    (insert,) = tracking_inserts(recorder)
    assert (insert["month"], insert["execution_id"], insert["typed_by_manifest"]) == ("2025-08-01", "aug-1", str(september.manifest_path))
    assert "typed_by_manifest" in next(
        q["query"] for q in recorder.job_configs("query") if q["query"].lstrip().startswith(f"INSERT INTO {TRACKING}")
    )


def test_oldest_first_fails_before_any_load_job_naming_the_retyped_column(landing, prod_defs, recorder):
    write_months(landing)
    recorder.responder = answers_with_typed_by(None)
    assert materialize_month(prod_defs, AUGUST).success
    recorder.requests.clear()

    result = materialize_month(prod_defs, MONTH, raise_on_error=False)
    assert not result.success
    message = step_failure_message(result)
    assert "column 'line_item_usage_amount'" in message
    assert "is BIGNUMERIC in this export but STRING in finops-test.billing_raw.aws_cur_raw" in message
    assert recorder.job_configs("load") == []
    assert tracking_inserts(recorder) == []


def test_a_tracking_table_without_typed_by_manifest_gains_the_column(landing, prod_defs, recorder):
    _, september = write_months(landing)
    old_fields = [{"name": n, "type": t} for n, t in [
        ("source", "STRING"), ("billing_month", "DATE"), ("execution_id", "STRING"), ("manifest_uri", "STRING"),
        ("file_count", "INTEGER"), ("row_count", "INTEGER"), ("bytes", "INTEGER"), ("loaded_at", "TIMESTAMP"),
        ("table_name", "STRING"), ("columns", "STRING"), ("total_cost", "BIGNUMERIC"), ("forced", "BOOLEAN"),
    ]]
    recorder.tables[f"{PROJECT}.billing_raw._load_tracking"] = {
        "tableReference": {"projectId": PROJECT, "datasetId": "billing_raw", "tableId": "_load_tracking"},
        "schema": {"fields": old_fields}, "etag": "e1",
    }
    recorder.responder = answers_with_typed_by(None)
    assert materialize_month(prod_defs, MONTH).success

    (patch,) = [r for r in recorder.requests if r.method == "PATCH"]
    assert patch.path.endswith("/datasets/billing_raw/tables/_load_tracking")
    assert [f["name"] for f in patch.body["schema"]["fields"]] == [f["name"] for f in old_fields] + ["typed_by_manifest"]
    assert patch.body["schema"]["fields"][-1] == {"name": "typed_by_manifest", "type": "STRING", "mode": "NULLABLE"}
    (insert,) = tracking_inserts(recorder)
    assert insert["typed_by_manifest"] == str(september.manifest_path)
