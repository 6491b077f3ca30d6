"""A seekable, read-only file object over an object store: every read is one ranged GET.

Parquet readers seek to the footer and read only the schema, so looking at a large remote file's columns costs a
few small requests instead of a download. Each backend supplies how to fetch a byte range.
"""

from __future__ import annotations

import io
from typing import Callable

# (first byte, last byte inclusive) -> those bytes
FetchRange = Callable[[int, int], bytes]


class RangedReader(io.RawIOBase):
    def __init__(self, fetch: FetchRange, size: int):
        self._fetch, self._size = fetch, size
        self._position = 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._position

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self._position, io.SEEK_END: self._size}[whence]
        self._position = max(0, base + offset)
        return self._position

    def readinto(self, buffer) -> int:
        end = min(self._position + len(buffer), self._size)
        if end <= self._position:
            return 0
        data = self._fetch(self._position, end - 1)
        buffer[: len(data)] = data
        self._position += len(data)
        return len(data)


def buffered(fetch: FetchRange, size: int) -> io.BufferedReader:
    return io.BufferedReader(RangedReader(fetch, size), 1 << 20)
