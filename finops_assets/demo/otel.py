"""Demo OpenTelemetry traces: OTLP/JSON files (gzipped, one `ExportTraceServiceRequest` per line, as the collector's
file exporter writes them) for the services, regions and environments of the billing demo.

Per day and deployment, server spans with log-normal latencies per endpoint (one slow endpoint, `GET /search/full`),
an error burst (checkout-service answers 503 for a third of its requests 14:00-14:19 UTC), request and response
sizes, a user segment, and database client spans (`db.system`) under about half of the requests, which drive the
allocation of shared database cost. One service writes the old HTTP attribute names (`http.method`,
`http.status_code`), the others the current ones. Spans of the last hour of a day written with `late_minutes`
land in the next day's folder, as a collector that flushes late would deliver them.
"""

from __future__ import annotations

import gzip
import json
import random
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

# (service, cloud.provider, cloud.region, deployment.environment): the billing demo's tagged services and regions.
DEPLOYMENTS = [
    ("api-gateway", "aws", "us-east-1", "production"),
    ("api-gateway", "aws", "eu-west-1", "staging"),
    ("checkout-service", "aws", "us-east-1", "production"),
    ("search-service", "gcp", "us-east1", "production"),
    ("recommendation-service", "azure", "eastus", "production"),
    ("llm-gateway", "aws", "us-west-2", "production"),
]
# (method, route, median ms, sigma of log-latency, request bytes, response bytes)
ENDPOINTS = {
    "api-gateway": [("GET", "/v1/products", 35, 0.5, 0, 4000), ("POST", "/v1/orders", 80, 0.6, 1200, 600)],
    "checkout-service": [("POST", "/checkout", 120, 0.5, 2000, 800), ("GET", "/cart/{id}", 25, 0.4, 0, 1500)],
    "search-service": [("GET", "/search", 60, 0.5, 0, 8000), ("GET", "/search/full", 800, 0.7, 0, 60000)],
    "recommendation-service": [("GET", "/recommendations/{user}", 90, 0.6, 0, 3000)],
    "llm-gateway": [("POST", "/v1/chat/completions", 1500, 0.8, 4000, 12000)],
}
OLD_SEMCONV_SERVICES = {"recommendation-service"}
DATABASES = {"checkout-service": "postgresql", "search-service": "postgresql", "api-gateway": "redis",
             "recommendation-service": "postgresql", "llm-gateway": "redis"}
SEGMENTS = ["free", "pro", "enterprise"]
SPAN_KIND_SERVER, SPAN_KIND_CLIENT = 2, 3


@dataclass(frozen=True)
class DemoDay:
    day: date
    server_spans: int
    client_spans: int
    files: int


def _nanos(ts: datetime) -> str:
    # OTLP/JSON writes 64-bit integers as decimal strings; integer arithmetic keeps them exact.
    delta = ts - datetime(1970, 1, 1, tzinfo=timezone.utc)
    return str((delta.days * 86400 + delta.seconds) * 1_000_000_000 + delta.microseconds * 1000)


def _attr(key: str, value: object) -> dict:
    if isinstance(value, bool):
        return {"key": key, "value": {"boolValue": value}}
    if isinstance(value, int):
        return {"key": key, "value": {"intValue": str(value)}}
    return {"key": key, "value": {"stringValue": str(value)}}


