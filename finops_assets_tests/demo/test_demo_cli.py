"""`make demo`'s steps through the CLI, on a small landing area: generate, load, restate, load, summary."""

from __future__ import annotations

import pytest

from finops_assets.demo.__main__ import main
from finops_assets.instance_storage import write_instance_yaml


@pytest.fixture
def demo_env(tmp_path, monkeypatch):
    monkeypatch.setenv("FINOPS_LANDING_URL", str(tmp_path / "landing"))
    monkeypatch.setenv("FINOPS_DUCKDB_PATH", str(tmp_path / "warehouse.duckdb"))
    monkeypatch.setenv("FINOPS_START_MONTH", "2025-01")
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path / "dagster_home"))
    (tmp_path / "dagster_home").mkdir()
    write_instance_yaml(tmp_path / "dagster_home")
    return tmp_path


def test_demo_loads_every_month_then_replaces_the_restated_one(demo_env, capsys):
    assert main(["generate", "--months", "2", "--rows-per-month", "300", "--seed", "3", "--end-month", "2025-10"]) == 0
    assert main(["materialize"]) == 0
    assert main(["restate", "--rows-per-month", "300", "--seed", "3"]) == 0
    assert main(["materialize"]) == 0
    assert main(["summary"]) == 0
    out = capsys.readouterr().out
    assert out.count("first load of the month") == 8  # two months, four sources
    assert "aws_cur_raw 2025-09: execution" in out and "azure_focus_raw 2025-09: execution" in out
    assert "aws_cur_raw 2025-10: replaced execution" in out
    assert "azure_focus_raw 2025-10: replaced execution" in out
    aws = out[out.index("billing_raw.aws_cur_raw") :].splitlines()
    assert aws[2].split()[:2] == ["2025-09", "300"]
    assert aws[3].split()[:2] == ["2025-10", "331"] and aws[3].split()[-1] == "2"
    assert aws[4].split()[:2] == ["total", "631"]
    cur2 = out[out.index("billing_raw.aws_data_exports_raw") :].splitlines()  # the smaller payer: half the rows
    assert cur2[2].split()[:2] == ["2025-09", "150"]
    assert cur2[3].split()[:2] == ["2025-10", "166"] and cur2[3].split()[-1] == "2"
    assert "aws_data_exports_raw 2025-10: replaced execution" in out
    azure = out[out.index("billing_raw.azure_focus_raw") :].splitlines()
    assert azure[2].split()[:2] == ["2025-09", "300"]
    assert azure[3].split()[:2] == ["2025-10", "316"] and azure[3].split()[-1] == "2"
    gcp = out[out.index("billing_raw.gcp_billing_export") :].splitlines()
    assert gcp[2].split()[:2] == ["2025-09", "300"]
    assert gcp[3].split()[:2] == ["2025-10", "313"] and gcp[3].split()[-1] == "2"
    assert "gcp_billing_export 2025-10: replaced execution" in out

def test_materialize_without_data_says_what_to_do(demo_env, capsys):
    assert main(["materialize"]) == 1
    assert "run `make demo-data` first" in capsys.readouterr().err


def test_demo_azure_runs_reconcile_and_share_dimensions_with_aws(demo_env):
    import duckdb

    assert main(["generate", "--months", "3", "--rows-per-month", "400", "--seed", "5", "--end-month", "2025-09"]) == 0
    landing = demo_env / "landing"
    runs = sorted((landing / "azure_focus").rglob("manifest.json"))
    assert len(runs) == 3
    formats = {__import__("json").loads(p.read_text())["deliveryConfig"]["fileFormat"] for p in runs}
    assert formats == {"Parquet", "Csv"}  # both delivery formats appear
    tags = duckdb.sql(
        f"SELECT DISTINCT json_extract_string(Tags::JSON, '$.environment') FROM read_parquet('{landing}/azure_focus/**/*.parquet')"
    ).fetchall()
    assert {t[0] for t in tags} - {None} == {"production", "staging", "development"}
