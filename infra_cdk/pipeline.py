"""The heartbeat queue, its dead-letter queue, and the batch writer's event source."""

from __future__ import annotations

from aws_cdk import Duration
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_lambda_event_sources as sources
from aws_cdk import aws_sqs as sqs
from constructs import Construct

# SQS's own rule of thumb: a message must stay invisible through 6 writer timeouts (retries on throttling) plus
# the batching window, or a batch still being written is delivered a second time.
VISIBILITY_TIMEOUT_FACTOR = 6


class Pipeline(Construct):
    """Encrypted, TLS-only queues; messages failing `max_receive_count` times move to the DLQ."""

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        max_receive_count: int,
        writer_timeout: Duration,
        batch_window: Duration,
    ) -> None:
        super().__init__(scope, id)
        # A message's age counts from its first enqueue even in the DLQ: the DLQ keeps messages longer (14 days,
        # SQS's maximum) than the queue (4 days), so a poisoned message can be inspected and redriven.
        self.dead_letters = sqs.Queue(
            self,
            "DeadLetters",
            encryption=sqs.QueueEncryption.SQS_MANAGED,
            enforce_ssl=True,
            retention_period=Duration.days(14),
        )
        visibility = Duration.seconds(
            VISIBILITY_TIMEOUT_FACTOR * writer_timeout.to_seconds() + batch_window.to_seconds()
        )
        self.queue = sqs.Queue(
            self,
            "Heartbeats",
            encryption=sqs.QueueEncryption.SQS_MANAGED,
            enforce_ssl=True,
            retention_period=Duration.days(4),
            visibility_timeout=visibility,
            dead_letter_queue=sqs.DeadLetterQueue(queue=self.dead_letters, max_receive_count=max_receive_count),
        )
        self._batch_window = batch_window

    def connect_writer(self, writer: lambda_.IFunction, *, batch_size: int, max_concurrency: int) -> None:
        """Feed the queue to `writer`: partial batch failures, and at most `max_concurrency` writers at once
        (each holds one database connection, so this is the writer's share of the connection budget)."""
        writer.add_event_source(
            sources.SqsEventSource(
                self.queue,
                batch_size=batch_size,
                max_batching_window=self._batch_window,
                report_batch_item_failures=True,
                max_concurrency=max_concurrency,
            )
        )
