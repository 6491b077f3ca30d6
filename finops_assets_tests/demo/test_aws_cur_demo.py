"""The demo CUR generator writes exports the loader (and a person reading them) would take for real ones."""

from __future__ import annotations

import csv
import gzip
import io
import json
import re
from datetime import date
from decimal import Decimal

import pytest

from finops_assets.defs.aws_cur.discovery import report_key_to_landing_key
from finops_assets.defs.aws_cur.schema import CUR_TYPE_MAP
from finops_assets.demo.aws_cur import generate_aws_cur, restate_aws_cur
from finops_assets.demo.dimensions import month_range

MONTHS = [date(2025, 8, 1), date(2025, 9, 1)]


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    root = tmp_path_factory.mktemp("landing")
    return root, generate_aws_cur(root, MONTHS, 2000, seed=11)


def read_rows(root, assembly):
    header, rows = None, []
    for key in assembly.data_keys:
        reader = csv.reader(io.StringIO(gzip.decompress((root / key).read_bytes()).decode()))
        file_header = next(reader)
        assert header in (None, file_header)
        header = file_header
        rows.extend(reader)
    return header, [dict(zip(header, r)) for r in rows]


def test_month_range_ends_at_the_given_month():
    assert month_range(date(2025, 2, 14), 3) == [date(2024, 12, 1), date(2025, 1, 1), date(2025, 2, 1)]


def test_manifest_has_60_plus_typed_columns_and_report_keys_next_to_it(demo):
    root, assemblies = demo
    for assembly in assemblies:
        manifest = json.loads((root / assembly.manifest_key).read_text()) if assembly is assemblies[-1] else None
        if manifest is None:
            continue
        assert len(manifest["columns"]) >= 60
        assert {c["type"] for c in manifest["columns"]} <= set(CUR_TYPE_MAP)
        keys = [report_key_to_landing_key(assembly.manifest_key, k) for k in manifest["reportKeys"]]
        assert keys == list(assembly.data_keys)
        assert all((root / k).is_file() for k in keys)
        assert all(k.startswith("cur/finops-demo/") for k in manifest["reportKeys"])


def test_headers_match_the_manifest_and_parts_add_up(demo):
    root, assemblies = demo
    for assembly in assemblies:
        copy = root / assembly.data_keys[0].rsplit("/", 1)[0] / "finops-demo-Manifest.json"
        manifest = json.loads(copy.read_text())
        assert manifest["assemblyId"] == assembly.assembly_id
        header, rows = read_rows(root, assembly)
        assert header == [f"{c['category']}/{c['name']}" for c in manifest["columns"]]
        assert len(rows) == assembly.row_count
        assert len(assembly.data_keys) == 3


def test_restated_month_has_two_assemblies_and_the_month_level_manifest_names_the_newest(demo):
    root, assemblies = demo
    september = [a for a in assemblies if a.billing_month == date(2025, 9, 1)]
    assert len(september) == 2 and september[0].assembly_id != september[1].assembly_id
    month_level = json.loads((root / september[1].manifest_key).read_text())
    assert month_level["assemblyId"] == september[1].assembly_id
    assert any(c["name"] == "user:Project" for c in month_level["columns"])
    assert [a.billing_month for a in assemblies].count(date(2025, 8, 1)) == 1


def test_restate_writes_a_newer_assembly_for_an_existing_month(tmp_path):
    (first,) = generate_aws_cur(tmp_path, [date(2025, 9, 1)], 300, seed=2, restated_months=0)
    (second,) = restate_aws_cur(tmp_path, [date(2025, 9, 1)], 300, seed=2)
    assert second.manifest_key == first.manifest_key
    assert json.loads((tmp_path / first.manifest_key).read_text())["assemblyId"] == second.assembly_id
    assert (tmp_path / first.data_keys[0]).exists()  # the superseded assembly stays, as on S3


def test_generation_is_deterministic_per_seed(tmp_path):
    def content(seed, folder):
        (assembly,) = generate_aws_cur(tmp_path / folder, [date(2025, 9, 1)], 500, seed=seed, restated_months=0)
        return [gzip.decompress((tmp_path / folder / k).read_bytes()) for k in assembly.data_keys]

    assert content(5, "a") == content(5, "b")
    assert content(5, "a") != content(6, "c")


def test_data_has_the_awkward_cells_of_real_exports(demo):
    root, assemblies = demo
    rows = [r for a in assemblies for r in read_rows(root, a)[1]]
    costs = [r["lineItem/UnblendedCost"] for r in rows]
    assert any(re.fullmatch(r"\d\.\d+E-\d", c) for c in costs)
    assert any(re.fullmatch(r"-?\d+\.\d{10}", c) for c in costs)
    assert any(r["lineItem/UnblendedRate"] == "" for r in rows)  # empty numeric cells
    assert any("," in r["lineItem/LineItemDescription"] and "\n" in r["lineItem/LineItemDescription"] and '"' in r["lineItem/LineItemDescription"] for r in rows)
    assert {r["lineItem/LineItemType"] for r in rows} == {
        "Usage", "Tax", "Credit", "DiscountedUsage", "SavingsPlanCoveredUsage", "RIFee", "SavingsPlanRecurringFee",
    }
    assert all(Decimal(c) < 0 for r, c in zip(rows, costs) if r["lineItem/LineItemType"] == "Credit")
    assert all(Decimal(r["reservation/EffectiveCost"]) >= 0 for r in rows if r["lineItem/LineItemType"] == "DiscountedUsage")
    assert any(r["resourceTags/user:Team"] == "" for r in rows) and any(r["resourceTags/user:Team"] == "checkout" for r in rows)
    assert all(re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:00:00\.000Z", r["lineItem/UsageStartDate"]) for r in rows)


def test_billing_period_start_is_the_first_of_the_month_on_every_row(demo):
    root, assemblies = demo
    for assembly in assemblies:
        expected = f"{assembly.billing_month:%Y-%m}-01T00:00:00.000Z"
        _, rows = read_rows(root, assembly)
        assert {r["bill/BillingPeriodStartDate"] for r in rows} == {expected}
        assert all(r["lineItem/UsageStartDate"].startswith(f"{assembly.billing_month:%Y-%m}") for r in rows)
