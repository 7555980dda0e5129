"""Where accepted heartbeats go: SQS in AWS, a durable PostgreSQL table in the local runtime."""

from __future__ import annotations

from typing import Protocol

from codetime.clients import aws_client
from codetime.config import get_settings
from codetime.domain.errors import Unavailable
from codetime.logs import logger
from codetime.queue_messages import batch_entries


class QueueUnavailable(Unavailable):
    """The queue did not confirm every message: nothing may be reported to the client as accepted."""


class HeartbeatQueue(Protocol):
    def send(self, bodies: list[str]) -> None: ...


class SqsQueue:
    def __init__(self, queue_url: str) -> None:
        self.queue_url = queue_url

    def send(self, bodies: list[str]) -> None:
        from botocore.exceptions import BotoCoreError, ClientError

        sqs = aws_client("sqs")
        for batch in batch_entries(bodies):
            pending = {str(i): body for i, body in enumerate(batch)}
            for _attempt in range(2):  # one retry of entries SQS reported as failed
                try:
                    response = sqs.send_message_batch(
                        QueueUrl=self.queue_url,
                        Entries=[{"Id": i, "MessageBody": body} for i, body in pending.items()],
                    )
                except (BotoCoreError, ClientError) as exc:
                    logger.error("SQS send failed", extra={"error": type(exc).__name__})
                    raise QueueUnavailable("queue did not accept the batch") from exc
                pending = {f["Id"]: pending[f["Id"]] for f in response.get("Failed", [])}
                if not pending:
                    break
            if pending:
                logger.error("SQS rejected entries", extra={"failed": len(pending)})
                raise QueueUnavailable("queue rejected part of the batch")


class LocalQueue:
    """The local runtime's queue: rows in `local_queue`, delivered to the writer by `codetime dev`."""

    def send(self, bodies: list[str]) -> None:
        import psycopg

        from codetime.db import get_pool
        from codetime.repositories.local_queue import LocalQueueRepository

        try:
            with get_pool().connection() as conn:
                LocalQueueRepository(conn).send(bodies)
        except psycopg.Error as exc:
            raise QueueUnavailable("local queue unavailable") from exc


def get_queue() -> HeartbeatQueue:
    """SQS when SQS_QUEUE_URL is set, the local queue otherwise."""
    url = get_settings().sqs_queue_url
    return SqsQueue(url) if url else LocalQueue()
