"""Header rows are read from a data file's first bytes: a small first read for the usual few-KB header, more only
when the header row goes on past it, and the 1 MiB bound still fails a file without an end of header row."""

from __future__ import annotations

import gzip

import pytest

from finops_assets.landing import LocalLanding
from finops_assets.landing.csv_header import FIRST_READ_BYTES, HEAD_BYTES, DataFileError, read_csv_header


class CountingLanding(LocalLanding):
    """A local landing area that records the size of every head read."""

    def __init__(self, root: str):
        super().__init__(root)
        self.reads: list[int] = []

    def read_head(self, key: str, size: int) -> bytes:
        self.reads.append(size)
        return super().read_head(key, size)


def write(landing_root, name: str, header: list[str], rows: int, compress: bool) -> str:
    body = (",".join(header) + "\n" + "".join(f"{i},{'x' * 50}\n" for i in range(rows))).encode()
    (landing_root / name).write_bytes(gzip.compress(body) if compress else body)
    return name


@pytest.mark.parametrize("compress", [True, False])
def test_a_usual_header_is_read_from_the_first_bytes_only(tmp_path, compress):
    landing = CountingLanding(str(tmp_path))
    header = ["identity/LineItemId", "lineItem/UnblendedCost"]
    key = write(tmp_path, "part.csv.gz" if compress else "part.csv", header, 200_000, compress)
    assert read_csv_header(landing, key, gzip=compress) == header
    assert landing.reads == [FIRST_READ_BYTES]


@pytest.mark.parametrize("compress", [True, False])
def test_a_header_row_longer_than_the_first_read_is_read_whole(tmp_path, compress):
    landing = CountingLanding(str(tmp_path))
    header = [f"resourceTags/user:{'k' * 40}{i}" for i in range(3000)]  # ~180 KB, past the first read
    key = write(tmp_path, "wide.csv.gz" if compress else "wide.csv", header, 10_000, compress)
    assert read_csv_header(landing, key, gzip=compress) == header
    # Plain text needs the longer read; the repetitive header compresses into the first read, inflated past 64 KiB.
    assert landing.reads == ([FIRST_READ_BYTES] if compress else [FIRST_READ_BYTES, HEAD_BYTES])


def test_a_file_without_an_end_of_header_row_in_the_first_mib_fails(tmp_path):
    (tmp_path / "endless.csv").write_bytes(b"a" * (HEAD_BYTES + 10))
    with pytest.raises(DataFileError, match="no end of header row in the first MiB"):
        read_csv_header(LocalLanding(str(tmp_path)), "endless.csv", gzip=False)
