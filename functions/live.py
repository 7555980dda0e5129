"""Lambda: the live WebSocket API's routes (API Gateway WebSocket events): $connect authorizes and records the
connection, $disconnect removes it, $default handles subscribe / unsubscribe / ping (README "Live updates"); and the
publisher: SQS batches of the writer's changes (the changes queue) become events for the subscribed connections.
Everything it sends goes through the delivery queue (functions/live_delivery.py posts it)."""

import base64
import json
from typing import Any

from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord

from codetime.connections import aws_live
from codetime.domain import live as protocol
from codetime.domain.errors import NotAuthenticated, RateLimited
from codetime.logs import logger, metrics, tracer
from codetime.services import live as service
from functions._snapstart import register_snapstart_hooks

register_snapstart_hooks()


def _header(event: dict[str, Any], name: str) -> str | None:
    # API Gateway passes header names as the client spelled them.
    return next((v for k, v in (event.get("headers") or {}).items() if k.lower() == name), None)


def _credential(event: dict[str, Any]) -> tuple[str | None, str | None]:
    """(credential, subprotocol to answer): `Sec-WebSocket-Protocol: codetime, <credential>`, else the query."""
    offered = protocol.subprotocol_credential(_header(event, "sec-websocket-protocol"))
    if offered is not None:
        return offered, protocol.SUBPROTOCOL
    query = event.get("queryStringParameters") or {}
    return query.get("api_key") or query.get("token"), None


def _refused(status: int, message: str, **headers: str) -> dict[str, Any]:
    return {"statusCode": status, "headers": {"Content-Type": "application/json", **headers},
            "body": json.dumps({"error": message})}  # fmt: skip


def _publish(live: Any, event: dict[str, Any]) -> dict[str, Any]:
    """The changes queue's batch: revoked credentials' connections closed, then the changes merged per user and
    published once each. Never fails the batch (a redelivery would
    repeat the events that were sent; the next write publishes fresh state)."""
    bodies = []
    for raw in event["Records"]:
        record = SQSRecord(raw)
        bodies.append(record.body)
    try:
        result = service.process_changes(live, bodies)
    except (ValueError, KeyError, TypeError):
        logger.error("malformed live changes dropped", extra={"messages": len(bodies)})
        return {"batchItemFailures": []}
    logger.info(
        "live changes published",
        extra={
            "sent": result.sent,
            "errors": result.errors,
            "skipped_users": result.skipped_users,
        },
    )
    return {"batchItemFailures": []}


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST, clear_state=True)
@tracer.capture_lambda_handler(capture_response=False)
@metrics.log_metrics
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    # Replies and events go through the delivery queue (functions/live_delivery.py posts them).
    live = aws_live()
    if live is None:
        raise RuntimeError("CODETIME_LIVE_TABLE and CODETIME_LIVE_QUEUE_URL must be set")
    if "Records" in event:
        return _publish(live, event)
    request = event["requestContext"]
    route, connection_id = request["routeKey"], request["connectionId"]
    if route == "$connect":
        credential, subprotocol = _credential(event)
        try:
            service.connect(live, connection_id, credential)
        except NotAuthenticated as exc:
            return _refused(401, str(exc), **{"WWW-Authenticate": 'Basic realm="CodeTime"'})
        except RateLimited as exc:
            return _refused(429, str(exc), **{"Retry-After": str(exc.retry_after)})
        # A browser drops the connection unless the handshake names one of the subprotocols it offered.
        return {"statusCode": 200, "headers": {"Sec-WebSocket-Protocol": subprotocol} if subprotocol else {}}
    if route == "$disconnect":
        service.disconnect(live, connection_id)
        return {"statusCode": 200}
    body = event.get("body") or ""
    if event.get("isBase64Encoded"):
        body = base64.b64decode(body).decode("utf-8", errors="replace")
    service.handle_message(live, connection_id, body)
    return {"statusCode": 200}
