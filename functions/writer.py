"""Lambda: SQS batch writer (ReportBatchItemFailures).

The SQS event adapter: records become transport-free queue messages for the writer service, and the ids of the
messages it could not write become `batchItemFailures` (SQS redelivers only those, then dead-letters them).
"""

import time
from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord

from codetime.logs import logger, metrics, tracer
from codetime.services.writer import QueueMessage, process_messages
from functions._snapstart import register_snapstart_hooks

# The writer is deployed without SnapStart (README "SnapStart"), so these run only if it is turned on for it too.
register_snapstart_hooks()


def process_sqs_event(event: dict[str, Any]) -> dict[str, Any]:
    """One SQS event through the writer; the partial-batch response."""
    records = [SQSRecord(raw) for raw in event.get("Records") or []]
    result = process_messages([QueueMessage(id=r.message_id, body=r.body) for r in records])
    metrics.add_metric(name="HeartbeatsWritten", unit=MetricUnit.Count, value=result.inserted)
    metrics.add_metric(name="HeartbeatsDuplicate", unit=MetricUnit.Count, value=result.duplicates)
    metrics.add_metric(name="WriterMessagesFailed", unit=MetricUnit.Count, value=len(result.failed))
    metrics.add_metric(name="WriterBatchSize", unit=MetricUnit.Count, value=len(records))
    sent = [int(r.attributes.sent_timestamp or 0) for r in records]
    if any(sent):
        # Lag: how long the oldest message of the batch waited between enqueue and being written.
        lag = max(0.0, time.time() - min(t for t in sent if t) / 1000)
        metrics.add_metric(name="WriterLagSeconds", unit=MetricUnit.Seconds, value=round(lag, 3))
    logger.info(
        "batch written",
        extra={
            "messages": len(records), "failed": len(result.failed), "heartbeats": result.received,
            "inserted": result.inserted, "users": len(result.days),
        },
    )  # fmt: skip
    return {"batchItemFailures": [{"itemIdentifier": message_id} for message_id in result.failed]}


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler(capture_response=False)
@metrics.log_metrics
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return process_sqs_event(event)