def _spans_for_hour(rng: random.Random, service: str, hour: datetime, requests: int) -> list[dict]:
    spans = []
    for _ in range(requests):
        method, route, median, sigma, req_bytes, resp_bytes = rng.choice(ENDPOINTS[service])
        start = hour + timedelta(microseconds=rng.randrange(3_600_000_000))
        duration_us = max(200, int(rng.lognormvariate(0, sigma) * median * 1000))
        burst = service == "checkout-service" and hour.hour == 14 and start.minute < 20
        status = 503 if burst and rng.random() < 0.33 else (500 if rng.random() < 0.005 else (404 if rng.random() < 0.01 else 200))
        trace_id, span_id = f"{rng.getrandbits(128):032x}", f"{rng.getrandbits(64):016x}"
        old = service in OLD_SEMCONV_SERVICES
        attributes = [
            _attr("http.method" if old else "http.request.method", method),
            _attr("http.route", route),
            _attr("http.status_code" if old else "http.response.status_code", status),
            _attr("http.request_content_length" if old else "http.request.body.size", req_bytes + rng.randrange(200)),
            _attr("http.response_content_length" if old else "http.response.body.size", resp_bytes + rng.randrange(500)),
            _attr("app.user_segment", rng.choice(SEGMENTS)),
        ]
        end = start + timedelta(microseconds=duration_us)
        spans.append({
            "traceId": trace_id, "spanId": span_id, "parentSpanId": "", "name": f"{method} {route}",
            "kind": SPAN_KIND_SERVER, "startTimeUnixNano": _nanos(start), "endTimeUnixNano": _nanos(end),
            "attributes": attributes, "status": {"code": 2} if status >= 500 else {},
        })
        if rng.random() < 0.5:
            db_start = start + timedelta(microseconds=duration_us // 10)
            spans.append({
                "traceId": trace_id, "spanId": f"{rng.getrandbits(64):016x}", "parentSpanId": span_id,
                "name": "SELECT", "kind": SPAN_KIND_CLIENT, "startTimeUnixNano": _nanos(db_start),
                "endTimeUnixNano": _nanos(db_start + timedelta(microseconds=duration_us // 3)),
                "attributes": [_attr("db.system", DATABASES[service]), _attr("db.operation.name", "SELECT")],
                "status": {},
            })
    return spans


def _request(service: str, cloud: str, region: str, environment: str, spans: list[dict]) -> dict:
    resource = [
        _attr("service.name", service), _attr("deployment.environment", environment),
        _attr("cloud.provider", cloud), _attr("cloud.region", region),
        _attr("host.name", f"{service}-{region}-1"), _attr("k8s.pod.name", f"{service}-7d9f-{region[-1]}"),
    ]
    return {"resourceSpans": [{"resource": {"attributes": resource},
                               "scopeSpans": [{"scope": {"name": "demo-instrumentation", "version": "1.0"}, "spans": spans}]}]}


def write_span_file(path: Path, requests: list[dict]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with gzip.open(path, "wt", encoding="utf-8") as handle:
        for request in requests:
            handle.write(json.dumps(request, separators=(",", ":")) + "\n")


def generate_otel_day(root: Path, day: date, requests_per_hour: int, seed: int, *, prefix: str = "otel",
                      hours: range = range(24), late_minutes: int = 0) -> DemoDay:
    """Spans of `hours` of `day` into `<prefix>/YYYY/MM/DD/`; with `late_minutes`, the spans of 23:00-23:59 go to
    the next day's folder (delivered up to that many minutes late)."""
    rng = random.Random(f"{seed}:{day.isoformat()}:{hours.start}")
    server = client = files = 0
    for service, cloud, region, environment in DEPLOYMENTS:
        on_time: list[dict] = []
        late: list[dict] = []
        for hour_of_day in hours:
            hour = datetime(day.year, day.month, day.day, hour_of_day, tzinfo=timezone.utc)
            scale = 0.4 if environment != "production" else (1.5 if 9 <= hour_of_day <= 17 else 1.0)
            spans = _spans_for_hour(rng, service, hour, max(1, int(requests_per_hour * scale)))
            server += sum(1 for s in spans if s["kind"] == SPAN_KIND_SERVER)
            client += sum(1 for s in spans if s["kind"] == SPAN_KIND_CLIENT)
            (late if late_minutes and hour_of_day == 23 else on_time).append(_request(service, cloud, region, environment, spans))
        folder = root / prefix / f"{day:%Y/%m/%d}"
        if on_time:
            write_span_file(folder / f"traces-{service}-{environment}-{hours.start:02d}.jsonl.gz", on_time)
            files += 1
        if late:
            next_day = day + timedelta(days=1)
            write_span_file(root / prefix / f"{next_day:%Y/%m/%d}" / f"late-{service}-{environment}-{day:%Y%m%d}.jsonl.gz", late)
            files += 1
    return DemoDay(day=day, server_spans=server, client_spans=client, files=files)


def demo_days(months: list[date], today: date) -> list[date]:
    """The last day of every demo month (yesterday at the latest: today is the newest day partition and holds the
    late spans), and the day before it for the newest month."""
    def last_day(month: date) -> date:
        return min(date(month.year + (month.month == 12), month.month % 12 + 1, 1) - timedelta(days=1), today - timedelta(days=1))

    days = [last_day(m) for m in months]
    return sorted({*days, days[-1] - timedelta(days=1)})


def generate_otel(root: Path, months: list[date], requests_per_hour: int, seed: int, *, today: date,
                  prefix: str = "otel") -> list[DemoDay]:
    """Span files for `demo_days(months)`; the newest day's last hour arrives late (in the next day's folder), and
    the next day's first hour is there too (traffic whose cost is not loaded yet)."""
    days = demo_days(months, today)
    written = [generate_otel_day(root, day, requests_per_hour, seed, prefix=prefix, late_minutes=30 if day == days[-1] else 0)
               for day in days]
    written.append(generate_otel_day(root, days[-1] + timedelta(days=1), requests_per_hour, seed, prefix=prefix, hours=range(0, 1)))
    return written
