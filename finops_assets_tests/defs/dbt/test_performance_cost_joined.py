"""fact_performance_cost_joined on hand-made hours, on a copy of the demo warehouse: a test service's spans loaded
through Dagster and cost rows written into fact_cost_hourly, then the performance models run by dbt for those days.
Every expected value is computed by hand below: cost per request and per successful request, requests per dollar,
the efficiency score, one currency per row (money of different currencies is never added: NULL with
`mixed_currencies`, the request metrics kept once), every other undefined ratio NULL with its reason (never NaN or
infinity), pending cost that fills in when the cost lands, and spans landing after midnight in the next day's folder
counted in their own hour by the next day's run."""

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
from finops_assets.demo.otel import _attr
from finops_assets.definitions import build_definitions
from finops_assets.settings import Settings
from finops_assets_tests.conftest import materialize_month
from finops_assets_tests.otel_spans import request, server_span, write_day

SERVICE = "unit-economics-test"
BILLED_DAY, PENDING_DAY = date(2025, 10, 20), date(2025, 11, 1)  # the demo bills AWS up to 2025-10-31 23:00
LATE_HOUR_DAY, LATE_LANDING_DAY = date(2025, 10, 22), date(2025, 10, 23)
MODELS = ["fact_performance_requests", "fact_performance_metrics_hourly", "fact_performance_cost_joined"]
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
            # 13:00 cost 0; 14:00 every request failed; 15:00 a request of 0 ns; 16:00 no cost row at all
            server_span("00000000000001e1", datetime(2025, 10, 20, 13, 1), 8 * ms),
            server_span("00000000000001f1", datetime(2025, 10, 20, 14, 1), 8 * ms, status=500),
            server_span("00000000000001f2", datetime(2025, 10, 20, 14, 2), 8 * ms, status=503),
            server_span("0000000000000201", datetime(2025, 10, 20, 15, 1), 0),
            server_span("0000000000000301", datetime(2025, 10, 20, 16, 1), 8 * ms),
            # 17:00: the old HTTP attribute names, still accepted
            server_span("0000000000000501", datetime(2025, 10, 20, 17, 1), 8 * ms, attributes=[
                _attr("http.method", "post"), _attr("http.target", "/v0/legacy"), _attr("http.status_code", 502),
                _attr("http.request_content_length", 123), _attr("http.response_content_length", 456)]),
        ],
        PENDING_DAY: [server_span("00000000000001d1", datetime(2025, 11, 1, 9, 1), 8 * ms)],
        LATE_HOUR_DAY: [server_span("0000000000000401", datetime(2025, 10, 22, 23, 30), 8 * ms)],
    }


def late_spans() -> list[dict]:
    """Spans of 2025-10-22 23:xx that a collector flushes after midnight, into the 2025-10-23 folder."""
    return [server_span("0000000000000402", datetime(2025, 10, 22, 23, 40), 8 * 1_000_000),
            server_span("0000000000000403", datetime(2025, 10, 22, 23, 55), 9 * 1_000_000)]


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


def read(warehouse: Path, sql: str, params: list | None = None) -> list[tuple]:
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        con.execute("SET TimeZone='UTC'")
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()


def rows(warehouse: Path) -> dict[datetime, tuple]:
    return {r[0]: r[1:] for r in read(
        warehouse, f"SELECT hour, {COLUMNS} FROM finops.fact_performance_cost_joined WHERE service_key = md5(?) ORDER BY hour",
        [SERVICE])}


def late_hour_counts(warehouse: Path) -> tuple:
    """Requests of 2025-10-22 23:00 in the requests fact (and how many are late), the hourly metrics and the join."""
    hour = datetime(2025, 10, 22, 23)
    return read(warehouse, """
        SELECT (SELECT count(*) FROM finops.fact_performance_requests WHERE service_key = md5($s) AND hour = $h),
               (SELECT count(*) FILTER (WHERE is_late) FROM finops.fact_performance_requests WHERE service_key = md5($s) AND hour = $h),
               (SELECT sum(request_count) FROM finops.fact_performance_metrics_hourly WHERE service_key = md5($s) AND hour = $h),
               (SELECT sum(request_count) FROM finops.fact_performance_cost_joined WHERE service_key = md5($s) AND hour = $h)""",
                {"s": SERVICE, "h": hour})[0]


