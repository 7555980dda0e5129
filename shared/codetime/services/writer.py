"""The batch writer: queue messages in, deduplicated heartbeats and fresh per-day aggregates out.

Transport-free: the writer Lambda (functions/writer.py) turns an SQS event into `QueueMessage`s and the failed ids
back into `batchItemFailures`; the local runtime delivers its queue through the same handler.
"""

from __future__ import annotations

import sys
import time
import uuid
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

import psycopg

from codetime.config import get_settings
from codetime.db import get_pool
from codetime.domain.heartbeats import Heartbeat
from codetime.logs import logger
from codetime.queue import get_queue
from codetime.queue_messages import decode_job_message, decode_message, encode_job_message, purge_target
from codetime.repositories.heartbeats import HeartbeatRepository
from codetime.services import aggregation, leaderboards, live
from codetime.services.accounts import run_purge_message
from codetime.services.jobs import run_job
from codetime.services.ops import mark_writer_success

# Errors that mean "this data can never be written"; anything else (connection lost, ...) fails the whole
# invocation so SQS redelivers the batch untouched. ProgramLimitExceeded: a value too big for an index row;
# UnicodeEncodeError: text PostgreSQL cannot hold as UTF-8 (both are refused at ingestion, but a message could
# still carry them).
DATA_ERRORS = (
    psycopg.DataError, psycopg.IntegrityError, psycopg.errors.ProgrammingError, psycopg.errors.ProgramLimitExceeded,
    UnicodeEncodeError,
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class QueueMessage:
    """One queue message: its id (what a failure is reported by) and its body."""

    id: str
    body: str


@dataclass(slots=True)
class WriteResult:
    received: int = 0
    inserted: int = 0
    days: dict[uuid.UUID, set[date]] = field(default_factory=dict)
    # Ids of the messages that failed (redelivered by the queue, then dead-lettered).
    failed: list[str] = field(default_factory=list)

    @property
    def duplicates(self) -> int:
        return self.received - self.inserted

    def add(self, part: WriteResult) -> None:
        self.received += part.received
        self.inserted += part.inserted
        for user_id, days in part.days.items():
            self.days.setdefault(user_id, set()).update(days)


def write_heartbeats(conn: psycopg.Connection, heartbeats: Sequence[Heartbeat]) -> WriteResult:
    """Insert heartbeats idempotently and recompute every affected (user, day), in one transaction."""
    result = WriteResult(received=len(heartbeats))
    if not heartbeats:
        return result
    with conn.transaction():
        days: dict[uuid.UUID, set[date]] = defaultdict(set)
        for row in HeartbeatRepository(conn).insert_batch(heartbeats):
            days[row.user_id].add(row.day)
            result.inserted += row.inserted
        aggregation.recompute(conn, days)
        result.days = dict(days)
    aggregation.changed(result.days)
    return result


def process_messages(messages: Sequence[QueueMessage]) -> WriteResult:
    """Handle one batch of queue messages; the result lists the ids of the messages that failed.

    Messages are decoded one by one (a malformed message fails alone); purge messages (account deletions) run until
    the batch's shared purge deadline; every decoded heartbeat is then written in ONE transaction. If that
    transaction hits a data error, each message is retried in its own transaction, and a failing message heartbeat
    by heartbeat, so its good heartbeats are stored and only the message itself fails (redelivered, then the DLQ,
    where replaying it stores nothing twice). Job messages advance background recomputes within a time budget."""
    result = WriteResult()
    purge_deadline = time.monotonic() + get_settings().purge_budget_seconds
    decoded: list[tuple[QueueMessage, list[Heartbeat]]] = []
    jobs: list[tuple[QueueMessage, uuid.UUID]] = []
    for message in messages:
        try:
            purge_user = purge_target(message.body)
            if purge_user is not None:
                run_purge_message(purge_user, purge_deadline)  # raises on failure: the message is redelivered
                continue
            job_id = decode_job_message(message.body)
            if job_id is not None:
                jobs.append((message, job_id))
            else:
                decoded.append((message, decode_message(message.body)))
        except Exception:
            logger.exception("queue message failed", extra={"message_id": message.id})
            result.failed.append(message.id)
    with get_pool().connection() as conn:
        try:
            result.add(write_heartbeats(conn, [hb for _, hbs in decoded for hb in hbs]))
        except DATA_ERRORS:
            logger.exception("batch write failed on data; isolating messages")
            for message, hbs in decoded:
                try:
                    result.add(write_heartbeats(conn, hbs))
                except DATA_ERRORS:
                    _write_one_by_one(conn, message, hbs, result)
    if result.days:
        # After the commit, within its own time budget; it never raises (README "Live updates").
        live.publish(result.days, live.latest_heartbeats(hb for _, hbs in decoded for hb in hbs))
    _run_jobs(jobs, result)
    if result.days:
        leaderboards.refresh_after_write()
    if len(result.failed) < len(messages):
        mark_writer_success(result.received, result.inserted)
    return result


def _write_one_by_one(
    conn: psycopg.Connection, message: QueueMessage, heartbeats: list[Heartbeat], result: WriteResult
) -> None:
    """Store every heartbeat of a failing message that can be stored; fail the message for the rest."""
    unwritable = 0
    for hb in heartbeats:
        try:
            result.add(write_heartbeats(conn, [hb]))
        except DATA_ERRORS:
            unwritable += 1
            last_error = sys.exc_info()[1]
    if unwritable:
        # No heartbeat content in the log (README: logs never hold heartbeat bodies).
        logger.error(
            "unwritable heartbeats; their message fails",
            extra={"message_id": message.id, "unwritable": unwritable, "of": len(heartbeats),
                   "error": type(last_error).__name__},
        )  # fmt: skip
        result.failed.append(message.id)


def _run_jobs(jobs: list[tuple[QueueMessage, uuid.UUID]], result: WriteResult) -> None:
    """Advance background jobs within a time budget; an unfinished job is queued again to continue, a failing one
    fails its message (redelivered, then the DLQ; `run_pending` also picks open jobs up)."""
    deadline = time.monotonic() + get_settings().job_budget_seconds
    for message, job_id in jobs:
        try:
            if not run_job(job_id, max(0.0, deadline - time.monotonic())):
                get_queue().send([encode_job_message(job_id)])
        except Exception:
            logger.exception("background job failed", extra={"job_id": str(job_id)})
            result.failed.append(message.id)
