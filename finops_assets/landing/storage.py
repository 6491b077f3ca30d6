"""Landing-area backends behind one small interface.

Keys are always relative to the landing root and `/`-separated. Every key that comes from outside
(a manifest's reportKey, a blob name) passes through `confine_key`, so nothing outside the landing
area can ever be listed, read or handed to a warehouse load.
"""

from __future__ import annotations

import fnmatch
import hashlib
import os
import shutil
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any, BinaryIO, Iterator, Protocol

if TYPE_CHECKING:
    from google.cloud import storage


class LandingPathError(ValueError):
    """A key that would leave the landing area (absolute, `..`, backslashes, empty segments)."""


@dataclass(frozen=True)
class LandingObject:
    key: str
    size: int
    updated: float  # seconds since the epoch


def files_fingerprint(objects: list[LandingObject]) -> str:
    """The version of a folder of files without a manifest: a digest of their names, sizes and update times."""
    digest = hashlib.sha256()
    for obj in sorted(objects, key=lambda o: o.key):
        digest.update(f"{obj.key}\0{obj.size}\0{obj.updated:.6f}\n".encode())
    return f"files:{digest.hexdigest()[:16]}"


def confine_key(key: str) -> str:
    """Validate a landing key taken from untrusted input and return it normalised."""
    if not key or "\x00" in key:
        raise LandingPathError(f"empty or NUL-containing key {key!r}")
    if "\\" in key:
        raise LandingPathError(f"backslash in key {key!r}")
    if key.startswith("/") or (len(key) > 1 and key[1] == ":"):
        raise LandingPathError(f"absolute path {key!r} is not allowed")
    parts = key.split("/")
    if any(part in ("", ".", "..") for part in parts):
        raise LandingPathError(f"key {key!r} has an empty, '.' or '..' segment")
    return "/".join(parts)


class Landing(Protocol):
    url: str

    def list(self, prefix: str, pattern: str) -> Iterator[LandingObject]:
        """Objects under `prefix` whose key matches the glob `pattern` (`**` spans folders)."""
        ...

    def list_folders(self, prefix: str) -> list[str]:
        """Keys of the folders directly under `prefix` (one listing call; objects are not enumerated)."""
        ...

    def read_bytes(self, key: str) -> bytes: ...

    def read_head(self, key: str, size: int) -> bytes:
        """The first `size` bytes of an object (for header checks without reading whole files)."""
        ...

    def stat(self, key: str) -> LandingObject: ...

    def open(self, key: str) -> BinaryIO:
        """A seekable binary file object (Parquet footers are read without downloading whole files)."""
        ...

    def native_uri(self, key: str) -> str:
        """What a warehouse load reads: an absolute path locally, `gs://bucket/object` on GCS, `s3://...` on S3."""
        ...

    def download(self, key: str, destination: Path) -> None:
        """Copy an object to a local file, streaming (for warehouses that cannot read the remote URI)."""
        ...


def glob_match(key: str, pattern: str) -> bool:
    # fnmatch's `*` already crosses `/`, so `**/` only needs to also match "no folder at all".
    return fnmatch.fnmatchcase(key, pattern) or fnmatch.fnmatchcase(key, pattern.replace("**/", ""))


class LocalLanding:
    """A folder on disk (the embedded default, `./data/landing`)."""

    def __init__(self, root: str | os.PathLike[str]):
        self.root = Path(root).resolve()
        self.url = str(self.root)

    def _path(self, key: str) -> Path:
        path = (self.root / confine_key(key)).resolve()
        if not path.is_relative_to(self.root):  # a symlink pointing out of the landing area
            raise LandingPathError(f"key {key!r} resolves outside the landing area {self.root}")
        return path

    def list(self, prefix: str, pattern: str) -> Iterator[LandingObject]:
        base = self._path(prefix) if prefix else self.root
        if not base.is_dir():
            return
        for dirpath, dirnames, filenames in os.walk(base):
            dirnames.sort()
            for filename in sorted(filenames):
                path = Path(dirpath, filename)
                key = path.relative_to(self.root).as_posix()
                if glob_match(key, pattern):
                    st = path.stat()
                    yield LandingObject(key=key, size=st.st_size, updated=st.st_mtime)

    def list_folders(self, prefix: str) -> list[str]:
        base = self._path(prefix) if prefix else self.root
        if not base.is_dir():
            return []
        return sorted(
            entry.relative_to(self.root).as_posix()
            for entry in base.iterdir()
            if entry.is_dir() and entry.resolve().is_relative_to(self.root)
        )

    def read_bytes(self, key: str) -> bytes:
        return self._path(key).read_bytes()

    def read_head(self, key: str, size: int) -> bytes:
        with self._path(key).open("rb") as handle:
            return handle.read(size)

    def stat(self, key: str) -> LandingObject:
        path = self._path(key)
        st = path.stat()  # FileNotFoundError names the path
        return LandingObject(key=confine_key(key), size=st.st_size, updated=st.st_mtime)

    def open(self, key: str) -> BinaryIO:
        return self._path(key).open("rb")

    def native_uri(self, key: str) -> str:
        return str(self._path(key))

    def download(self, key: str, destination: Path) -> None:
        shutil.copyfile(self._path(key), destination)


