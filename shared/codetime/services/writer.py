"""The batch writer: SQS records in, deduplicated heartbeats and fresh per-day aggregates out."""

from __future__ import annotations

import json
import sys
import time
import uuid
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import psycopg
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord

from codetime.config import get_settings
from codetime.db import get_pool
from codetime.domain.heartbeats import Heartbeat
from codetime.domain.summaries import TotalsRow, build_day, day_seconds
from codetime.logs import logger, metrics
from codetime.queue import get_queue
from codetime.queue_messages import decode_job_message, decode_message, encode_job_message, purge_target
from codetime.repositories.aggregates import AggregateRepository
from codetime.repositories.heartbeats import HeartbeatRepository
from codetime.services.cache_keys import invalidate_user_summaries

# Errors that mean "this data can never be written"; anything else (connection lost, ...) fails the whole
# invocation so SQS redelivers the batch untouched. ProgramLimitExceeded: a value too big for an index row;
# UnicodeEncodeError: text PostgreSQL cannot hold as UTF-8 (both are refused at ingestion, but a message could
# still carry them).
_DATA_ERRORS = (
    psycopg.DataError, psycopg.IntegrityError, psycopg.errors.ProgrammingError, psycopg.errors.ProgramLimitExceeded,
    UnicodeEncodeError,
)  # fmt: skip


@dataclass(slots=True)
class WriteResult:
    received: int = 0
    inserted: int = 0
    days: dict[uuid.UUID, set[date]] = field(default_factory=dict)

    @property
    def duplicates(self) -> int:
        return self.received - self.inserted


def write_heartbeats(conn: psycopg.Connection, heartbeats: Sequence[Heartbeat]) -> WriteResult:
    """Insert heartbeats idempotently and recompute every affected (user, day), in one transaction."""
    result = WriteResult(received=len(heartbeats))
    if not heartbeats:
        return result
    with conn.transaction():
        inserted = HeartbeatRepository(conn).insert_batch(heartbeats)
        days: dict[uuid.UUID, set[date]] = defaultdict(set)
        for row in inserted:
            days[row.user_id].add(row.day)
            result.inserted += row.inserted
        aggregates = AggregateRepository(conn)
        settings = dict(
            (user_id, (tz, timeout))
            for user_id, tz, timeout in conn.execute(
                "SELECT id, coalesce(timezone, 'UTC'), timeout_seconds FROM users WHERE id = ANY(%s)",
                (list(days),),
            )
        )
        for user_id in sorted(days):  # a fixed lock order keeps concurrent writers deadlock-free
            aggregates.lock_user(user_id)
            tz, timeout = settings[user_id]
            refresh_days(aggregates, user_id, tz, timeout, sorted(days[user_id]))
        result.days = dict(days)
    for user_id in result.days:
        invalidate_user_summaries(user_id)
    return result


def refresh_days(
    aggregates: AggregateRepository, user_id: uuid.UUID, tz: str, timeout: int, days: Sequence[date]
) -> None:
    """Recompute these days' aggregates from raw heartbeats and store their summary JSON."""
    aggregates.recompute_days(user_id, tz, timeout, days)
    first, last = min(days), max(days)
    wanted = set(days)
    rows: dict[date, list[TotalsRow]] = defaultdict(list)
    for row in aggregates.totals(user_id, first, last):
        if row.day in wanted:
            rows[row.day].append(row)
    dependencies: dict[date, dict[str, float]] = defaultdict(dict)
    for day, name, seconds in aggregates.dependency_totals(user_id, first, last):
        dependencies[day][name] = seconds
    stored = []
    for day in sorted(rows):
        body = json.dumps(build_day(day, tz, rows[day], dependencies[day]), separators=(",", ":"))
        stored.append((day, body, *day_seconds(rows[day])))
    aggregates.store_summaries(user_id, stored)


