"""Real-shaped Lambda events and a small driver for the handlers (API Gateway HTTP API v2, SQS)."""

from __future__ import annotations

import base64
import copy
import gzip
import hashlib
import json
import uuid
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

EVENTS = Path(__file__).resolve().parent.parent / "events"
FIXTURES = Path(__file__).resolve().parent / "fixtures"


def load_event(name: str) -> dict[str, Any]:
    return json.loads((EVENTS / name).read_text())


def http_event(
    method: str, path: str, *, headers: dict[str, str] | None = None, query: dict[str, str] | None = None,
    body: Any = None, raw_body: str | None = None,
) -> dict[str, Any]:  # fmt: skip
    """An API Gateway HTTP API (payload 2.0) event, built from the sample in events/."""
    event = copy.deepcopy(load_event("api_get_statusbar_today.json"))
    event["rawPath"] = path
    event["requestContext"]["http"]["method"] = method
    event["requestContext"]["http"]["path"] = path
    event["requestContext"]["requestId"] = uuid.uuid4().hex
    event["rawQueryString"] = urlencode(query or {})
    if query:
        event["queryStringParameters"] = dict(query)
    else:
        event.pop("queryStringParameters", None)
    event["headers"] = {k.lower(): v for k, v in {**event["headers"], **(headers or {})}.items() if v is not None}
    if raw_body is not None:
        event["body"] = raw_body
    elif body is not None:
        event["body"] = json.dumps(body)
        event["headers"].setdefault("content-type", "application/json")
    else:
        event.pop("body", None)
    event["isBase64Encoded"] = False
    return event


def basic(key: str) -> dict[str, str]:
    return {"authorization": "Basic " + base64.b64encode(key.encode()).decode()}


class Response:
    def __init__(self, raw: dict[str, Any]) -> None:
        self.status = raw["statusCode"]
        self.headers = {k.lower(): v for k, v in raw.get("headers", {}).items()}
        body = raw.get("body") or ""
        if raw.get("isBase64Encoded"):
            data = base64.b64decode(body)
            body = (gzip.decompress(data) if self.headers.get("content-encoding") == "gzip" else data).decode()
        self.text = body
        self.json = (
            json.loads(body) if body and self.headers.get("content-type", "").startswith("application/json") else None
        )

    def __repr__(self) -> str:
        return f"<Response {self.status} {self.text[:300]}>"


def invoke(handler: Any, event: dict[str, Any], name: str = "codetime-test") -> Any:
    from codetime.local.lambda_context import LocalLambdaContext

    return handler(event, LocalLambdaContext(name))


def call_api(handler: Any, method: str, path: str, **kwargs: Any) -> Response:
    return Response(invoke(handler, http_event(method, path, **kwargs)))


def sqs_event(messages: list[dict[str, Any]], queue_arn: str) -> dict[str, Any]:
    """The event Lambda's SQS event source mapping delivers for messages from ReceiveMessage."""
    records = []
    for msg in messages:
        attributes = msg.get("Attributes", {})
        records.append({
            "messageId": msg["MessageId"],
            "receiptHandle": msg["ReceiptHandle"],
            "body": msg["Body"],
            "attributes": {
                "ApproximateReceiveCount": attributes.get("ApproximateReceiveCount", "1"),
                "SentTimestamp": attributes.get("SentTimestamp", "0"),
                "SenderId": attributes.get("SenderId", "AIDAEXAMPLE"),
                "ApproximateFirstReceiveTimestamp": attributes.get("ApproximateFirstReceiveTimestamp", "0"),
            },
            "messageAttributes": {},
            "md5OfBody": hashlib.md5(msg["Body"].encode()).hexdigest(),
            "eventSource": "aws:sqs",
            "eventSourceARN": queue_arn,
            "awsRegion": "us-east-1",
        })  # fmt: skip
    return {"Records": records}


def start_of_today(tz: str = "UTC", margin: float = 120.0) -> float:
    """The epoch of the local midnight that began "today" in `tz`, with "today" lasting at least `margin` more
    seconds: closer to the next midnight than that, this waits for it. A test that posts heartbeats at or after
    this instant and then reads "today" sees one and the same day at any hour (`make test-fake-now`)."""
    import time
    from datetime import datetime, timedelta
    from zoneinfo import ZoneInfo

    now = datetime.now(ZoneInfo(tz))
    midnight = now.replace(hour=0, minute=0, second=0, microsecond=0)
    following = midnight + timedelta(days=1)  # wall-clock arithmetic: the next local midnight, DST or not
    if following.timestamp() - now.timestamp() < margin:
        time.sleep(following.timestamp() - now.timestamp() + 0.5)
        return following.timestamp()
    return midnight.timestamp()