class GcsLanding:
    """A GCS bucket (production: `gs://bucket[/prefix]`), through a google-cloud-storage client."""

    def __init__(self, url: str, client: "storage.Client"):
        if not url.startswith("gs://"):
            raise ValueError(f"not a gs:// URL: {url!r}")
        bucket, _, prefix = url[len("gs://") :].partition("/")
        if not bucket:
            raise ValueError(f"no bucket in {url!r}")
        self.url = url.rstrip("/")
        self.bucket_name = bucket
        self.prefix = prefix.strip("/")
        self._client = client
        self._bucket = client.bucket(bucket)

    def _blob_name(self, key: str) -> str:
        key = confine_key(key)
        return f"{self.prefix}/{key}" if self.prefix else key

    def _key(self, blob_name: str) -> str:
        return blob_name[len(self.prefix) + 1 :] if self.prefix else blob_name

    def list(self, prefix: str, pattern: str) -> Iterator[LandingObject]:
        list_prefix = self._blob_name(prefix) + "/" if prefix else (f"{self.prefix}/" if self.prefix else "")
        glob = f"{self.prefix}/{pattern}" if self.prefix else pattern
        # match_glob narrows the listing server-side; the local match keeps servers that ignore it correct.
        for blob in self._client.list_blobs(self.bucket_name, prefix=list_prefix, match_glob=glob):
            key = self._key(blob.name)
            if glob_match(key, pattern):
                updated = blob.updated.timestamp() if blob.updated else 0.0
                yield LandingObject(key=key, size=int(blob.size or 0), updated=updated)

    def list_folders(self, prefix: str) -> list[str]:
        list_prefix = self._blob_name(prefix) + "/" if prefix else (f"{self.prefix}/" if self.prefix else "")
        # With a delimiter GCS returns the "folders" as prefixes and no object below them.
        blobs = self._client.list_blobs(self.bucket_name, prefix=list_prefix, delimiter="/")
        for _ in blobs.pages:
            pass
        return sorted(self._key(folder.rstrip("/")) for folder in blobs.prefixes)

    def read_bytes(self, key: str) -> bytes:
        return self._bucket.blob(self._blob_name(key)).download_as_bytes()

    def read_head(self, key: str, size: int) -> bytes:
        return self._bucket.blob(self._blob_name(key)).download_as_bytes(start=0, end=size - 1)

    def stat(self, key: str) -> LandingObject:
        blob = self._bucket.get_blob(self._blob_name(key))
        if blob is None:
            raise FileNotFoundError(f"gs://{self.bucket_name}/{self._blob_name(key)}")
        updated = blob.updated.timestamp() if blob.updated else 0.0
        return LandingObject(key=confine_key(key), size=int(blob.size or 0), updated=updated)

    def open(self, key: str) -> BinaryIO:
        return self._bucket.blob(self._blob_name(key)).open("rb")

    def native_uri(self, key: str) -> str:
        return f"gs://{self.bucket_name}/{self._blob_name(key)}"

    def download(self, key: str, destination: Path) -> None:
        self._bucket.blob(self._blob_name(key)).download_to_filename(str(destination))  # chunked, bounded memory


def landing_from_url(url: str, gcs_client: "storage.Client | None" = None, s3_client: Any = None) -> Landing:
    if url.startswith("gs://"):
        if gcs_client is None:
            raise ValueError(f"{url} needs a google-cloud-storage client")
        return GcsLanding(url, gcs_client)
    if url.startswith("s3://"):
        if s3_client is None:
            raise ValueError(f"{url} needs a boto3 S3 client")
        from finops_assets.landing.s3 import S3Landing  # boto3 is only imported where S3 is used

        return S3Landing(url, s3_client)
    if "://" in url:
        raise ValueError(f"unsupported landing URL {url!r}: use a local path, gs://bucket[/prefix] or s3://bucket[/prefix]")
    return LocalLanding(url)