class HeartbeatBatchProcessor(BatchProcessor):
    """Powertools' SQS processor, changed in one way: records are decoded one by one (a malformed message fails
    alone), then every decoded heartbeat is written in ONE transaction. If that transaction hits a data error,
    each message is retried in its own transaction, and a failing message heartbeat by heartbeat, so its good
    heartbeats are stored and only the message itself fails (redelivered, then the DLQ, where replaying it stores
    nothing twice)."""

    def __init__(self) -> None:
        super().__init__(event_type=EventType.SQS, raise_on_entire_batch_failure=False)
        self.result = WriteResult()

    def process(self) -> list[tuple]:
        outcomes = super().process()  # the record handler decodes
        decoded = [(o[2], o[1]) for o in outcomes if o[0] == "success"]
        jobs = [(record, result) for record, result in decoded if isinstance(result, JobMessage)]
        decoded = [(record, result) for record, result in decoded if not isinstance(result, JobMessage)]
        with get_pool().connection() as conn:
            try:
                self._add(write_heartbeats(conn, [hb for _, hbs in decoded for hb in hbs]))
            except _DATA_ERRORS:
                logger.exception("batch write failed on data; isolating messages")
                for record, hbs in decoded:
                    try:
                        self._add(write_heartbeats(conn, hbs))
                    except _DATA_ERRORS:
                        self._write_one_by_one(conn, record, hbs)
        self._run_jobs(jobs)
        return outcomes

    def _write_one_by_one(self, conn: psycopg.Connection, record: dict[str, Any], heartbeats: list[Heartbeat]) -> None:
        """Store every heartbeat of a failing message that can be stored; fail the message for the rest."""
        unwritable, failure = 0, None
        for hb in heartbeats:
            try:
                self._add(write_heartbeats(conn, [hb]))
            except _DATA_ERRORS:
                unwritable += 1
                failure = sys.exc_info()
        if unwritable:
            # No heartbeat content in the log (README: logs never hold heartbeat bodies).
            logger.error(
                "unwritable heartbeats; their message fails",
                extra={"message_id": record.get("messageId"), "unwritable": unwritable, "of": len(heartbeats)},
            )
            self._fail_after_success(record, failure)

    def _run_jobs(self, jobs: list[tuple[dict[str, Any], JobMessage]]) -> None:
        """Advance background jobs within a time budget; an unfinished job is queued again to continue, a failing
        one fails its message (SQS redelivers it, then the DLQ; `run_pending` also picks open jobs up)."""
        from codetime.services.jobs import run_job

        deadline = time.monotonic() + get_settings().job_budget_seconds
        for record, message in jobs:
            try:
                if not run_job(message.job_id, max(0.0, deadline - time.monotonic())):
                    get_queue().send([encode_job_message(message.job_id)])
            except Exception:
                logger.exception("background job failed", extra={"job_id": str(message.job_id)})
                self._fail_after_success(record)

    def _add(self, part: WriteResult) -> None:
        self.result.received += part.received
        self.result.inserted += part.inserted
        for user_id, days in part.days.items():
            self.result.days.setdefault(user_id, set()).update(days)

    def _fail_after_success(self, record: dict[str, Any], exception: Any = None) -> None:
        self.success_messages = [m for m in self.success_messages if m is not record]
        self.failure_handler(record=SQSRecord(record), exception=exception or sys.exc_info())


@dataclass(frozen=True, slots=True)
class JobMessage:
    job_id: uuid.UUID


def _record_handler(purge_deadline: float) -> Callable[[SQSRecord], list[Heartbeat] | JobMessage]:
    """Decodes heartbeat and job messages; runs purge messages (account deletions) until the invocation's shared
    purge deadline, so several of them in one batch cannot run the writer into its timeout."""

    def decode(record: SQSRecord) -> list[Heartbeat] | JobMessage:
        purge_user = purge_target(record.body)
        if purge_user is not None:
            from codetime.services.accounts import run_purge_message

            run_purge_message(purge_user, purge_deadline)  # raises on failure: the message is redelivered
            return []
        job_id = decode_job_message(record.body)
        return JobMessage(job_id) if job_id is not None else decode_message(record.body)

    return decode


def process_sqs_batch(event: dict[str, Any]) -> PartialItemFailureResponse:
    """Handle one SQS event; returns the `batchItemFailures` response for ReportBatchItemFailures."""
    from aws_lambda_powertools.metrics import MetricUnit

    records = event.get("Records", [])
    processor = HeartbeatBatchProcessor()
    purge_deadline = time.monotonic() + get_settings().purge_budget_seconds
    with processor(records=records, handler=_record_handler(purge_deadline)):
        processor.process()
    failures = processor.response().get("batchItemFailures", [])
    metrics.add_metric(name="HeartbeatsWritten", unit=MetricUnit.Count, value=processor.result.inserted)
    metrics.add_metric(name="HeartbeatsDuplicate", unit=MetricUnit.Count, value=processor.result.duplicates)
    metrics.add_metric(name="WriterMessagesFailed", unit=MetricUnit.Count, value=len(failures))
    metrics.add_metric(name="WriterBatchSize", unit=MetricUnit.Count, value=len(records))
    sent = [int(r.get("attributes", {}).get("SentTimestamp") or 0) for r in records]
    if any(sent):
        # Lag: how long the oldest message of the batch waited between enqueue and being written.
        lag = max(0.0, time.time() - min(t for t in sent if t) / 1000)
        metrics.add_metric(name="WriterLagSeconds", unit=MetricUnit.Seconds, value=round(lag, 3))
    if len(failures) < len(records):
        from codetime.services.ops import mark_writer_success

        mark_writer_success(processor.result.received, processor.result.inserted)
    logger.info(
        "batch written",
        extra={
            "messages": len(records), "failed": len(failures), "heartbeats": processor.result.received,
            "inserted": processor.result.inserted, "users": len(processor.result.days),
        },
    )  # fmt: skip
    return processor.response()
