"""Delivers the local queue to the writer handler as SQS event batches, with SQS's retry and DLQ semantics."""

from __future__ import annotations

import hashlib
import threading
import time
from collections.abc import Callable
from typing import Any

from codetime.db import get_pool
from codetime.local.lambda_context import ACCOUNT, REGION, LocalLambdaContext
from codetime.logs import logger
from codetime.repositories.local_queue import LocalQueueRepository

QUEUE_ARN = f"arn:aws:sqs:{REGION}:{ACCOUNT}:codetime-heartbeats"
FUNCTION_NAME = "codetime-writer"
_MAX_ERROR_WAIT = 5.0


class LocalQueueWorker:
    """Polls `local_queue` the way Lambda's SQS event source mapping (with ReportBatchItemFailures) polls SQS."""

    def __init__(
        self, handler: Callable[[dict, Any], dict], *, batch_size: int = 10, poll_interval: float = 0.5,
        visibility_timeout: float = 30.0, max_receives: int = 5,
    ) -> None:  # fmt: skip
        self.handler = handler
        self.batch_size = batch_size
        self.poll_interval = poll_interval
        self.visibility_timeout = visibility_timeout
        self.max_receives = max_receives
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        """Deliver in a background daemon thread until stop()."""
        if self._thread is not None and self._thread.is_alive():
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._loop, name="local-queue-worker", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 10) -> None:
        """Let the batch in hand finish, then stop the thread (waits at most `timeout` seconds)."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
            if self._thread.is_alive():
                logger.warning("local queue worker still busy after stop timeout", extra={"timeout": timeout})
            self._thread = None

    def _loop(self) -> None:
        errors = 0
        while not self._stop.is_set():
            try:
                delivered = self.run_once()
                errors = 0
            except Exception:  # e.g. the database is briefly away: keep polling, more slowly
                errors += 1
                logger.exception("local queue worker failed; retrying", extra={"consecutive_errors": errors})
                self._stop.wait(min(_MAX_ERROR_WAIT, self.poll_interval * 2**errors))
                continue
            if delivered < self.batch_size:  # a full batch means more may be waiting: poll again at once
                self._stop.wait(self.poll_interval)

    def run_once(self) -> int:
        """Claim one batch and deliver it to the handler; returns how many messages were delivered."""
        with get_pool().connection() as conn:
            claimed = LocalQueueRepository(conn).claim(self.visibility_timeout, self.batch_size)
        if not claimed:
            return 0
        now_ms = int(time.time() * 1000)
        event = {"Records": [_record(*row, now_ms) for row in claimed]}
        ids = {str(row[0]) for row in claimed}
        try:
            response = self.handler(event, LocalLambdaContext(FUNCTION_NAME, timeout_seconds=self.visibility_timeout))
            failed = _failed_ids(response, ids)
        except Exception:
            logger.exception("writer handler raised; the whole batch will be retried", extra={"messages": len(ids)})
            failed = ids
        self._settle(claimed, failed)
        return len(claimed)

    def _settle(self, claimed: list[tuple[Any, ...]], failed: set[str]) -> None:
        done = [row[0] for row in claimed if str(row[0]) not in failed]
        retry = [(row[0], row[2]) for row in claimed if str(row[0]) in failed]
        dead = [message_id for message_id, receives in retry if receives >= self.max_receives]
        with get_pool().connection() as conn, conn.transaction():
            queue = LocalQueueRepository(conn)
            if done:
                queue.delete(done)
            if dead:
                queue.mark_dead(dead)
            for message_id, receives in retry:
                if receives < self.max_receives:
                    # Quick local retries (2, 4, 8 ... s) instead of waiting out the whole visibility timeout.
                    queue.retry_in(message_id, min(self.visibility_timeout, 2.0**receives))
        for message_id in dead:  # ids only: bodies hold user data
            logger.error(
                "message moved to the local dead-letter queue",
                extra={"message_id": str(message_id), "receive_count": self.max_receives},
            )


def _failed_ids(response: Any, batch: set[str]) -> set[str]:
    """The messages to keep, read the way Lambda reads a ReportBatchItemFailures response: no failures list
    means success; a malformed entry or an id not in the batch fails the whole batch."""
    if response is None or (isinstance(response, dict) and not response.get("batchItemFailures")):
        return set()
    if not isinstance(response, dict) or not isinstance(response["batchItemFailures"], list):
        logger.warning("invalid ReportBatchItemFailures response; retrying the whole batch")
        return set(batch)
    failed: set[str] = set()
    for item in response["batchItemFailures"]:
        item_id = item.get("itemIdentifier") if isinstance(item, dict) else None
        if not isinstance(item_id, str) or item_id not in batch:
            logger.warning("invalid batchItemFailures entry; retrying the whole batch")
            return set(batch)
        failed.add(item_id)
    return failed


def _record(message_id: int, body: str, receive_count: int, sent_ms: int, now_ms: int) -> dict[str, Any]:
    return {
        "messageId": str(message_id),
        "receiptHandle": f"local-{message_id}-{receive_count}",
        "body": body,
        "attributes": {
            "ApproximateReceiveCount": str(receive_count),
            "SentTimestamp": str(sent_ms),
            "SenderId": "AIDAEXAMPLELOCALQUEUE",
            # Not stored; the current receive time is exact for first deliveries, which is nearly all of them.
            "ApproximateFirstReceiveTimestamp": str(now_ms),
        },
        "messageAttributes": {},
        "md5OfBody": hashlib.md5(body.encode()).hexdigest(),
        "eventSource": "aws:sqs",
        "eventSourceARN": QUEUE_ARN,
        "awsRegion": REGION,
    }
