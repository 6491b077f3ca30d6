"""A loopback HTTP server that answers the part of the BigQuery v2 REST API the loaders use, and records
every request. The real google-cloud-bigquery client talks to it (via FINOPS_BQ_API_ENDPOINT), so tests
assert on the exact requests the code sends: job configurations, schemas, decorators, DDL.

It does not run SQL; query answers come from a responder chosen by the test.
"""

from __future__ import annotations

import json
import re
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Callable

QueryResponder = Callable[[str], tuple[list[dict], list[list]]]


@dataclass
class Recorded:
    method: str
    path: str
    body: dict | None


def no_rows(sql: str) -> tuple[list[dict], list[list]]:
    return [{"name": "f0_", "type": "STRING"}], []


def loader_answers(previous_execution_id: str | None = None, total: str = "42.000000000000000001"):
    """Answers for the loader's own queries: the previous load, tracked totals, the month's cost sum."""

    def responder(sql: str):
        if "ORDER BY billing_month = @month" in sql:
            rows = [[previous_execution_id, json.dumps(["identity_line_item_id"]), "true"]] if previous_execution_id else []
            return [{"name": "execution_id", "type": "STRING"}, {"name": "columns", "type": "STRING"}, {"name": "same_month", "type": "BOOLEAN"}], rows
        if sql.startswith("SELECT row_count, total_cost"):
            return [{"name": "row_count", "type": "INTEGER"}, {"name": "total_cost", "type": "BIGNUMERIC"}], [[40, total]]
        if sql.startswith("SELECT SUM("):
            return [{"name": "f0_", "type": "BIGNUMERIC"}], [[total]]
        return [{"name": "f0_", "type": "STRING"}], []

    return responder


@dataclass
class BigQueryRecorder:
    responder: QueryResponder = no_rows
    load_output_rows: int = 0
    requests: list[Recorded] = field(default_factory=list)
    tables: dict[str, dict] = field(default_factory=dict)
    jobs: dict[str, dict] = field(default_factory=dict)

    def start(self) -> "BigQueryRecorder":
        recorder = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):  # keep test output clean
                pass

            def _reply(self, status: int, payload: dict | None) -> None:
                data = json.dumps(payload or {}).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def _handle(self, method: str) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = json.loads(self.rfile.read(length)) if length else None
                path = self.path.split("?", 1)[0]
                recorder.requests.append(Recorded(method, path, body))
                status, payload = recorder.answer(method, path, body)
                self._reply(status, payload)

            def do_GET(self):
                self._handle("GET")

            def do_POST(self):
                self._handle("POST")

            def do_DELETE(self):
                self._handle("DELETE")

            def do_PATCH(self):
                self._handle("PATCH")

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.endpoint = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    # -- the API ----------------------------------------------------------------------------------------

    def answer(self, method: str, path: str, body: dict | None) -> tuple[int, dict]:
        route = path.removeprefix("/bigquery/v2")
        if method == "POST" and (m := re.fullmatch(r"/projects/([^/]+)/datasets", route)):
            return 200, body
        if method == "POST" and (m := re.fullmatch(r"/projects/([^/]+)/datasets/([^/]+)/tables", route)):
            ref = body["tableReference"]
            key = f"{ref['projectId']}.{ref['datasetId']}.{ref['tableId']}"
            if key in self.tables:
                return 409, {"error": {"code": 409, "message": f"Already Exists: Table {key}", "status": "ALREADY_EXISTS"}}
            self.tables[key] = body
            return 200, body
        if (m := re.fullmatch(r"/projects/([^/]+)/datasets/([^/]+)/tables/([^/]+)", route)):
            key = ".".join(m.groups())
            if method == "DELETE":
                self.tables.pop(key, None)
                return 200, {}
            if key in self.tables:
                return 200, self.tables[key]
            return 404, {"error": {"code": 404, "message": f"Not found: Table {key}", "status": "NOT_FOUND"}}
        if method == "POST" and (m := re.fullmatch(r"/projects/([^/]+)/jobs", route)):
            return 200, self._insert_job(m[1], body)
        if method == "GET" and (m := re.fullmatch(r"/projects/([^/]+)/jobs/([^/]+)", route)):
            return 200, self.jobs[m[2]]
        if method == "GET" and (m := re.fullmatch(r"/projects/([^/]+)/queries/([^/]+)", route)):
            return 200, self._query_results(m[1], m[2])
        return 404, {"error": {"code": 404, "message": f"recorder has no route for {method} {path}"}}

    def _insert_job(self, project: str, body: dict) -> dict:
        reference = dict(body.get("jobReference") or {})
        reference.setdefault("projectId", project)
        reference.setdefault("jobId", f"job_{len(self.jobs)}")
        reference.setdefault("location", "US")
        statistics: dict = {"creationTime": "1700000000000", "startTime": "1700000000000", "endTime": "1700000000001"}
        if "load" in body["configuration"]:
            statistics["load"] = {"outputRows": str(self.load_output_rows)}
            load = body["configuration"]["load"]
            ref = load["destinationTable"]
            key = f"{ref['projectId']}.{ref['datasetId']}.{ref['tableId']}"
            if key in self.tables and "schema" in load:  # a load with a schema defines the table's columns
                self.tables[key] = {**self.tables[key], "schema": load["schema"]}
        if "query" in body["configuration"]:
            statistics["query"] = {"statementType": "SELECT"}
        job = {
            "kind": "bigquery#job",
            "id": f"{project}:US.{reference['jobId']}",
            "jobReference": reference,
            "configuration": body["configuration"],
            "status": {"state": "DONE"},
            "statistics": statistics,
        }
        self.jobs[reference["jobId"]] = job
        return job

    def _query_results(self, project: str, job_id: str) -> dict:
        sql = self.jobs[job_id]["configuration"]["query"]["query"]
        fields, rows = self.responder(sql)
        return {
            "kind": "bigquery#getQueryResultsResponse",
            "jobReference": self.jobs[job_id]["jobReference"],
            "schema": {"fields": fields},
            "rows": [{"f": [{"v": None if v is None else str(v)} for v in row]} for row in rows],
            "totalRows": str(len(rows)),
            "jobComplete": True,
        }

    # -- what the tests read ----------------------------------------------------------------------------

    def job_configs(self, kind: str) -> list[dict]:
        return [r.body["configuration"][kind] for r in self.requests if r.method == "POST" and r.path.endswith("/jobs") and kind in r.body["configuration"]]

    def created_tables(self) -> list[dict]:
        return [r.body for r in self.requests if r.method == "POST" and r.path.endswith("/tables")]
