"""The performance facts on demo data (the session's demo warehouse), checked against computations made here
directly on the raw OTLP/JSON span files and on fact_cost_hourly: exact percentiles, hand-computed cost per request,
late spans in their own hour, pending cost, the database-query allocation driver, and no NaN or infinity anywhere."""

from __future__ import annotations

import gzip
import json
import math
from collections import defaultdict
from datetime import datetime, timedelta
from decimal import ROUND_DOWN, Decimal
from pathlib import Path

import duckdb
import pytest

QUANTILES = {"p50": 0.5, "p75": 0.75, "p90": 0.9, "p95": 0.95, "p99": 0.99, "p999": 0.999}
EPOCH = datetime(1970, 1, 1)


@pytest.fixture(scope="module")
def built(demo_warehouse):
    root, out = demo_warehouse
    con = duckdb.connect(str(root / "warehouse.duckdb"), read_only=True)
    con.execute("SET TimeZone='UTC'")
    yield con, out, root / "landing"
    con.close()


def raw_spans(landing: Path) -> list[dict]:
    """Every span of the landing area's OTLP/JSON files, flattened here in Python, with its file name."""
    spans = []
    for path in sorted((landing / "otel").rglob("*.jsonl.gz")):
        for line in gzip.open(path, "rt"):
            for resource_span in json.loads(line)["resourceSpans"]:
                resource = {a["key"]: next(iter(a["value"].values())) for a in resource_span["resource"]["attributes"]}
                for scope_span in resource_span["scopeSpans"]:
                    for span in scope_span["spans"]:
                        attributes = {a["key"]: next(iter(a["value"].values())) for a in span["attributes"]}
                        start, end = int(span["startTimeUnixNano"]), int(span["endTimeUnixNano"])
                        spans.append({**span, "resource": resource, "attrs": attributes, "file": path.name,
                                      "start_ns": start, "duration_ms": (end - start) / 1e6,
                                      "hour": EPOCH + timedelta(hours=start // 3_600_000_000_000)})
    return spans


def quantile_cont(values: list[float], q: float) -> float:
    ordered = sorted(values)
    position = (len(ordered) - 1) * q
    low = math.floor(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


@pytest.fixture(scope="module")
def requests_by_endpoint_hour(built):
    _, _, landing = built
    groups = defaultdict(list)
    for span in raw_spans(landing):
        if span["kind"] == 2:
            attrs = span["attrs"]
            method = attrs.get("http.request.method") or attrs.get("http.method")
            resource = span["resource"]
            key = (span["hour"], resource["service.name"], resource["cloud.region"], resource["deployment.environment"],
                   method, attrs["http.route"])
            groups[key].append(span["duration_ms"])
    return groups


def test_performance_facts_are_built_by_the_demo(built):
    con, out, _ = built
    line = next(l for l in out.splitlines() if l.startswith("dbt build performance"))
    assert "4 models ok" in line
    for fact in ("fact_performance_requests", "fact_performance_metrics_hourly", "fact_performance_metrics_daily",
                 "fact_performance_cost_joined"):
        assert con.execute(f"SELECT count(*) FROM finops.{fact}").fetchone()[0] > 0, fact


def test_hourly_percentiles_equal_a_direct_computation_on_the_raw_spans(built, requests_by_endpoint_hour):
    con, _, _ = built
    rows = con.execute(f"""
        SELECT h.hour, e.service_name, r.region_code, v.environment_name, e.http_request_method, e.http_route, h.request_count,
               {', '.join(f'h.duration_{n}_ms' for n in QUANTILES)}, h.duration_max_ms
        FROM finops.fact_performance_metrics_hourly h JOIN finops.dim_endpoint e USING (endpoint_key)
        JOIN finops.dim_region r USING (region_key) JOIN finops.dim_environment v USING (environment_key)""").fetchall()
    assert len(rows) == len(requests_by_endpoint_hour)
    for *key, count, p50, p75, p90, p95, p99, p999, maximum in rows:
        percentiles = [p50, p75, p90, p95, p99, p999]
        durations = requests_by_endpoint_hour[tuple(key)]
        assert count == len(durations)
        expected = [quantile_cont(durations, q) for q in QUANTILES.values()]
        assert percentiles == pytest.approx(expected, rel=1e-12, abs=1e-9), key
        assert maximum == pytest.approx(max(durations), rel=1e-12)


def test_daily_percentiles_come_from_the_requests_not_from_hourly_percentiles(built, requests_by_endpoint_hour):
    con, _, _ = built
    by_day = defaultdict(list)
    for (hour, *rest), durations in requests_by_endpoint_hour.items():
        by_day[(hour.date(), *rest)].extend(durations)
    rows = con.execute("""
        SELECT d.date, e.service_name, r.region_code, v.environment_name, e.http_request_method, e.http_route,
               d.request_count, d.duration_p95_ms, d.duration_p99_ms
        FROM finops.fact_performance_metrics_daily d JOIN finops.dim_endpoint e USING (endpoint_key)
        JOIN finops.dim_region r USING (region_key) JOIN finops.dim_environment v USING (environment_key)""").fetchall()
    assert len(rows) == len(by_day)
    for *key, count, p95, p99 in rows:
        durations = by_day[tuple(key)]
        assert count == len(durations)
        assert (p95, p99) == pytest.approx((quantile_cont(durations, 0.95), quantile_cont(durations, 0.99)), rel=1e-12)


def test_the_slow_endpoint_and_the_error_burst_show(built):
    con, _, _ = built
    slowest = con.execute("""
        SELECT e.http_route FROM finops.fact_performance_metrics_daily d JOIN finops.dim_endpoint e USING (endpoint_key)
        WHERE e.service_name = 'search-service' ORDER BY d.duration_p50_ms DESC LIMIT 1""").fetchone()[0]
    assert slowest == "/search/full"
    burst, normal = con.execute("""
        SELECT sum(error_count) FILTER (WHERE hour(hour) = 14) / sum(request_count) FILTER (WHERE hour(hour) = 14),
               sum(error_count) FILTER (WHERE hour(hour) <> 14) / sum(request_count) FILTER (WHERE hour(hour) <> 14)
        FROM finops.fact_performance_metrics_hourly h JOIN finops.dim_service s USING (service_key)
        WHERE s.service_name = 'checkout-service'""").fetchone()
    assert burst > 5 * normal


def test_late_spans_are_counted_in_their_own_hour(built):
    con, _, landing = built
    late = [s for s in raw_spans(landing) if s["file"].startswith("late-") and s["kind"] == 2]
    assert late and {s["hour"] for s in late} == {datetime(2025, 10, 31, 23)}
    assert all("2025/11/01" in str(p) for p in (landing / "otel").rglob("late-*"))
    counted = con.execute("""
        SELECT count(*), count(*) FILTER (WHERE is_late), min(landing_day)
        FROM finops.fact_performance_requests WHERE hour = TIMESTAMP '2025-10-31 23:00:00'""").fetchone()
    assert counted == (len(late), len(late), datetime(2025, 11, 1).date())
    hourly = con.execute("SELECT sum(request_count) FROM finops.fact_performance_metrics_hourly WHERE hour = TIMESTAMP '2025-10-31 23:00:00'").fetchone()[0]
    assert hourly == len(late)


def test_cost_per_request_equals_hand_computed_values(built):
    con, _, _ = built
    rows = con.execute("""
        WITH cost AS (
            SELECT hour, cloud_provider, service_key, region_key, environment_key, sum(total_cost) AS cost
            FROM finops.fact_cost_hourly GROUP BY ALL)
        SELECT j.request_count, j.successful_request_count, j.requests_per_second, j.duration_p95_ms, cost.cost,
               j.total_cost, j.cost_per_request, j.cost_per_successful_request, j.requests_per_dollar,
               j.performance_efficiency_score, j.null_reason
        FROM finops.fact_performance_cost_joined j
        JOIN cost USING (hour, cloud_provider, service_key, region_key, environment_key)
        WHERE j.cost_status = 'loaded'""").fetchall()
    assert len(rows) >= 5
    unit = Decimal("1e-18")
    for count, ok, rps, p95, cost, total, per_request, per_success, per_dollar, score, reason in rows:
        assert total == cost
        assert per_request == (cost / count).quantize(unit, rounding=ROUND_DOWN)
        assert per_success == (cost / ok).quantize(unit, rounding=ROUND_DOWN)
        assert rps == (Decimal(count) / 3600).quantize(unit) or float(rps) == pytest.approx(count / 3600, rel=1e-14)
        if cost == 0:
            assert (per_dollar, score, reason) == (None, None, "zero_cost")
        else:
            assert float(per_dollar) == pytest.approx(float(Decimal(count) / cost), rel=1e-12)
            assert float(score) == pytest.approx(float(Decimal(count) / 3600 / Decimal(p95) / cost * 1000), rel=1e-9)
            assert reason is None


def test_traffic_without_loaded_cost_is_pending_with_null_ratios_and_a_reason(built):
    con, _, _ = built
    statuses = con.execute("""
        WITH coverage AS (SELECT cloud_provider, max(hour) AS last_cost_hour FROM finops.fact_cost_hourly GROUP BY 1)
        SELECT DISTINCT j.hour > c.last_cost_hour, j.cost_status, j.total_cost IS NULL AND j.cost_per_request IS NULL
                        AND j.requests_per_dollar IS NULL AND j.performance_efficiency_score IS NULL, j.null_reason
        FROM finops.fact_performance_cost_joined j JOIN coverage c USING (cloud_provider)
        WHERE j.hour > c.last_cost_hour OR j.cost_status = 'pending'""").fetchall()
    assert statuses == [(True, "pending", True, "cost_pending")]
    pending_days = con.execute("SELECT DISTINCT date FROM finops.fact_performance_cost_joined WHERE cost_status = 'pending'").fetchall()
    assert (datetime(2025, 11, 1).date(),) in pending_days  # the day after the last billed day
    unexplained = con.execute("""
        SELECT count(*) FROM finops.fact_performance_cost_joined
        WHERE (cost_per_request IS NULL OR requests_per_dollar IS NULL OR performance_efficiency_score IS NULL
               OR cost_per_successful_request IS NULL) AND null_reason IS NULL""").fetchone()[0]
    assert unexplained == 0


def test_no_nan_or_infinity_in_any_performance_fact(built):
    con, _, _ = built
    for table in ("fact_performance_requests", "fact_performance_metrics_hourly", "fact_performance_metrics_daily",
                  "fact_performance_cost_joined"):
        columns = con.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_schema = 'finops' AND table_name = ? "
            "AND (data_type IN ('DOUBLE', 'FLOAT') OR data_type LIKE 'DECIMAL%')", [table]).fetchall()
        assert columns, table
        condition = " OR ".join(f"NOT isfinite(CAST({c} AS DOUBLE))" for (c,) in columns)
        assert con.execute(f"SELECT count(*) FROM finops.{table} WHERE {condition}").fetchone()[0] == 0, table


def test_shared_database_cost_is_split_by_query_count_from_client_spans(built):
    con, _, landing = built
    queries = defaultdict(int)
    for span in raw_spans(landing):
        if span["kind"] == 3 and "db.system" in span["attrs"]:
            day = (EPOCH + timedelta(microseconds=span["start_ns"] // 1000)).date()
            queries[(day, span["resource"]["cloud.provider"], span["resource"]["service.name"])] += 1
    drivers = con.execute("""
        SELECT a.date, a.cloud_provider, s.service_name, a.driver_quantity
        FROM finops.fact_cost_allocation a JOIN finops.dim_service s USING (service_key)
        WHERE a.allocation_method = 'query_count' AND a.driver_quantity > 0""").fetchall()
    assert drivers
    for day, cloud, service, quantity in drivers:
        assert quantity == queries[(day, cloud, service)]
    even_days = {d for (d,) in con.execute(
        "SELECT DISTINCT date FROM finops.fact_cost_allocation WHERE cost_pool = 'shared_database' AND is_even_split").fetchall()}
    assert not even_days & {day for day, _, _ in queries}  # a day with spans is never split evenly
