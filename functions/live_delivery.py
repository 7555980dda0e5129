"""Lambda: the live delivery queue (SQS) -> PostToConnection to each message's WebSocket connection.

Outside the VPC: it reaches API Gateway's management API without NAT, and DynamoDB to drop gone connections.
Failures are counted (LiveDeliveryErrors, alarmed), never retried: a redelivered batch would repeat the messages
that did arrive, and the next write publishes fresh state anyway.
"""

from typing import Any

from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord

from codetime.connections import aws_live, decode_deliveries
from codetime.logs import logger, metrics, tracer
from codetime.services import live as service


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler(capture_response=False)
@metrics.log_metrics
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    live = aws_live(deliver=True)
    if live is None:
        raise RuntimeError("CODETIME_LIVE_TABLE and CODETIME_LIVE_ENDPOINT must be set")
    deliveries: list[tuple[str, str]] = []
    for raw in event.get("Records") or []:
        record = SQSRecord(raw)
        try:
            deliveries.extend(decode_deliveries(record.body))
        except (ValueError, KeyError, TypeError):
            logger.error("malformed live delivery message dropped", extra={"message_id": record.message_id})
    result = service.deliver(live, deliveries)
    logger.info("live messages delivered", extra={"sent": result.sent, "gone": result.gone, "errors": result.errors})
    return {"batchItemFailures": []}
