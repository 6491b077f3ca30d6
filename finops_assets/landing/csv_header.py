"""Read and check the header row of a (gzipped) CSV data file from its first bytes only.

Warehouses map CSV columns by position (BigQuery with `skip_leading_rows`, DuckDB with explicit
`columns`), so a file whose header disagrees with its manifest would load silently shifted data.
Checking the header first turns that into an error naming the file.
"""

from __future__ import annotations

import csv
import io
import zlib

from finops_assets.landing.storage import Landing

HEAD_BYTES = 1 << 20


class DataFileError(ValueError):
    def __init__(self, key: str, problem: str):
        super().__init__(f"{key}: {problem}")
        self.key = key
        self.problem = problem


def parse_header(head: bytes, key: str, gzip: bool) -> list[str]:
    if gzip:
        try:
            head = zlib.decompressobj(16 + zlib.MAX_WBITS).decompress(head, HEAD_BYTES)
        except zlib.error as exc:
            raise DataFileError(key, f"not a valid gzip file ({exc})") from exc
    text = head.decode("utf-8", errors="replace").lstrip("\ufeff")
    if not text:
        raise DataFileError(key, "file is empty: no header row")
    newline = text.find("\n")
    if newline == -1 and len(text) >= HEAD_BYTES:
        raise DataFileError(key, "no end of header row in the first MiB")
    line = text if newline == -1 else text[:newline]
    return next(csv.reader(io.StringIO(line.rstrip("\r"))), [])


def check_csv_header(landing: Landing, key: str, expected: list[str], gzip: bool) -> None:
    header = parse_header(landing.read_head(key, HEAD_BYTES), key, gzip)
    if header == expected:
        return
    if len(header) != len(expected):
        raise DataFileError(key, f"header has {len(header)} columns, the manifest lists {len(expected)}")
    mismatches = [f"#{i + 1} {got!r} != {want!r}" for i, (got, want) in enumerate(zip(header, expected)) if got != want]
    raise DataFileError(key, "header differs from the manifest: " + "; ".join(mismatches[:5]))
