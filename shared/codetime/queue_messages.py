"""The body of a heartbeat queue message: several normalized heartbeats, versioned."""

from __future__ import annotations

import json
import math
import time
import uuid
from collections.abc import Iterator, Sequence

from codetime.domain.heartbeats import Heartbeat

MESSAGE_VERSION = 1
# SQS allows 256 KiB per message and per SendMessageBatch call; stay below with room for attributes.
MAX_MESSAGE_BYTES = 240 * 1024
MAX_BATCH_BYTES = 250 * 1024
MAX_BATCH_ENTRIES = 10


class PoisonMessage(ValueError):
    """A message that can never be written; it fails alone and ends in the DLQ."""


def encode_messages(heartbeats: Sequence[Heartbeat], queued_at: float | None = None) -> list[str]:
    """Pack heartbeats into as few message bodies as fit the size limit. Each body carries the time it was
    queued ("t", epoch seconds, now by default): the writer drops heartbeats queued before a "clear my data"."""
    bodies: list[str] = []
    chunk: list[str] = []
    size = 0
    stamp = repr(float(time.time() if queued_at is None else queued_at))
    overhead = len(f'{{"v":{MESSAGE_VERSION},"t":{stamp},"heartbeats":[]}}')
    for hb in heartbeats:
        item = json.dumps(hb.to_message(), separators=(",", ":"), ensure_ascii=False)
        item_size = len(item.encode()) + 1
        if chunk and overhead + size + item_size > MAX_MESSAGE_BYTES:
            bodies.append(_body(chunk, stamp))
            chunk, size = [], 0
        chunk.append(item)
        size += item_size
    if chunk:
        bodies.append(_body(chunk, stamp))
    return bodies


def _body(items: list[str], stamp: str) -> str:
    return f'{{"v":{MESSAGE_VERSION},"t":{stamp},"heartbeats":[{",".join(items)}]}}'


def decode_message(body: str) -> list[Heartbeat]:
    """Heartbeats of one message body; raises PoisonMessage for anything malformed."""
    try:
        data = json.loads(body)
        if not isinstance(data, dict) or data.get("v") != MESSAGE_VERSION:
            raise PoisonMessage(f"unsupported message version: {data.get('v') if isinstance(data, dict) else None}")
        items = data["heartbeats"]
        if not isinstance(items, list):
            raise PoisonMessage("heartbeats must be a list")
        # Messages queued before "t" existed carry none: they are written without the clear check.
        queued_at = data.get("t")
        if queued_at is not None and not (isinstance(queued_at, int | float) and math.isfinite(queued_at)):
            raise PoisonMessage("t must be a number")
        heartbeats = [Heartbeat.from_message(item) for item in items]
        for hb in heartbeats:
            hb.queued_at = queued_at
        return heartbeats
    except PoisonMessage:
        raise
    except (ValueError, TypeError, KeyError) as exc:
        raise PoisonMessage(f"malformed heartbeat message: {type(exc).__name__}: {exc}") from exc


def encode_purge(user_id: uuid.UUID) -> str:
    """A message asking the writer to continue deleting a user's data (see services/accounts.py)."""
    return json.dumps({"v": MESSAGE_VERSION, "purge": str(user_id)})


def purge_target(body: str) -> uuid.UUID | None:
    """The user of a purge message, None for heartbeat messages (recognized without parsing them)."""
    if not body.startswith(f'{{"v": {MESSAGE_VERSION}, "purge": '):
        return None
    try:
        return uuid.UUID(json.loads(body)["purge"])
    except (ValueError, KeyError, TypeError) as exc:
        raise PoisonMessage("malformed purge message") from exc


def encode_job_message(job_id: uuid.UUID) -> str:
    """A background job for the writer (services/jobs.py), on the same queue as heartbeats."""
    return json.dumps({"v": MESSAGE_VERSION, "job": str(job_id)}, separators=(",", ":"))


def decode_job_message(body: str) -> uuid.UUID | None:
    """The job id of a job message, None for any other message."""
    if '"job"' not in body[:64]:
        return None
    try:
        data = json.loads(body)
        if isinstance(data, dict) and data.get("v") == MESSAGE_VERSION and "job" in data:
            return uuid.UUID(str(data["job"]))
    except ValueError as exc:
        raise PoisonMessage(f"malformed job message: {exc}") from exc
    return None


def batch_entries(bodies: Sequence[str]) -> Iterator[list[str]]:
    """Group bodies into SendMessageBatch calls within the per-call entry and byte limits."""
    batch: list[str] = []
    size = 0
    for body in bodies:
        body_size = len(body.encode())
        if batch and (len(batch) == MAX_BATCH_ENTRIES or size + body_size > MAX_BATCH_BYTES):
            yield batch
            batch, size = [], 0
        batch.append(body)
        size += body_size
    if batch:
        yield batch
