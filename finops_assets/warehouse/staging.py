"""Local copies of remote landing files for a warehouse that can only read local paths.

DuckDB reads `s3://` and `gs://` only through its httpfs extension, which is not bundled with the duckdb
wheel (and cannot be installed offline). So the embedded warehouse stages a month: each file is streamed
to a private folder next to the warehouse file (bounded memory, one file at a time), the native
`read_csv`/`read_parquet` load runs on the copies, and the folder is deleted when the load ends, whether
it succeeded or not. Local landing files are read in place.
"""

from __future__ import annotations

import contextlib
import dataclasses
import tempfile
from pathlib import Path
from typing import Iterator

from finops_assets.landing.storage import Landing
from finops_assets.warehouse.load_request import LoadError, LoadRequest


def is_remote(uri: str) -> bool:
    return "://" in uri


@contextlib.contextmanager
def staged_locally(request: LoadRequest, landing: Landing | None, staging_root: Path) -> Iterator[LoadRequest]:
    """`request` with every remote file replaced by a local copy; the copies are removed on exit."""
    if not any(is_remote(f.uri) for f in request.files):
        yield request
        return
    if landing is None:
        raise LoadError(f"{request.manifest_uri}: remote files need the landing area to stage them locally")
    staging_root.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=f"{request.source}-{request.billing_month:%Y%m}-", dir=staging_root) as folder:
        files = []
        for index, file in enumerate(request.files):
            if not is_remote(file.uri):
                files.append(file)
                continue
            # Keep the file's suffixes (.csv.gz, .parquet): DuckDB's readers look at them.
            name = Path(file.key).name
            local = Path(folder) / f"{index:05d}-{name}"
            landing.download(file.key, local)
            files.append(dataclasses.replace(file, uri=str(local)))
        yield dataclasses.replace(request, files=tuple(files))
