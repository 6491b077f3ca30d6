"""fact_performance_cost_joined on hand-made hours, on a copy of the demo warehouse: a test service's spans loaded
through Dagster and cost rows written into fact_cost_hourly, then the performance models run by dbt for those days.
Every expected value is computed by hand below: cost per request and per successful request, requests per dollar,
the efficiency score, one currency per row (money of different currencies is never added: NULL with
`mixed_currencies`, the request metrics kept once), and pending cost that fills in when the cost lands."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from finops_assets.defs.dbt.project import DBT_PROJECT_DIR, dbt_executable
from finops_assets.definitions import build_definitions
from finops_assets.settings import Settings
from finops_assets_tests.conftest import materialize_month
from finops_assets_tests.otel_spans import request, server_span, write_day

SERVICE = "unit-economics-test"
BILLED_DAY, PENDING_DAY = date(2025, 10, 20), date(2025, 11, 1)  # the demo bills AWS up to 2025-10-31 23:00
MODELS = ["fact_performance_requests", "fact_performance_cost_joined"]
COLUMNS = ("request_count, successful_request_count, duration_p95_ms, requests_per_second, billing_currency, total_cost, "
           "cost_per_request, cost_per_successful_request, requests_per_dollar, performance_efficiency_score, "
           "cost_status, null_reason")


def spans() -> dict[date, list[dict]]:
    ms = 1_000_000
    return {
        BILLED_DAY: [
            # 10:00: 10, 20 and 30 ms, the last one a 500
            server_span("00000000000001a1", datetime(2025, 10, 20, 10, 1), 10 * ms),
            server_span("00000000000001a2", datetime(2025, 10, 20, 10, 2), 20 * ms),
            server_span("00000000000001a3", datetime(2025, 10, 20, 10, 3), 30 * ms, status=500),
            # 11:00 (cost in two currencies) and 12:00 (cost in EUR)
            server_span("00000000000001b1", datetime(2025, 10, 20, 11, 1), 40 * ms),
            server_span("00000000000001b2", datetime(2025, 10, 20, 11, 2), 40 * ms),
            server_span("00000000000001c1", datetime(2025, 10, 20, 12, 1), 8 * ms),
        ],
        PENDING_DAY: [server_span("00000000000001d1", datetime(2025, 11, 1, 9, 1), 8 * ms)],
    }


def add_cost(con, hour: str, currency: str, amount: str, resource: str) -> None:
    con.execute(
        """INSERT INTO finops.fact_cost_hourly BY NAME
           SELECT CAST(? AS TIMESTAMP) AS hour, date_trunc('month', CAST(? AS TIMESTAMP))::DATE AS billing_month,
                  'aws' AS cloud_provider, md5(?) AS service_key, md5('aws|us-east-1') AS region_key,
                  md5('production') AS environment_key, md5(?) AS resource_key, 'aws_cur' AS cost_source,
                  ? AS billing_currency, CAST(? AS DECIMAL(38,18)) AS total_cost""",
        [hour, hour, SERVICE, f"aws|{resource}", currency, amount],
    )


def dbt_run(warehouse: Path, target: Path, min_day: date, max_day: date, models: list[str]) -> None:
    env = {**os.environ, "FINOPS_DUCKDB_PATH": str(warehouse), "FINOPS_ENV": "local"}
    process = subprocess.run(
        [dbt_executable(), "run", "--profiles-dir", ".", "--target-path", str(target), "--log-path", str(target / "logs"),
         "--select", *models, "--vars", json.dumps({"min_day": min_day.isoformat(), "max_day": max_day.isoformat()})],
        cwd=DBT_PROJECT_DIR, env=env, capture_output=True, text=True, check=False,
    )
    assert process.returncode == 0, process.stdout[-3000:]


def rows(warehouse: Path) -> dict[datetime, tuple]:
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        con.execute("SET TimeZone='UTC'")
        return {r[0]: r[1:] for r in con.execute(
            f"SELECT hour, {COLUMNS} FROM finops.fact_performance_cost_joined WHERE service_key = md5(?) ORDER BY hour",
            [SERVICE]).fetchall()}
    finally:
        con.close()


@pytest.fixture(scope="module")
def joined(demo_warehouse, tmp_path_factory):
    root, _ = demo_warehouse
    work = tmp_path_factory.mktemp("cost_joined")
    warehouse = work / "warehouse.duckdb"  # same file name: dbt's views name the catalog
    shutil.copy(root / "warehouse.duckdb", warehouse)
    for day, day_spans in spans().items():
        write_day(work / "landing", day, "traces-1.jsonl.gz", [request(day_spans, service=SERVICE, environment="prod")])
    defs = build_definitions(Settings(landing_url=str(work / "landing"), duckdb_path=str(warehouse), start_month=date(2025, 1, 1)))
    for day in spans():
        materialize_month(defs, day, asset="otel_spans_raw")
    con = duckdb.connect(str(warehouse))
    add_cost(con, "2025-10-20 10:00:00", "USD", "0.1", "i-1")
    add_cost(con, "2025-10-20 10:00:00", "USD", "0.2", "i-2")
    add_cost(con, "2025-10-20 11:00:00", "USD", "1.5", "i-1")
    add_cost(con, "2025-10-20 11:00:00", "EUR", "2.0", "i-2")
    add_cost(con, "2025-10-20 12:00:00", "EUR", "0.7", "i-1")
    con.close()
    # One run over both days: 11-01 has traffic but no AWS cost yet.
    dbt_run(warehouse, work / "target", BILLED_DAY, PENDING_DAY.replace(day=2), MODELS)
    before = rows(warehouse)
    # The cost of 11-01 09:00 lands; a later day's run (whose own days exclude 11-01) recomputes the pending day.
    con = duckdb.connect(str(warehouse))
    add_cost(con, "2025-11-01 09:00:00", "USD", "0.5", "i-1")
    con.close()
    dbt_run(warehouse, work / "target", date(2025, 11, 5), date(2025, 11, 6), ["fact_performance_cost_joined"])
    return before, rows(warehouse)


def test_cost_per_request_and_ratios_equal_hand_computed_values(joined):
    before, _ = joined
    (count, ok, p95, rps, currency, total, per_request, per_success, per_dollar, score, status, reason) = before[datetime(2025, 10, 20, 10)]
    assert (count, ok, currency, total, status, reason) == (3, 2, "USD", Decimal("0.3"), "loaded", None)
    assert p95 == pytest.approx(29.0)  # 20 + 0.9 * (30 - 20)
    assert rps == Decimal("0.000833333333333333")  # 3 / 3600, at 18 decimals
    assert per_request == Decimal("0.1")  # 0.3 / 3
    assert per_success == Decimal("0.15")  # 0.3 / 2
    assert per_dollar == Decimal("10")  # 3 / 0.3
    assert float(score) == pytest.approx(25 / 261, rel=1e-12)  # (3 / 3600) * 1000 / (29 * 0.3)


def test_money_in_different_currencies_is_never_added(joined):
    before, _ = joined
    mixed = before[datetime(2025, 10, 20, 11)]
    # one row, the request metrics counted once; no total and no ratio, with the reason
    assert mixed[:2] == (2, 2)
    assert mixed[4:] == (None, None, None, None, None, None, "loaded", "mixed_currencies")
    euro = before[datetime(2025, 10, 20, 12)]
    assert (euro[4], euro[5], euro[6], euro[11]) == ("EUR", Decimal("0.7"), Decimal("0.7"), None)


def test_pending_cost_is_marked_then_filled_when_the_cost_lands(joined):
    before, after = joined
    pending = before[datetime(2025, 11, 1, 9)]
    assert pending[4:] == (None, None, None, None, None, None, "pending", "cost_pending")
    filled = after[datetime(2025, 11, 1, 9)]
    assert (filled[0], filled[4], filled[5], filled[6], filled[7], filled[8]) == (1, "USD", Decimal("0.5"), Decimal("0.5"), Decimal("0.5"), Decimal("2"))
    assert (filled[10], filled[11]) == ("loaded", None)
    assert {hour: row for hour, row in after.items() if hour.date() == BILLED_DAY} == {
        hour: row for hour, row in before.items() if hour.date() == BILLED_DAY}  # other days untouched
