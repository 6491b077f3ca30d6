"""An Azure storage container as a landing area, through the azure-storage-blob client of dagster-azure's
`AzureBlobStorageResource`.

Azure Cost Management writes FOCUS exports into a container; Storage Transfer Service mirrors them into the GCS
landing bucket. Reading the container directly lets the mirror-lag check compare both sides. URLs are the blob
endpoint's: `https://<account>.blob.core.windows.net/<container>[/<prefix>]`, or path-style
`http://127.0.0.1:10000/<account>/<container>[/<prefix>]` for emulators (Azurite) and custom endpoints. A SAS
token in the URL is refused: credentials come from the environment only.
"""

from __future__ import annotations

import ipaddress
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO, Iterator
from urllib.parse import urlsplit

from azure.core.exceptions import ResourceNotFoundError
from dagster_azure.blob import AzureBlobStorageDefaultCredential, AzureBlobStorageKeyCredential, AzureBlobStorageResource

from finops_assets.landing.ranged_reader import buffered
from finops_assets.landing.storage import LandingObject, confine_key, glob_match

if TYPE_CHECKING:
    from azure.storage.blob import ContainerClient


@dataclass(frozen=True)
class AzureContainerUrl:
    account_url: str  # what BlobServiceClient connects to
    container: str
    prefix: str  # "" or a folder inside the container, without slashes at either end


def _path_style(host: str, port: int | None) -> bool:
    """Emulators and custom endpoints put the account in the path; `<account>.blob.core.windows.net` in the host."""
    if port is not None or host == "localhost":
        return True
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


def parse_container_url(url: str) -> AzureContainerUrl:
    """`https://acct.blob.core.windows.net/exports/focus` -> (https://acct.blob.core.windows.net, exports, focus)."""
    parts = urlsplit(url)
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise ValueError(f"not an Azure blob container URL: {url!r} (expected https://<account>.blob.core.windows.net/<container>)")
    if parts.query or parts.fragment:
        raise ValueError(f"{url!r}: no query string (a SAS token) in the URL; credentials come from the environment")
    segments = [segment for segment in parts.path.split("/") if segment]
    account_url = f"{parts.scheme}://{parts.netloc}"
    if _path_style(parts.hostname, parts.port):
        if not segments:
            raise ValueError(f"no account in the path of {url!r} (path-style URLs are /<account>/<container>)")
        account_url += f"/{segments.pop(0)}"
    if not segments:
        raise ValueError(f"no container in {url!r}")
    return AzureContainerUrl(account_url=account_url, container=segments[0], prefix="/".join(segments[1:]))


def blob_storage_resource(url: str, account_key: str | None) -> AzureBlobStorageResource:
    """The account's resource: a shared key when one is given (FINOPS_AZURE_STORAGE_KEY), else
    `DefaultAzureCredential` (workload or managed identity, `AZURE_CLIENT_*`, `az login`)."""
    credential = (
        AzureBlobStorageKeyCredential(key=account_key) if account_key else AzureBlobStorageDefaultCredential()
    )
    return AzureBlobStorageResource(account_url=parse_container_url(url).account_url, credential=credential)


@contextmanager
def azure_landing(url: str, account_key: str | None) -> Iterator["AzureBlobLanding"]:
    """The container behind `url` as a landing area, for the duration of the block (the client is closed after)."""
    with blob_storage_resource(url, account_key).get_client() as service:
        location = parse_container_url(url)
        yield AzureBlobLanding(url, service.get_container_client(location.container))


class AzureBlobLanding:
    """A container (or a folder of one) behind the `Landing` interface."""

    def __init__(self, url: str, container: "ContainerClient"):
        location = parse_container_url(url)
        self.url = url.rstrip("/")
        self.prefix = location.prefix
        self._container = container

    def _blob_name(self, key: str) -> str:
        key = confine_key(key)
        return f"{self.prefix}/{key}" if self.prefix else key

    def _key(self, blob_name: str) -> str:
        return blob_name[len(self.prefix) + 1 :] if self.prefix else blob_name

    def _list_prefix(self, prefix: str) -> str | None:
        if prefix:
            return self._blob_name(prefix) + "/"
        return f"{self.prefix}/" if self.prefix else None

    def list(self, prefix: str, pattern: str) -> Iterator[LandingObject]:
        for blob in self._container.list_blobs(name_starts_with=self._list_prefix(prefix)):
            key = self._key(blob.name)
            if glob_match(key, pattern):
                yield LandingObject(key=key, size=int(blob.size or 0), updated=blob.last_modified.timestamp())

    def list_folders(self, prefix: str) -> list[str]:
        # With a delimiter the service returns the "folders" as BlobPrefix items and no blob below them.
        items = self._container.walk_blobs(name_starts_with=self._list_prefix(prefix), delimiter="/")
        return sorted(self._key(item.name.rstrip("/")) for item in items if item.name.endswith("/"))

    def read_bytes(self, key: str) -> bytes:
        return self._download(key)

    def read_head(self, key: str, size: int) -> bytes:
        return self._download(key, offset=0, length=size)

    def stat(self, key: str) -> LandingObject:
        name = self._blob_name(key)
        try:
            properties = self._container.get_blob_client(name).get_blob_properties()
        except ResourceNotFoundError as exc:
            raise FileNotFoundError(f"{self.native_uri(key)}") from exc
        return LandingObject(key=confine_key(key), size=int(properties.size), updated=properties.last_modified.timestamp())

    def open(self, key: str) -> BinaryIO:
        size = self.stat(key).size
        return buffered(lambda first, last: self._download(key, offset=first, length=last - first + 1), size)  # type: ignore[return-value]

    def native_uri(self, key: str) -> str:
        return f"{self._container.url.rstrip('/')}/{self._blob_name(key)}"

    def download(self, key: str, destination: Path) -> None:
        # The downloader streams in chunks (4 MiB by default): memory stays bounded whatever the blob size.
        with destination.open("wb") as handle:
            self._downloader(key).readinto(handle)

    def _downloader(self, key: str, **kwargs: int):
        name = self._blob_name(key)
        try:
            return self._container.download_blob(name, **kwargs)
        except ResourceNotFoundError as exc:
            raise FileNotFoundError(self.native_uri(key)) from exc

    def _download(self, key: str, **kwargs: int) -> bytes:
        return self._downloader(key, **kwargs).readall()
