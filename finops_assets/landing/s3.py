"""The landing area in an S3 bucket (`s3://bucket[/prefix]`), through a boto3 S3 client from dagster-aws.

Listing, small reads (manifests, CSV headers) and Parquet footers go through the S3 API (ranged GETs for
heads and footers, so a large file is never read whole to look at its schema). A warehouse that cannot
read `s3://` natively stages a month's files with `download`, which streams in bounded chunks.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, BinaryIO, Iterator

from botocore.exceptions import ClientError

from finops_assets.landing.ranged_reader import buffered
from finops_assets.landing.storage import LandingObject, confine_key, glob_match

_MISSING = {"404", "NoSuchKey", "NotFound"}


def split_s3_url(url: str) -> tuple[str, str]:
    """`s3://bucket/some/prefix/` -> ("bucket", "some/prefix")."""
    if not url.startswith("s3://"):
        raise ValueError(f"not an s3:// URL: {url!r}")
    bucket, _, prefix = url[len("s3://") :].partition("/")
    if not bucket:
        raise ValueError(f"no bucket in {url!r}")
    return bucket, prefix.strip("/")


class S3Landing:
    """An S3 bucket (`s3://bucket[/prefix]`), through a boto3 S3 client."""

    def __init__(self, url: str, client: Any):
        self.bucket_name, self.prefix = split_s3_url(url)
        self.url = url.rstrip("/")
        self._client = client

    def _object_key(self, key: str) -> str:
        key = confine_key(key)
        return f"{self.prefix}/{key}" if self.prefix else key

    def _key(self, object_key: str) -> str:
        return object_key[len(self.prefix) + 1 :] if self.prefix else object_key

    def list(self, prefix: str, pattern: str) -> Iterator[LandingObject]:
        list_prefix = self._object_key(prefix) + "/" if prefix else (f"{self.prefix}/" if self.prefix else "")
        paginator = self._client.get_paginator("list_objects_v2")
        for page in paginator.paginate(Bucket=self.bucket_name, Prefix=list_prefix):
            for item in page.get("Contents", []):
                key = self._key(item["Key"])
                if glob_match(key, pattern):
                    yield LandingObject(key=key, size=int(item["Size"]), updated=item["LastModified"].timestamp())

    def list_folders(self, prefix: str) -> list[str]:
        list_prefix = self._object_key(prefix) + "/" if prefix else (f"{self.prefix}/" if self.prefix else "")
        # With a delimiter S3 returns the "folders" as common prefixes and no object below them.
        paginator = self._client.get_paginator("list_objects_v2")
        folders = []
        for page in paginator.paginate(Bucket=self.bucket_name, Prefix=list_prefix, Delimiter="/"):
            folders.extend(self._key(p["Prefix"].rstrip("/")) for p in page.get("CommonPrefixes", []))
        return sorted(folders)

    def read_bytes(self, key: str) -> bytes:
        return self._get(key)["Body"].read()

    def read_head(self, key: str, size: int) -> bytes:
        return self._get(key, Range=f"bytes=0-{size - 1}")["Body"].read()

    def stat(self, key: str) -> LandingObject:
        object_key = self._object_key(key)
        try:
            head = self._client.head_object(Bucket=self.bucket_name, Key=object_key)
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in _MISSING:
                raise FileNotFoundError(f"s3://{self.bucket_name}/{object_key}") from exc
            raise
        return LandingObject(key=confine_key(key), size=int(head["ContentLength"]), updated=head["LastModified"].timestamp())

    def open(self, key: str) -> BinaryIO:
        object_key = self._object_key(key)

        def fetch(first: int, last: int) -> bytes:
            return self._client.get_object(Bucket=self.bucket_name, Key=object_key, Range=f"bytes={first}-{last}")["Body"].read()

        return buffered(fetch, self.stat(key).size)  # type: ignore[return-value]

    def native_uri(self, key: str) -> str:
        return f"s3://{self.bucket_name}/{self._object_key(key)}"

    def download(self, key: str, destination: Path) -> None:
        # boto3's managed transfer streams in 8 MiB parts: memory stays bounded whatever the file size.
        self._client.download_file(self.bucket_name, self._object_key(key), str(destination))

    def _get(self, key: str, **kwargs: str) -> dict:
        object_key = self._object_key(key)
        try:
            return self._client.get_object(Bucket=self.bucket_name, Key=object_key, **kwargs)
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in _MISSING:
                raise FileNotFoundError(f"s3://{self.bucket_name}/{object_key}") from exc
            raise
