"""A real Azure Blob API server for tests: Azurite (the Azure Storage emulator, installed into `.azurite/` by
`make azurite`, which `make test` runs) bound to 127.0.0.1, in memory, used through the real azure-storage-blob
client."""

from __future__ import annotations

import socket
import subprocess
import time
import uuid
from pathlib import Path
from typing import Iterator

import pytest
from azure.storage.blob import BlobServiceClient, ContainerClient

from finops_assets_tests.s3_server import free_port

AZURITE = Path(__file__).resolve().parent.parent / ".azurite" / "node_modules" / ".bin" / "azurite-blob"
# Azurite's single account and its published key (the emulator's documented well-known credential, not a secret).
ACCOUNT = "devstoreaccount1"
ACCOUNT_KEY = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="


def _wait_for_port(port: int, process: subprocess.Popen, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"azurite exited with {process.returncode}: {process.stdout.read().decode(errors='replace')}")
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise RuntimeError(f"azurite did not listen on 127.0.0.1:{port} within {timeout} s")


@pytest.fixture(scope="module")
def azurite() -> Iterator[str]:
    """The account URL (`http://127.0.0.1:<port>/devstoreaccount1`) of an Azurite blob server for the test module."""
    if not AZURITE.exists():
        raise RuntimeError(f"{AZURITE} is missing: run `make azurite` (needs npm)")
    port = free_port()
    process = subprocess.Popen(
        [str(AZURITE), "--blobHost", "127.0.0.1", "--blobPort", str(port), "--inMemoryPersistence", "--silent",
         # azure-storage-blob may speak a newer API version than this Azurite release knows.
         "--skipApiVersionCheck", "--loose"],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )
    try:
        _wait_for_port(port, process)
        yield f"http://127.0.0.1:{port}/{ACCOUNT}"
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.fixture
def container(azurite: str) -> Iterator[ContainerClient]:
    """A fresh container of the Azurite account."""
    with BlobServiceClient(azurite, credential=ACCOUNT_KEY) as service:
        client = service.create_container(f"exports-{uuid.uuid4().hex[:8]}")
        yield client


def upload_tree(container: ContainerClient, prefix: str, root: Path) -> list[str]:
    """Upload every file under `root` as `<prefix>/<relative path>` (overwriting); returns the blob names."""
    names = []
    for path in sorted(root.rglob("*")):
        if path.is_file():
            name = f"{prefix}/{path.relative_to(root).as_posix()}" if prefix else path.relative_to(root).as_posix()
            with path.open("rb") as handle:
                container.upload_blob(name, handle, overwrite=True)
            names.append(name)
    return names
