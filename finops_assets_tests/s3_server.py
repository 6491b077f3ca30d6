"""A real S3 API server for tests: moto in server mode bound to 127.0.0.1, used through the real boto3 client.

`FlakyProxy` sits in front of it and answers the first N requests for one object with `503 SlowDown`, the
throttling reply S3 itself sends, so tests see a genuine transient error travel through boto3.
"""

from __future__ import annotations

import http.client
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import uuid

import boto3
import pytest
from moto.server import ThreadedMotoServer

# Dummy credentials: moto accepts any; they exist only in the test process's environment.
TEST_ENVIRONMENT = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "AWS_DEFAULT_REGION": "us-east-1",
}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_s3_server() -> tuple[ThreadedMotoServer, str]:
    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    return server, f"http://127.0.0.1:{port}"


def s3_client(endpoint: str):
    return boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1")


@pytest.fixture(scope="module")
def s3():
    """(boto3 client, endpoint) of a moto S3 server running for the test module."""
    with pytest.MonkeyPatch.context() as patch:
        for key, value in TEST_ENVIRONMENT.items():
            patch.setenv(key, value)
        server, endpoint = start_s3_server()
        try:
            yield s3_client(endpoint), endpoint
        finally:
            server.stop()


@pytest.fixture
def bucket(s3) -> str:
    name = f"landing-{uuid.uuid4().hex[:8]}"
    s3[0].create_bucket(Bucket=name)
    return name


def upload_tree(client, bucket: str, prefix: str, root: Path) -> list[str]:
    """Upload every file under `root` to s3://bucket/prefix/<relative path>; returns the object keys."""
    keys = []
    for path in sorted(root.rglob("*")):
        if path.is_file():
            key = f"{prefix}/{path.relative_to(root).as_posix()}" if prefix else path.relative_to(root).as_posix()
            client.upload_file(str(path), bucket, key)
            keys.append(key)
    return keys


class FlakyProxy:
    """An HTTP proxy to the S3 server that fails the first `failures` requests whose path ends with `suffix`
    (with `whole_reads_only`, only GETs of the whole object: downloads, not header or footer reads). `matched`
    counts every request whose path ends with `suffix`, failed or forwarded."""

    def __init__(self, upstream: str, suffix: str, failures: int, whole_reads_only: bool = False):
        self.upstream = upstream.removeprefix("http://")
        self.suffix = suffix
        self.whole_reads_only = whole_reads_only
        self.remaining = failures
        self.failed = 0
        self.matched = 0
        self._lock = threading.Lock()
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args) -> None:
                return

            def _forward(self) -> None:
                with proxy._lock:
                    matched = self.path.split("?")[0].endswith(proxy.suffix)
                    proxy.matched += matched
                    fail = matched and proxy.remaining > 0
                    if proxy.whole_reads_only:
                        fail = fail and self.command == "GET" and "Range" not in self.headers
                    if fail:
                        proxy.remaining -= 1
                        proxy.failed += 1
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else None
                if fail:
                    payload = b"<Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message></Error>"
                    self.send_response(503)
                    self.send_header("Content-Type", "application/xml")
                    self.send_header("Content-Length", str(len(payload)))
                    self.end_headers()
                    self.wfile.write(payload)
                    return
                upstream = http.client.HTTPConnection(proxy.upstream, timeout=30)
                headers = {k: v for k, v in self.headers.items() if k.lower() != "host"}
                headers["Host"] = proxy.upstream
                upstream.request(self.command, self.path, body=body, headers=headers)
                response = upstream.getresponse()
                data = response.read()
                self.send_response(response.status)
                for key, value in response.getheaders():
                    if key.lower() not in ("transfer-encoding", "connection", "content-length"):
                        self.send_header(key, value)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(data)
                upstream.close()

            do_GET = do_HEAD = do_PUT = do_POST = do_DELETE = _forward

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.endpoint = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def __enter__(self) -> "FlakyProxy":
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._server.shutdown()
        self._server.server_close()
