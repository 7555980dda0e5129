"""The body of a heartbeat queue message: several normalized heartbeats, versioned."""

from __future__ import annotations

import json
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


def encode_messages(heartbeats: Sequence[Heartbeat]) -> list[str]:
    """Pack heartbeats into as few message bodies as fit the size limit."""
    bodies: list[str] = []
    chunk: list[str] = []
    size = 0
    overhead = len(f'{{"v":{MESSAGE_VERSION},"heartbeats":[]}}')
    for hb in heartbeats:
        item = json.dumps(hb.to_message(), separators=(",", ":"), ensure_ascii=False)
        item_size = len(item.encode()) + 1
        if chunk and overhead + size + item_size > MAX_MESSAGE_BYTES:
            bodies.append(_body(chunk))
            chunk, size = [], 0
        chunk.append(item)
        size += item_size
    if chunk:
        bodies.append(_body(chunk))
    return bodies


def _body(items: list[str]) -> str:
    return f'{{"v":{MESSAGE_VERSION},"heartbeats":[{",".join(items)}]}}'


def decode_message(body: str) -> list[Heartbeat]:
    """Heartbeats of one message body; raises PoisonMessage for anything malformed."""
    try:
        data = json.loads(body)
        if not isinstance(data, dict) or data.get("v") != MESSAGE_VERSION:
            raise PoisonMessage(f"unsupported message version: {data.get('v') if isinstance(data, dict) else None}")
        items = data["heartbeats"]
        if not isinstance(items, list):
            raise PoisonMessage("heartbeats must be a list")
        return [Heartbeat.from_message(item) for item in items]
    except PoisonMessage:
        raise
    except (ValueError, TypeError, KeyError) as exc:
        raise PoisonMessage(f"malformed heartbeat message: {type(exc).__name__}: {exc}") from exc


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
