"""`gcp_billing_export`: nested NDJSON loaded natively into DuckDB, exact, with STRUCT/LIST kept."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

from finops_assets_tests.conftest import MONTH, materialize_month, output_metadata, query, step_failure_message
from finops_assets_tests.gcp_exports import exact_sums, gcp_rows, write_gcp_month

TABLE = "billing_raw.gcp_billing_export"


def load(defs, **kwargs):
    return materialize_month(defs, MONTH, asset="gcp_billing_export", **kwargs)


def totals(settings):
    return query(
        settings,
        f"SELECT count(*), sum(cost), (SELECT sum(c.amount) FROM (SELECT unnest(credits) AS c FROM {TABLE})) FROM {TABLE}",
    )[0]


@pytest.mark.parametrize("gz", [True, False])
def test_month_loads_exactly_with_nested_records_kept(landing, defs, settings, gz):
    paths = write_gcp_month(landing, MONTH, gcp_rows(MONTH, 30), gz=gz)
    meta = output_metadata(load(defs))

    cost, credits, count = exact_sums(paths)
    assert totals(settings) == (count, cost, credits)
    assert credits == Decimal("-0.00011")  # ten credits of -1.1e-05, exact
    types = dict(query(settings, "SELECT column_name, data_type FROM information_schema.columns WHERE table_name = 'gcp_billing_export'"))
    assert types["credits"].startswith("STRUCT(") and types["credits"].endswith("[]")
    assert "amount DECIMAL(38,18)" in types["credits"]
    assert types["labels"].startswith("STRUCT(") and types["labels"].endswith("[]")
    assert types["cost"] == "DECIMAL(38,18)"
    assert types["invoice_month"] == "TIMESTAMP"
    assert query(settings, f"SELECT DISTINCT invoice_month, invoice.month FROM {TABLE}")[0][1] == "202509"
    assert query(settings, f"SELECT count(*) FROM {TABLE} WHERE list_contains(list_transform(labels, lambda l: l.value), 'search-service')") == [(15,)]
    assert meta["execution_id"].startswith("files:")
    assert Decimal(meta["total_cost"]) == cost


def test_unchanged_files_are_a_noop_and_a_new_export_replaces_the_month(landing, defs, settings):
    write_gcp_month(landing, MONTH, gcp_rows(MONTH, 10))
    load(defs)
    assert output_metadata(load(defs))["skipped"] is True
    paths = write_gcp_month(landing, MONTH, gcp_rows(MONTH, 14, salt="b"), parts=2)
    meta = output_metadata(load(defs))
    assert meta["skipped"] is False and meta["previous_execution_id"]
    assert totals(settings)[0] == exact_sums(paths)[2] == 14


@pytest.fixture
def loaded(landing, defs, settings):
    write_gcp_month(landing, MONTH, gcp_rows(MONTH, 12))
    load(defs)
    return totals(settings)


def assert_fails_and_intact(defs, settings, before, *fragments):
    result = load(defs, raise_on_error=False)
    assert not result.success
    message = step_failure_message(result)
    for fragment in fragments:
        assert fragment in message, message
    assert totals(settings) == before
    return message


def test_malformed_json_line_fails_naming_file_and_line(landing, defs, settings, loaded):
    folder = landing / "gcp_billing" / f"invoice_month={MONTH:%Y%m}"
    (folder / "export-009.jsonl.gz").write_bytes(__import__("gzip").compress(b'{"cost": 1.0, "invoice": {"month": "202509"}}\n{"cost": \n'))
    assert_fails_and_intact(defs, settings, loaded, "export-009.jsonl.gz", "line 2")


def test_credit_with_a_non_numeric_amount_fails_naming_it(landing, defs, settings, loaded):
    rows = gcp_rows(MONTH, 3)
    rows[0]["credits"] = [{"name": "promo", "amount": "lots", "full_name": None, "id": "p", "type": "PROMOTION"}]
    folder = landing / "gcp_billing" / f"invoice_month={MONTH:%Y%m}"
    (folder / "export-010.jsonl.gz").write_bytes(__import__("gzip").compress("".join(json.dumps(r) + "\n" for r in rows).encode()))
    assert_fails_and_intact(defs, settings, loaded, "export-010.jsonl.gz", 'Could not convert string "lots" to DECIMAL')


def test_rows_of_another_invoice_month_fail(landing, defs, settings, loaded):
    rows = gcp_rows(MONTH, 3)
    rows[1]["invoice"]["month"] = "202510"
    folder = landing / "gcp_billing" / f"invoice_month={MONTH:%Y%m}"
    (folder / "export-011.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    (folder / "export-011.jsonl").rename(folder / "export-011.jsonl.gz.tmp")
    (folder / "export-011.jsonl.gz").write_bytes(__import__("gzip").compress((folder / "export-011.jsonl.gz.tmp").read_bytes()))
    (folder / "export-011.jsonl.gz.tmp").unlink()
    assert_fails_and_intact(defs, settings, loaded, "1 rows have invoice.month outside 2025-09")


def test_month_without_files_fails_with_the_folder_named(landing, defs):
    result = load(defs, raise_on_error=False)
    assert "no GCP billing export files for invoice month 202509" in step_failure_message(result)
