"""Ingestion: validate each heartbeat, report an outcome per item, queue the accepted ones durably.

The outcomes carry no HTTP: the router words them as WakaTime or Wakapi does, depending on the path."""

from __future__ import annotations

import time
from dataclasses import dataclass
from enum import Enum
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from aws_lambda_powertools.metrics import MetricUnit

from codetime.config import get_settings
from codetime.db import get_pool
from codetime.domain.errors import InvalidInput, TooLarge
from codetime.domain.heartbeats import Heartbeat, HeartbeatErrors, RequestContext, normalize_heartbeat
from codetime.domain.json_bodies import TooDeeplyNested, parse_json
from codetime.logs import metrics
from codetime.queue import get_queue
from codetime.queue_messages import encode_messages
from codetime.repositories.aggregates import AggregateRepository
from codetime.repositories.users import User, UserRepository
from codetime.services.auth import forget_user


class UnparseableBody(InvalidInput):
    pass


class TooManyHeartbeats(TooLarge):
    pass


class Outcome(Enum):
    """What became of one posted heartbeat."""

    ACCEPTED = "accepted"  # queued durably
    DUPLICATE = "duplicate"  # the same heartbeat came earlier in this request: queued once, under that one
    INVALID = "invalid"  # refused, nothing queued; `errors` says why


@dataclass(frozen=True, slots=True)
class ItemResult:
    outcome: Outcome
    heartbeat: Heartbeat | None = None
    errors: dict[str, list[str]] | None = None


def parse_body(raw: bytes) -> tuple[list[Any], bool]:
    """The heartbeats of a request body and whether it was a single object.

    Accepts an array, one object, or a JSON string holding either (vscode.dev encodes its body twice)."""
    try:
        data = parse_json(raw)
        if isinstance(data, str):
            data = parse_json(data)
    except TooDeeplyNested:
        raise
    except (ValueError, UnicodeDecodeError) as exc:
        raise UnparseableBody("Request body is not valid JSON.") from exc
    if isinstance(data, dict):
        return [data], True
    if isinstance(data, list):
        return data, False
    raise UnparseableBody("Request body must be a heartbeat object or an array of heartbeats.")


def ingest(user: User, items: list[Any], context: RequestContext, timezone: str | None = None) -> list[ItemResult]:
    """Validate and queue; one result per item in request order. Raises QueueUnavailable if the queue did not
    confirm, in which case nothing may be reported as accepted."""
    settings = get_settings()
    if len(items) > settings.max_heartbeats_per_request:
        raise TooManyHeartbeats(f"At most {settings.max_heartbeats_per_request} heartbeats per request.")
    now = time.time()
    max_age = settings.max_heartbeat_age_days * 86400
    results: list[ItemResult] = []
    seen: set[str] = set()
    for raw in items:
        try:
            hb = normalize_heartbeat(raw, context, now=now, max_age_seconds=max_age)
        except HeartbeatErrors as exc:
            results.append(ItemResult(Outcome.INVALID, errors=exc.errors))
            continue
        if hb.content_hash in seen:
            results.append(ItemResult(Outcome.DUPLICATE, hb))
            continue
        seen.add(hb.content_hash)
        results.append(ItemResult(Outcome.ACCEPTED, hb))

    accepted = [r.heartbeat for r in results if r.outcome is Outcome.ACCEPTED and r.heartbeat is not None]
    if accepted:
        if timezone and user.timezone is None:
            _adopt_timezone(user, timezone)
        get_queue().send(encode_messages(accepted))
    metrics.add_metric(name="HeartbeatsAccepted", unit=MetricUnit.Count, value=len(accepted))
    rejected = sum(r.outcome is Outcome.INVALID for r in results)
    metrics.add_metric(name="HeartbeatsRejected", unit=MetricUnit.Count, value=rejected)
    # Repeats inside one request; repeats across requests are the writer's HeartbeatsDuplicate.
    skipped = sum(r.outcome is Outcome.DUPLICATE for r in results)
    metrics.add_metric(name="HeartbeatsSkipped", unit=MetricUnit.Count, value=skipped)
    return results


def _adopt_timezone(user: User, timezone: str) -> None:
    """The first plugin-reported timezone becomes the user's until they choose one."""
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        return
    from codetime.services import jobs

    job_id = None
    with get_pool().connection() as conn, conn.transaction():
        if not UserRepository(conn).set_timezone_if_unset(user.id, timezone):
            return
        # Days already aggregated were in UTC: recompute them in the adopted timezone (background job).
        if timezone != "UTC" and AggregateRepository(conn).has_activity(user.id):
            job_id = jobs.create_recompute(conn, user.id, "timezone")
    forget_user(user.id)
    user.timezone = timezone
    if job_id is not None:
        jobs.notify(job_id)
