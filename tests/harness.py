"""Real-shaped Lambda events and a small driver for the handlers (API Gateway HTTP API v2, SQS)."""

from __future__ import annotations

import base64
import contextlib
import copy
import gzip
import hashlib
import json
import re
import signal
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
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


@dataclass(frozen=True)
class Endpoint:
    """One route of an app: tests that enumerate every route (isolation, scopes) build requests from these."""

    path: str  # FastAPI's {param} syntax, with any include prefix
    methods: frozenset[str]
    route: Any = None  # the fastapi.routing.APIRoute

    @property
    def params(self) -> list[str]:
        return re.findall(r"{(\w+)(?::[^}]*)?}", self.path)

    def url(self, values: dict[str, str]) -> str:
        return re.sub(r"{(\w+)(?::[^}]*)?}", lambda m: values[m.group(1)], self.path)


def api_routes(routes: list, prefix: str = "") -> Iterator[Endpoint]:
    """Every API route, also inside included routers (FastAPI >= 0.165 keeps them nested)."""
    from fastapi.routing import APIRoute

    for route in routes:
        if isinstance(route, APIRoute):
            yield Endpoint(prefix + route.path, frozenset(route.methods - {"HEAD", "OPTIONS"}), route)
        inner = getattr(route, "original_router", None)
        if inner is not None:
            context = getattr(route, "include_context", None)
            yield from api_routes(inner.routes, prefix + (getattr(context, "prefix", "") or ""))


def confirmed(headers: dict[str, str], user: Any) -> dict[str, str]:
    """`headers` (an API key's) plus a fresh one-time code from `codetime users confirm` for `user`: what a key needs
    for a take-over action (minting/rotating keys, report settings, clear, delete)."""
    from codetime.services.keys import issue_confirmation_code

    return {**headers, "X-CodeTime-Confirmation": issue_confirmation_code(user)}


class TookTooLong(AssertionError):
    pass


@contextlib.contextmanager
def cpu_bound(seconds: float) -> Iterator[None]:
    """Fail the test if the block runs longer than `seconds` of wall time; SIGALRM interrupts even a running
    regex, so a catastrophic backtrack fails quickly instead of running for hours. Main thread only."""

    def expire(_signum: int, _frame: object) -> None:
        raise TookTooLong(f"took longer than {seconds} s")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


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
