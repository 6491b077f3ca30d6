"""Small OTLP/JSON span files for tests (the demo generator's file format, with hand-picked spans)."""

from __future__ import annotations

from datetime import date, datetime, timezone
from pathlib import Path

from finops_assets.demo.otel import _attr, write_span_file

DAY = date(2025, 9, 30)


def nanos(ts: datetime, extra_ns: int = 0) -> str:
    delta = ts.replace(tzinfo=timezone.utc) - datetime(1970, 1, 1, tzinfo=timezone.utc)
    return str((delta.days * 86400 + delta.seconds) * 1_000_000_000 + delta.microseconds * 1000 + extra_ns)


def server_span(span_id: str, start: datetime, duration_ns: int, *, status: int = 200, route: str = "/v1/things",
                attributes: list[dict] | None = None, extra_ns: int = 0) -> dict:
    begin = int(nanos(start, extra_ns))
    return {
        "traceId": f"{int(span_id, 16):032x}", "spanId": span_id, "parentSpanId": "", "name": f"GET {route}", "kind": 2,
        "startTimeUnixNano": str(begin), "endTimeUnixNano": str(begin + duration_ns),
        "attributes": attributes if attributes is not None else [
            _attr("http.request.method", "GET"), _attr("http.route", route), _attr("http.response.status_code", status),
        ],
        "status": {},
    }


def request(spans: list[dict], *, service: str = "api-gateway", cloud: str = "aws", region: str = "us-east-1",
            environment: str = "prod") -> dict:
    resource = [_attr("service.name", service), _attr("deployment.environment", environment),
                _attr("cloud.provider", cloud), _attr("cloud.region", region)]
    return {"resourceSpans": [{"resource": {"attributes": resource}, "scopeSpans": [{"scope": {"name": "t"}, "spans": spans}]}]}


def write_day(landing: Path, day: date, name: str, requests: list[dict], *, prefix: str = "otel") -> Path:
    path = landing / prefix / f"{day:%Y/%m/%d}" / name
    write_span_file(path, requests)
    return path
