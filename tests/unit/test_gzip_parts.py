"""Gzip answers joined from parts compressed ahead of time (codetime/gzip_parts.py): what every gzip reader sees."""

from __future__ import annotations

import gzip
import io
import random
import zlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from codetime import gzip_parts


@given(st.lists(st.binary(max_size=3000), max_size=12), st.sampled_from([1, 6, 9]))
def test_joined_parts_decompress_to_the_parts_in_order(chunks: list[bytes], level: int) -> None:
    joined = gzip_parts.join(gzip_parts.compress(chunk, level) for chunk in chunks)
    assert gzip.decompress(joined) == b"".join(chunks)  # checks the trailer's CRC-32 and length too
    # A streaming reader (as HTTP clients decode) ends exactly at the member's end, nothing left over.
    reader = zlib.decompressobj(wbits=31)
    assert reader.decompress(joined) == b"".join(chunks) and reader.eof and not reader.unused_data


def test_long_repetitive_parts_reference_only_themselves() -> None:
    """Each part is compressed alone: a day equal to the previous one still decodes (no reference across parts)."""
    day = b'{"grand_total":{"total_seconds":3600.0},"projects":[{"name":"codetime"}]}' * 200
    parts = [gzip_parts.compress(day) for _ in range(40)]
    with gzip.GzipFile(fileobj=io.BytesIO(gzip_parts.join(parts))) as reader:
        assert reader.read() == day * 40


def test_a_corrupted_part_is_caught_by_the_trailer() -> None:
    data = random.Random(7).randbytes(5000)
    part = gzip_parts.compress(data)
    wrong = part._replace(crc=part.crc ^ 1)
    with pytest.raises(gzip.BadGzipFile):
        gzip.decompress(gzip_parts.join([wrong]))


def test_inflate_reads_one_part_back() -> None:
    assert gzip_parts.inflate(gzip_parts.compress(b'{"day":1}')) == b'{"day":1}'
    assert gzip.decompress(gzip_parts.join([])) == b""
