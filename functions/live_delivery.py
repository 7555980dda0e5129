"""Lambda: the live delivery queue (SQS) -> PostToConnection to each message's WebSocket connection, and
DeleteConnection for connections whose credential was revoked.

Outside the VPC: it reaches API Gateway's management API without NAT, and DynamoDB to drop gone connections.
A gone connection (GoneException) leaves the registry and is not retried. A transient failure (throttled, 5xx,
timeout) is retried: a queue message nothing of which got through is reported as a partial batch failure (SQS
redelivers it; after the queue's maxReceiveCount it is dead-lettered, alarmed); of a message partly delivered only
the failed part is queued again, so no client gets a message twice (services/live.py `deliver`).
"""

from typing import Any

from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord

from codetime.connections import aws_live, decode_closes, decode_deliveries, delivery_requeue
from codetime.logs import logger, metrics, tracer
from codetime.services import live as service


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler(capture_response=False)
@metrics.log_metrics
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    live = aws_live(deliver=True)
    if live is None:
        raise RuntimeError("CODETIME_LIVE_TABLE and CODETIME_LIVE_ENDPOINT must be set")
    requeue = delivery_requeue()
    failures: list[dict[str, str]] = []
    totals = service.DeliveryResult()
    for raw in event.get("Records") or []:
        record = SQSRecord(raw)
        try:
            deliveries, closes = decode_deliveries(record.body), decode_closes(record.body)
        except (ValueError, KeyError, TypeError):
            logger.error("malformed live delivery message dropped", extra={"message_id": record.message_id})
            continue
        result = service.deliver(live, deliveries, closes, requeue)
        if result.retry:
            failures.append({"itemIdentifier": record.message_id})
        totals.sent, totals.gone = totals.sent + result.sent, totals.gone + result.gone
        totals.errors, totals.requeued = totals.errors + result.errors, totals.requeued + result.requeued
    logger.info("live messages delivered", extra={"sent": totals.sent, "gone": totals.gone, "errors": totals.errors,
                                                  "requeued": totals.requeued,
                                                  "retried_messages": len(failures)})  # fmt: skip
    return {"batchItemFailures": failures}
