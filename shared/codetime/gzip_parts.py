"""Gzip answers assembled from parts compressed ahead of time.

A year of per-day summaries is several megabytes of JSON; compressing it on every uncached read cost more than
everything else the read does. Each day's JSON is compressed once, when the writer stores it, into a raw deflate
part that ends on a byte boundary (a sync flush), so parts can be joined into one valid deflate stream: a reader
never references data before its own part, and every part leaves the decoder between blocks. A gzip answer is then
a header, the parts in order, an empty final block, and the CRC-32 and length of the whole, which are combined from
each part's own CRC-32 and length without the uncompressed text.
"""

from __future__ import annotations

import struct
import zlib
from collections.abc import Iterable
from typing import NamedTuple

# Magic, deflate, no flags, mtime 0 (equal answers stay byte-identical), no extra flags, OS unknown.
_HEADER = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\xff"
# A final, empty block with fixed codes: what a raw deflate stream ends with after a sync flush.
_FINAL_BLOCK = b"\x03\x00"


class Part(NamedTuple):
    """Raw deflate of some bytes, ending on a byte boundary, with those bytes' CRC-32 and length."""

    deflated: bytes
    crc: int
    length: int


def compress(data: bytes, level: int = 6) -> Part:
    """One part; the writer's level (6) is paid once per stored day, never per read."""
    compressor = zlib.compressobj(level, zlib.DEFLATED, -15)
    return Part(compressor.compress(data) + compressor.flush(zlib.Z_SYNC_FLUSH), zlib.crc32(data), len(data))


def join(parts: Iterable[Part]) -> bytes:
    """One gzip member holding the parts' data in order."""
    from isal.isal_zlib import crc32_combine  # zlib's crc32_combine is not in Python's zlib module

    chunks, crc, length = [_HEADER], 0, 0
    for part in parts:
        chunks.append(part.deflated)
        crc = crc32_combine(crc, part.crc, part.length)
        length += part.length
    chunks += [_FINAL_BLOCK, struct.pack("<II", crc, length & 0xFFFFFFFF)]
    return b"".join(chunks)


def inflate(part: Part) -> bytes:
    """A part's data again (a single stored day read back)."""
    return zlib.decompressobj(-15).decompress(part.deflated)
