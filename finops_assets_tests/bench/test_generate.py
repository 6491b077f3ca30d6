"""The benchmark's dataset: the demo CUR generator at a tiny scale, cached, with a switchable restatement."""

import gzip
import json
import shutil
from pathlib import Path

import duckdb
import pytest

from bench.generate import SENSOR_OBJECTS, Dataset, ensure_dataset, rows_per_month
from finops_assets.defs.aws_cur.discovery import discover_manifests
from finops_assets.landing import LocalLanding


@pytest.fixture(scope="module")
def dataset(tmp_path_factory):
    return ensure_dataset(tmp_path_factory.mktemp("cache"), months=3, rows=300, parts=2, log=lambda _: None)


def test_the_history_has_the_requested_rows_months_and_parts(dataset):
    assert dataset.rows == 300 and len(dataset.months) == 3
    assert len(dataset.data_files) == 3 * 2
    count = duckdb.connect().execute(
        f"SELECT count(*) FROM read_csv({dataset.data_files!r}, header = true, all_varchar = true, quote = '\"', "
        "escape = '\"', compression = 'gzip')"
    ).fetchone()[0]
    assert count == 300


def test_every_part_has_the_demo_cur_columns(dataset):
    with gzip.open(dataset.data_files[0], "rt") as handle:
        header = handle.readline().strip().split(",")
    assert len(header) >= 60
    assert "lineItem/UnblendedCost" in header and "bill/BillingPeriodStartDate" in header


def test_the_restatement_is_switched_by_the_month_level_manifest(dataset):
    manifest = Path(dataset.landing) / dataset.history_manifest
    original = json.loads(manifest.read_text())["assemblyId"]
    dataset.use_restatement()
    restated = json.loads(manifest.read_text())
    dataset.use_history()
    assert restated["assemblyId"] != original
    assert json.loads(manifest.read_text())["assemblyId"] == original
    assert dataset.restated_rows > dataset.rows_per_month


def test_the_sensor_landing_holds_exactly_the_objects_and_one_manifest_per_month(dataset):
    files = [p for p in Path(dataset.sensor_landing).rglob("*") if p.is_file()]
    assert len(files) == dataset.sensor_objects == SENSOR_OBJECTS
    months = {ref.billing_month.isoformat() for ref in discover_manifests(LocalLanding(dataset.sensor_landing), "aws_cur")}
    assert months == set(dataset.months)


def test_a_second_call_reuses_the_cache(dataset):
    cache = Path(dataset.root).parent
    again = ensure_dataset(cache, months=3, rows=300, parts=2, log=lambda _: None)
    assert again == dataset


def test_a_moved_cache_folder_loads_with_paths_in_its_new_place(dataset, tmp_path):
    moved = tmp_path / "moved"
    shutil.copytree(dataset.root, moved, symlinks=True)
    stored = json.loads((moved / "dataset.json").read_text())
    assert not Path(stored["landing"]).is_absolute() and not Path(stored["data_files"][0]).is_absolute()
    again = Dataset.load(moved / "dataset.json")
    assert again.root == str(moved.resolve())
    assert again.data_files == [str(moved.resolve() / Path(p).relative_to(dataset.root)) for p in dataset.data_files]
    assert all(Path(p).is_file() for p in again.data_files) and Path(again.landing).is_dir()


def test_dataset_json_written_with_absolute_paths_is_re_rooted(dataset, tmp_path):
    moved = tmp_path / "old-layout"
    shutil.copytree(dataset.root, moved, symlinks=True)
    old = {**json.loads((moved / "dataset.json").read_text()), "root": dataset.root, "landing": dataset.landing,
           "sensor_landing": dataset.sensor_landing, "data_files": dataset.data_files}
    (moved / "dataset.json").write_text(json.dumps(old))
    again = Dataset.load(moved / "dataset.json")
    assert again.landing == str(moved.resolve() / "landing")
    assert all(Path(p).is_file() and p.startswith(str(moved.resolve())) for p in again.data_files)


def test_rows_per_month_rounds_the_total():
    assert rows_per_month(10_000_000, 39) == 256_410
    with pytest.raises(ValueError):
        rows_per_month(2, 3)
