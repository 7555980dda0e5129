"""Delivers the local queue to the writer handler as SQS event batches, with SQS's retry and DLQ semantics."""

from __future__ import annotations

import hashlib
import threading
import time
from collections.abc import Callable
from typing import Any

from codetime.db import get_pool
from codetime.local.lambda_context import LocalLambdaContext
from codetime.logs import logger

QUEUE_ARN = "arn:aws:sqs:us-east-1:000000000000:codetime-heartbeats"

_CLAIM = """
UPDATE local_queue SET receive_count = receive_count + 1, visible_at = now() + make_interval(secs => %s)
WHERE id IN (
    SELECT id FROM local_queue WHERE NOT dead AND visible_at <= now() ORDER BY id LIMIT %s FOR UPDATE SKIP LOCKED
)
RETURNING id, body, receive_count, extract(epoch FROM sent_at)::float8
"""


class LocalQueueWorker:
    """Polls `local_queue` like Lambda's SQS event source mapping polls a queue."""

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
        self._thread = threading.Thread(target=self._loop, name="local-queue-worker", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 10) -> None:
        """Finish the batch in hand, then stop."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                delivered = self.run_once()
            except Exception:  # the database may be briefly away; keep polling
                logger.exception("local queue worker failed; retrying")
                delivered = 0
            if not delivered:
                self._stop.wait(self.poll_interval)

    def run_once(self) -> int:
        """Claim one batch and deliver it; returns how many messages were delivered."""
        with get_pool().connection() as conn:
            claimed = conn.execute(_CLAIM, (self.visibility_timeout, self.batch_size)).fetchall()
        if not claimed:
            return 0
        event = {"Records": [_record(*row) for row in claimed]}
        try:
            response = self.handler(event, LocalLambdaContext("codetime-writer"))
            failed = {f["itemIdentifier"] for f in (response or {}).get("batchItemFailures", [])}
        except Exception:
            logger.exception("writer handler raised; the whole batch will be retried")
            failed = {str(row[0]) for row in claimed}
        done = [row[0] for row in claimed if str(row[0]) not in failed]
        retry = [(row[0], row[2]) for row in claimed if str(row[0]) in failed]
        with get_pool().connection() as conn, conn.transaction():
            if done:
                conn.execute("DELETE FROM local_queue WHERE id = ANY(%s)", (done,))
            for message_id, receives in retry:
                if receives >= self.max_receives:
                    logger.error("message moved to the local dead-letter queue", extra={"message_id": message_id})
                    conn.execute("UPDATE local_queue SET dead = true WHERE id = %s", (message_id,))
                else:  # quick local retries: 2, 4, 8 ... seconds, capped by the visibility timeout
                    backoff = min(self.visibility_timeout, 2.0**receives)
                    conn.execute(
                        "UPDATE local_queue SET visible_at = now() + make_interval(secs => %s) WHERE id = %s",
                        (backoff, message_id),
                    )
        return len(claimed)


def _record(message_id: int, body: str, receive_count: int, sent_at: float) -> dict[str, Any]:
    return {
        "messageId": str(message_id),
        "receiptHandle": f"local-{message_id}-{receive_count}",
        "body": body,
        "attributes": {
            "ApproximateReceiveCount": str(receive_count),
            "SentTimestamp": str(int(sent_at * 1000)),
            "SenderId": "local",
            "ApproximateFirstReceiveTimestamp": str(int(time.time() * 1000)),
        },
        "messageAttributes": {},
        "md5OfBody": hashlib.md5(body.encode()).hexdigest(),
        "eventSource": "aws:sqs",
        "eventSourceARN": QUEUE_ARN,
        "awsRegion": "us-east-1",
    }
