"""Imports: WakaTime data dumps and heartbeat arrays, streamed, through the live path's validation and writer.

The file is never loaded whole: ijson yields one heartbeat at a time, each is normalized exactly as live
ingestion does (without the maximum-age check: imports bring old history), and batches go through
`write_heartbeats` — the writer's deduplicating insert and per-day recompute. Each batch commits alone, so an
interrupted import re-run skips what was written (the content hash makes every heartbeat a duplicate of itself),
and importing a file twice changes nothing.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, BinaryIO

import ijson
from ijson.common import ObjectBuilder

from codetime.db import get_pool
from codetime.domain.errors import InvalidInput
from codetime.domain.heartbeats import Heartbeat, HeartbeatErrors, RequestContext, normalize_heartbeat
from codetime.domain.json_bodies import MAX_JSON_DEPTH, TOO_DEEP
from codetime.repositories.users import User
from codetime.services.writer import write_heartbeats

BATCH_SIZE = 2000
MAX_ERROR_EXAMPLES = 10
# Where heartbeats sit: a plain array; WakaTime's dump {"days": [{"heartbeats": [...]}]}; the heartbeats API's
# {"data": [...]} (GET /users/current/heartbeats answers).
_ARRAY_PREFIXES = frozenset({"item"})
_OBJECT_PREFIXES = frozenset({"days.item.heartbeats.item", "data.item", "heartbeats.item"})
_CONTAINERS = {"start_map": "end_map", "start_array": "end_array"}


class InvalidImport(InvalidInput):
    pass


@dataclass(slots=True)
class ImportResult:
    imported: int = 0
    duplicates: int = 0
    invalid: int = 0
    errors: list[dict[str, Any]] = field(default_factory=list)  # the first few invalid items: index and errors

    @property
    def total(self) -> int:
        return self.imported + self.duplicates + self.invalid


class _Prefixed:
    """A binary stream with bytes already read put back in front (to sniff the top-level shape)."""

    def __init__(self, head: bytes, stream: BinaryIO) -> None:
        self.head, self.stream = head, stream

    def read(self, size: int = -1) -> bytes:
        if self.head:
            if size < 0:
                data, self.head = self.head + self.stream.read(), b""
                return data
            data, self.head = self.head[:size], self.head[size:]
            return data
        return self.stream.read(size)


def iter_raw_heartbeats(stream: BinaryIO) -> Iterator[Any]:
    """Each heartbeat of a dump or array as parsed JSON, in file order; raises InvalidImport on bad JSON."""
    while True:
        # Chunk by chunk, keeping nothing of what is stripped: leading whitespace costs time linear in its length.
        chunk = stream.read(64 * 1024)
        if not chunk:
            raise InvalidImport("The file is empty.")
        stripped = chunk.lstrip(b" \t\r\n\xef\xbb\xbf")  # whitespace and a UTF-8 BOM
        if stripped:
            break
    first = stripped[:1]
    if first == b"[":
        prefixes = _ARRAY_PREFIXES
    elif first == b"{":
        prefixes = _OBJECT_PREFIXES
    else:
        raise InvalidImport("Expected a JSON array of heartbeats or a WakaTime data dump (a JSON object).")
    events = ijson.parse(_Prefixed(stripped, stream), use_float=True)
    try:
        yield from _items(events, prefixes)
    except ijson.JSONError as exc:
        raise InvalidImport(f"The file is not valid JSON: {exc}") from exc


def _items(events: Iterator[tuple[str, str, Any]], prefixes: frozenset[str]) -> Iterator[Any]:
    for prefix, event, value in events:
        if prefix not in prefixes or event in ("end_map", "end_array", "map_key"):
            continue
        if event not in _CONTAINERS:
            yield value  # a scalar where a heartbeat belongs: reported invalid by normalization
            continue
        builder = ObjectBuilder()
        builder.event(event, value)
        depth, max_depth = 1, MAX_JSON_DEPTH - len(prefix.split("."))  # the containers around the heartbeat count
        if depth > max_depth:
            raise InvalidImport(TOO_DEEP)
        for _, inner_event, inner_value in events:
            if inner_event in _CONTAINERS:
                depth += 1
                if depth > max_depth:
                    raise InvalidImport(TOO_DEEP)
            elif inner_event in ("end_map", "end_array"):
                depth -= 1
            builder.event(inner_event, inner_value)
            if depth == 0:
                break
        yield builder.value


def import_heartbeats(
    user: User, stream: BinaryIO, *, batch_size: int = BATCH_SIZE,
    progress: Callable[[ImportResult], None] | None = None,
) -> ImportResult:  # fmt: skip
    """Import every heartbeat of `stream` for `user`; returns the counts. Batches already written stay written
    when the file turns out malformed further on (InvalidImport is raised with the counts so far)."""
    context = RequestContext(user_id=str(user.id))
    result = ImportResult()
    batch: dict[str, Heartbeat] = {}
    now = time.time()
    with get_pool().connection() as conn:

        def flush() -> None:
            if batch:
                written = write_heartbeats(conn, list(batch.values()))
                result.imported += written.inserted
                result.duplicates += written.duplicates
                batch.clear()
            if progress:
                progress(result)

        try:
            for index, raw in enumerate(iter_raw_heartbeats(stream)):
                try:
                    hb = normalize_heartbeat(raw, context, now=now, max_age_seconds=None)
                except HeartbeatErrors as exc:
                    result.invalid += 1
                    if len(result.errors) < MAX_ERROR_EXAMPLES:
                        result.errors.append({"index": index, "errors": exc.errors})
                    continue
                if hb.content_hash in batch:
                    result.duplicates += 1
                    continue
                batch[hb.content_hash] = hb
                if len(batch) >= batch_size:
                    flush()
        except InvalidImport as exc:
            flush()
            raise InvalidImport(
                f"{exc} Imported before the error: {result.imported}, duplicates {result.duplicates}, "
                f"invalid {result.invalid}; importing the file again skips them."
            ) from exc
        flush()
    return result
