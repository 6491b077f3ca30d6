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
# A header row is a few KB: the first read is small, and only a longer header row reads (and inflates) up to HEAD_BYTES.
# Reading and inflating a whole MiB of each part cost ~35 ms a file, the main part of describing a month of CUR.
FIRST_READ_BYTES = 64 << 10


class DataFileError(ValueError):
    def __init__(self, key: str, problem: str):
        super().__init__(f"{key}: {problem}")
        self.key = key
        self.problem = problem


def _head_text(head: bytes, key: str, gzip: bool) -> str:
    if gzip:
        try:
            inflate = zlib.decompressobj(16 + zlib.MAX_WBITS)
            data = inflate.decompress(head, FIRST_READ_BYTES)
            if b"\n" not in data and inflate.unconsumed_tail:
                data += inflate.decompress(inflate.unconsumed_tail, HEAD_BYTES - len(data))
        except zlib.error as exc:
            raise DataFileError(key, f"not a valid gzip file ({exc})") from exc
        head = data
    return head.decode("utf-8", errors="replace").lstrip("\ufeff")


def _header_row(text: str, key: str) -> list[str]:
    if not text:
        raise DataFileError(key, "file is empty: no header row")
    newline = text.find("\n")
    if newline == -1 and len(text) >= HEAD_BYTES:
        raise DataFileError(key, "no end of header row in the first MiB")
    line = text if newline == -1 else text[:newline]
    return next(csv.reader(io.StringIO(line.rstrip("\r"))), [])


def read_csv_header(landing: Landing, key: str, gzip: bool) -> list[str]:
    """The header row of a data file, from its first bytes only."""
    head = landing.read_head(key, FIRST_READ_BYTES)
    text = _head_text(head, key, gzip)
    if len(head) == FIRST_READ_BYTES and "\n" not in text:
        # the header row goes on past the first read
        text = _head_text(landing.read_head(key, HEAD_BYTES), key, gzip)
    return _header_row(text, key)


def check_csv_header(landing: Landing, key: str, expected: list[str], gzip: bool) -> None:
    header = read_csv_header(landing, key, gzip)
    if header == expected:
        return
    if len(header) != len(expected):
        raise DataFileError(key, f"header has {len(header)} columns, the manifest lists {len(expected)}")
    mismatches = [f"#{i + 1} {got!r} != {want!r}" for i, (got, want) in enumerate(zip(header, expected)) if got != want]
    raise DataFileError(key, "header differs from the manifest: " + "; ".join(mismatches[:5]))