def non_finite(warehouse: Path) -> dict[str, int]:
    """Rows holding NaN or infinity in any numeric column, per performance fact."""
    found = {}
    for table in MODELS + ["fact_performance_metrics_daily"]:
        columns = [c for (c,) in read(warehouse,
            "SELECT column_name FROM information_schema.columns WHERE table_schema = 'finops' AND table_name = ? "
            "AND (data_type IN ('DOUBLE', 'FLOAT') OR data_type LIKE 'DECIMAL%')", [table])]
        condition = " OR ".join(f"NOT isfinite(CAST({c} AS DOUBLE))" for c in columns)
        found[table] = read(warehouse, f"SELECT count(*) FROM finops.{table} WHERE {condition}")[0][0]
    return found


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
    add_cost(con, "2025-10-20 13:00:00", "USD", "0", "i-1")
    add_cost(con, "2025-10-20 14:00:00", "USD", "0.4", "i-1")
    add_cost(con, "2025-10-20 15:00:00", "USD", "0.1", "i-1")
    con.close()
    # One run over the days: 11-01 has traffic but no AWS cost yet.
    dbt_run(warehouse, work / "target", BILLED_DAY, PENDING_DAY.replace(day=2), MODELS)
    before = rows(warehouse)
    late_before = late_hour_counts(warehouse)
    # After midnight, spans of 10-22 23:xx land in the 10-23 folder; the cost of 11-01 09:00 lands. The next day's run
    # (landing day 10-23) counts the late spans in their hour; it also recomputes 11-01, the day still pending.
    write_day(work / "landing", LATE_LANDING_DAY, "late-1.jsonl.gz", [request(late_spans(), service=SERVICE, environment="prod")])
    materialize_month(defs, LATE_LANDING_DAY, asset="otel_spans_raw")
    con = duckdb.connect(str(warehouse))
    add_cost(con, "2025-11-01 09:00:00", "USD", "0.5", "i-1")
    con.close()
    dbt_run(warehouse, work / "target", LATE_LANDING_DAY, date(2025, 10, 24), MODELS)
    legacy = read(warehouse, """
        SELECT endpoint_key = md5(? || '|POST|/v0/legacy'), http_status_code, is_error, request_bytes, response_bytes
        FROM finops.fact_performance_requests WHERE span_id = '0000000000000501'""", [SERVICE])
    return {"before": before, "after": rows(warehouse), "late_before": late_before, "legacy": legacy,
            "late_after": late_hour_counts(warehouse), "non_finite": non_finite(warehouse)}


def test_cost_per_request_and_ratios_equal_hand_computed_values(joined):
    before = joined["before"]
    (count, ok, p95, rps, currency, total, per_request, per_success, per_dollar, score, status, reason) = before[datetime(2025, 10, 20, 10)]
    assert (count, ok, currency, total, status, reason) == (3, 2, "USD", Decimal("0.3"), "loaded", None)
    assert p95 == pytest.approx(29.0)  # 20 + 0.9 * (30 - 20)
    assert rps == Decimal("0.000833333333333333")  # 3 / 3600, at 18 decimals
    assert per_request == Decimal("0.1")  # 0.3 / 3
    assert per_success == Decimal("0.15")  # 0.3 / 2
    assert per_dollar == Decimal("10")  # 3 / 0.3
    assert float(score) == pytest.approx(25 / 261, rel=1e-12)  # (3 / 3600) * 1000 / (29 * 0.3)


def test_money_in_different_currencies_is_never_added(joined):
    before = joined["before"]
    mixed = before[datetime(2025, 10, 20, 11)]
    # one row, the request metrics counted once; no total and no ratio, with the reason
    assert mixed[:2] == (2, 2)
    assert mixed[4:] == (None, None, None, None, None, None, "loaded", "mixed_currencies")
    euro = before[datetime(2025, 10, 20, 12)]
    assert (euro[4], euro[5], euro[6], euro[11]) == ("EUR", Decimal("0.7"), Decimal("0.7"), None)


def test_pending_cost_is_marked_then_filled_when_the_cost_lands(joined):
    before, after = joined["before"], joined["after"]
    pending = before[datetime(2025, 11, 1, 9)]
    assert pending[4:] == (None, None, None, None, None, None, "pending", "cost_pending")
    filled = after[datetime(2025, 11, 1, 9)]
    assert (filled[0], filled[4], filled[5], filled[6], filled[7], filled[8]) == (1, "USD", Decimal("0.5"), Decimal("0.5"), Decimal("0.5"), Decimal("2"))
    assert (filled[10], filled[11]) == ("loaded", None)
    assert {hour: row for hour, row in after.items() if hour.date() == BILLED_DAY} == {
        hour: row for hour, row in before.items() if hour.date() == BILLED_DAY}  # other days untouched


def test_undefined_ratios_are_null_with_their_reason_never_nan_or_infinity(joined):
    before = joined["before"]
    zero_cost = before[datetime(2025, 10, 20, 13)]  # 1 request, cost 0
    assert zero_cost[5:] == (Decimal("0"), Decimal("0"), Decimal("0"), None, None, "loaded", "zero_cost")
    failed = before[datetime(2025, 10, 20, 14)]  # 2 failed requests, cost 0.4
    assert failed[:2] == (2, 0)
    assert (failed[6], failed[7], failed[8], failed[11]) == (Decimal("0.2"), None, Decimal("5"), "no_successful_requests")
    instant = before[datetime(2025, 10, 20, 15)]  # 1 request of 0 ns, cost 0.1
    assert (instant[2], instant[6], instant[8], instant[9], instant[11]) == (0.0, Decimal("0.1"), Decimal("10"), None, "zero_p95")
    uncosted = before[datetime(2025, 10, 20, 16)]  # no cost row for the hour
    assert uncosted[4:] == (None, None, None, None, None, None, "loaded", "no_cost_rows")
    assert joined["non_finite"] == {table: 0 for table in joined["non_finite"]}


def test_late_spans_are_counted_in_their_own_hour_by_the_next_days_run(joined):
    assert joined["late_before"] == (1, 0, 1, 1)
    # the 2 spans that landed in the 10-23 folder joined 10-22 23:00, flagged late, in every fact
    assert joined["late_after"] == (3, 2, 3, 3)


def test_old_http_attribute_names_are_read_like_the_current_ones(joined):
    assert joined["legacy"] == [(True, 502, True, 123, 456)]
