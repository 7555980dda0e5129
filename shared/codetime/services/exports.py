"""Exports: all of a user's heartbeats in WakaTime's data-dump shape, streamed from a server-side cursor.

`{"user": {...}, "range": {"start", "end"}, "days": [{"date", "heartbeats": [...]}, ...]}`, days in the user's
timezone. Each heartbeat carries its `user_agent` and `machine` as well, so a re-import (here: `codetime import`)
keeps editors, operating systems and machines.
"""

from __future__ import annotations

import json
import zlib
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

from codetime.db import get_pool
from codetime.repositories.accounts import AccountRepository
from codetime.repositories.users import User

_CHUNK_BYTES = 64 * 1024


def _dumps(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False, default=str)


def _heartbeat(row: dict[str, Any]) -> dict[str, Any]:
    row.pop("day")
    return {k: v for k, v in row.items() if v is not None}


def export_chunks(user: User) -> Iterator[bytes]:
    """The export document in pieces of about 64 KiB; holds one database connection while iterated."""
    tz = user.effective_timezone
    with get_pool().connection() as conn, conn.transaction():  # a named cursor lives in a transaction
        repo = AccountRepository(conn)
        first, last = repo.time_range(user.id)
        header = {
            "user": {
                "id": str(user.id), "username": user.username, "display_name": user.display_name,
                "email": user.email, "timezone": user.timezone, "created_at": user.created_at.isoformat(),
            },
            "range": {"start": _iso(first), "end": _iso(last)},
            "exported_at": datetime.now(UTC).isoformat(),
        }  # fmt: skip
        buffer = [_dumps(header)[:-1] + ',"days":[']
        size = len(buffer[0])
        day = None
        for row in repo.export_rows(user.id, tz):
            if row["day"] != day:
                part = ("]}," if day is not None else "") + f'{{"date":"{row["day"].isoformat()}","heartbeats":['
                day = row["day"]
            else:
                part = ","
            part += _dumps(_heartbeat(row))
            buffer.append(part)
            size += len(part)
            if size >= _CHUNK_BYTES:
                yield "".join(buffer).encode()
                buffer, size = [], 0
        buffer.append(("]}" if day is not None else "") + "]}")
        yield "".join(buffer).encode()


def _iso(epoch: float | None) -> str | None:
    return None if epoch is None else datetime.fromtimestamp(epoch, UTC).isoformat()


def gzipped(chunks: Iterator[bytes]) -> Iterator[bytes]:
    """The same stream gzip-compressed on the fly (heartbeat JSON shrinks about tenfold)."""
    compressor = zlib.compressobj(6, zlib.DEFLATED, 31)
    for chunk in chunks:
        out = compressor.compress(chunk)
        if out:
            yield out
    yield compressor.flush()


def export_filename(user: User) -> str:
    return f"codetime-export-{user.username}-{datetime.now(UTC):%Y%m%d}.json"
