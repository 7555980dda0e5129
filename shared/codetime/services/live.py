"""Live updates (README "Live updates"): connect, handle client messages, and publish after the writer commits.

Transport-free: the live Lambda (functions/live.py, API Gateway WebSocket events) and the local WebSocket route
(api/routes/live.py) both call these with a `Live` (codetime.connections: the registry and the sender). Publishing
runs in the writer after a committed batch (services/writer.py) and never raises: failures are logged and counted,
and it stops when its time budget (CODETIME_LIVE_PUBLISH_BUDGET_MS) is spent.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any, Protocol

from aws_lambda_powertools.metrics import MetricUnit

from codetime.config import get_settings
from codetime.connections import (
    CONNECTION_TTL_SECONDS,
    Connection,
    Live,
    Sender,
    Subscription,
    TransientDeliveryError,
    get_change_target,
)
from codetime.domain import live as protocol
from codetime.domain.errors import Forbidden, NotAuthenticated, RateLimited
from codetime.domain.live import Latest
from codetime.domain.ranges import today_in
from codetime.logs import logger, metrics
from codetime.repositories.users import User
from codetime.services.auth import Principal, authenticate_key, load_user
from codetime.services.identity import authenticate_token, looks_like_jwt


class TooManyConnections(RateLimited):
    def __init__(self) -> None:
        super().__init__(60)
        self.args = ("Too many open live connections for this user; close one and retry.",)

    def __str__(self) -> str:
        return self.args[0]


class OrgAccess(Protocol):
    """What org.presence needs from organizations (the teams issue): membership and a presence snapshot."""

    def orgs_of(self, user_id: uuid.UUID) -> list[str]: ...
    def may_view_presence(self, user: User, org_id: str) -> bool: ...
    def presence(self, org_id: str) -> dict[str, Any]: ...


class NoOrganizations:
    """A server without organizations: nobody belongs to one, so org.presence is refused with a clear error (for
    tests of the seam, or a deployment that switches organizations off)."""

    def orgs_of(self, user_id: uuid.UUID) -> list[str]:
        return []

    def may_view_presence(self, user: User, org_id: str) -> bool:
        raise Forbidden("Organizations are not available on this server yet: org.presence cannot be subscribed.")

    def presence(self, org_id: str) -> dict[str, Any]:
        return {}


_org_access: OrgAccess | None = None


def org_access() -> OrgAccess:
    """Organizations' membership and presence (services/live_orgs.py), unless `use_org_access` replaced it."""
    global _org_access
    if _org_access is None:
        from codetime.services.live_orgs import OrgPresence

        _org_access = OrgPresence()
    return _org_access


def use_org_access(access: OrgAccess) -> None:
    """Replace what org.presence asks about organizations (the one seam it depends on)."""
    global _org_access
    _org_access = access


# ---------------------------------------------------------------------------------------------- connections


def authenticate(credential: str | None) -> Principal:
    """An API key (read-only ones too) or a person's token; NotAuthenticated otherwise."""
    if not credential:
        raise NotAuthenticated("Missing credential: send an API key or token (README, Live updates).")
    if looks_like_jwt(credential):
        return authenticate_token(credential)
    return authenticate_key(credential)


def connect(live: Live, connection_id: str, credential: str | None) -> Principal:
    """Authorize a new connection and record it with its key (closed when the key is revoked); NotAuthenticated or
    TooManyConnections refuse it. The cap is checked and taken in one atomic step of the registry."""
    principal = authenticate(credential)
    expires = int(time.time()) + CONNECTION_TTL_SECONDS
    key_id = str(principal.key_id) if principal.key_id else None
    connection = Connection(connection_id, str(principal.user.id), principal.read_only, expires, key_id)
    if not live.registry.admit(connection, get_settings().live_max_connections):
        raise TooManyConnections()
    return principal


def disconnect(live: Live, connection_id: str) -> None:
    live.registry.remove(connection_id)


def handle_message(live: Live, connection_id: str, text: str | bytes) -> None:
    """One client message: the replies go to the connection through `live.sender`. Bad messages get an error
    message; the connection stays open."""
    try:
        _handle(live, connection_id, text)
    finally:
        live.sender.flush()


def _handle(live: Live, connection_id: str, text: str | bytes) -> None:
    connection = live.registry.get(connection_id)
    if connection is None:
        _send(live, connection_id, protocol.error("Unknown or expired connection; reconnect."))
        return
    try:
        command = protocol.parse_message(text)
        if command.type == "ping":
            _send(live, connection_id, protocol.PONG)
        elif command.type == "unsubscribe":
            live.registry.unsubscribe(connection_id, command.channel)  # type: ignore[arg-type]
            _send(live, connection_id, protocol.event("unsubscribed", command.channel, {}))  # type: ignore[arg-type]
        else:
            _subscribe(live, connection, command)
    except (protocol.LiveMessageError, Forbidden, NotAuthenticated) as exc:
        _send(live, connection_id, protocol.error(str(exc)))


def _subscribe(live: Live, connection: Connection, command: protocol.Command) -> None:
    channel = command.channel or ""
    user = load_user(uuid.UUID(connection.user_id))
    if user is None:
        raise NotAuthenticated("This connection's user no longer exists; reconnect.")
    if channel in protocol.USER_CHANNELS:
        if command.filters.get("user", "current") not in ("current", str(user.id), user.username):
            raise Forbidden(f"You can only subscribe to your own channels: {channel} of another user is refused.")
        topic = f"user#{user.id}"
    else:
        org = command.filters["org"]
        if not org_access().may_view_presence(user, org):
            raise Forbidden(f"You are not a member of organization {org[:64]!r} (or may not see its presence).")
        topic = f"org#{org}"
    live.registry.subscribe(Subscription(connection.id, channel, topic, command.filters), connection.expires_at)
    _send(live, connection.id, protocol.event("subscribed", channel, {"filters": command.filters}))
    for message in _snapshot(user, channel, command.filters):
        _send(live, connection.id, message)


def _snapshot(user: User, channel: str, filters: dict[str, str]) -> list[str]:
    """A channel's current state, sent right after `subscribed`."""
    if channel == protocol.USER_TODAY:
        return [protocol.event(protocol.STATUSBAR_TODAY, channel, statusbar_data(user))]
    if channel == protocol.USER_GOALS:
        return [protocol.event(protocol.GOAL_PROGRESS, channel, view) for view in _goal_views(user)]
    if channel == protocol.ORG_PRESENCE:
        return [protocol.event(protocol.PRESENCE, channel, org_access().presence(filters["org"]))]
    return []


def statusbar_data(user: User) -> dict[str, Any]:
    """The `data` of GET /users/current/statusbar/today, from the same (cached) read."""
    import json

    from codetime.services.summaries import statusbar_today

    return json.loads(statusbar_today(user).json_bytes())["data"]


def _goal_views(user: User) -> list[dict[str, Any]]:
    from codetime.services import goals

    today = today_in(user.effective_timezone)
    return [protocol.goal_view(goal) for goal in goals.progress(user, today, today)]


# ---------------------------------------------------------------------------------------------- publishing


@dataclass(slots=True)
class PublishResult:
    sent: int = 0
    gone: int = 0
    errors: int = 0
    skipped_users: int = 0  # touched users left out when the budget ran out


def publish(touched: Mapping[uuid.UUID, Iterable[date]], latest: Mapping[uuid.UUID, Latest] | None = None) -> bool:
    """The writer, after a committed batch: hand the changed users to the publisher (one message: the SQS changes
    queue on AWS, the local publisher thread under `codetime dev`). Never raises, and costs the writer one bounded
    call: the events are computed and sent by the publisher (`publish_changes`), not in the write path. False when
    the hand-off failed (logged and counted as LivePublishErrors, which is alarmed)."""
    try:
        target = get_change_target()
        if target is None or not touched:
            return True
        target.put(protocol.encode_changes(touched, latest or {}))
        return True
    except Exception as exc:
        logger.warning("live hand-off failed", extra={"error": type(exc).__name__})
        metrics.add_metric(name="LivePublishErrors", unit=MetricUnit.Count, value=1)
        return False


def revoked(user_id: uuid.UUID, key_id: uuid.UUID | None = None) -> bool:
    """A key was revoked (or, `key_id` None, the account deleted): hand it to the publisher, which closes the live
    connections it authenticated (`close_revoked`). Never raises: the credential is revoked already; a failed
    hand-off is logged and counted (LivePublishErrors, alarmed), and those connections end within API Gateway's 2 h.
    """
    try:
        target = get_change_target(durable=True)
        if target is not None:
            target.put(protocol.encode_revocations([protocol.Revocation(user_id, key_id)]))
        return True
    except Exception as exc:
        logger.warning("live revocation hand-off failed", extra={"error": type(exc).__name__})
        metrics.add_metric(name="LivePublishErrors", unit=MetricUnit.Count, value=1)
        return False


def close_revoked(live: Live, revocations: Iterable[protocol.Revocation]) -> int:
    """Close every connection a revoked credential authenticated, with a last `closing` message (code 4401), and
    drop it from the registry at once (no event reaches it after this). How many were closed."""
    closed = 0
    message = protocol.closing(protocol.CLOSE_REVOKED, protocol.REVOKED_REASON)
    for revocation in revocations:
        key_id = str(revocation.key_id) if revocation.key_id else None
        for connection in live.registry.connections(str(revocation.user_id)):
            if key_id is not None and connection.key_id != key_id:
                continue
            try:
                live.sender.close(connection.id, message)
            except Exception as exc:  # the registry entry goes anyway: it gets no more events
                logger.warning("live connection not closed", extra={"error": type(exc).__name__})
            live.registry.remove(connection.id)
            closed += 1
    live.sender.flush()
    if closed:
        metrics.add_metric(name="LiveConnectionsRevoked", unit=MetricUnit.Count, value=closed)
    return closed


def process_changes(live: Live, bodies: list[str]) -> PublishResult:
    """The publisher's step for hand-off messages (the changes queue's batch, the local publisher's): close what
    revoked credentials opened first (they get none of these events), then publish the changes. Raises ValueError,
    KeyError or TypeError for a malformed message."""
    revocations = protocol.decode_revocations(bodies)
    changes = protocol.decode_changes(bodies)
    if revocations:
        close_revoked(live, revocations)
    return publish_changes(live, changes)


def publish_changes(live: Live, changes: Iterable[protocol.Change]) -> PublishResult:
    """The publisher: the events of every changed user's subscribed channels. Never raises; stops when its time
    budget (CODETIME_LIVE_PUBLISH_BUDGET_MS) is spent (the users left are counted; their next write publishes)."""
    result = PublishResult()
    started = time.monotonic()
    changes = list(changes)
    try:
        deadline = started + get_settings().live_publish_budget_ms / 1000
        for done, change in enumerate(changes):
            if time.monotonic() >= deadline:
                result.skipped_users = len(changes) - done
                logger.warning("live publish budget spent", extra={"skipped_users": result.skipped_users})
                break
            try:
                _publish_user(live, change.user_id, change.days, change.latest, result)
            except Exception as exc:  # one user's failure (a read, the registry) leaves the others alone
                result.errors += 1
                logger.warning("live publish failed for a user", extra={"error": type(exc).__name__})
        live.sender.flush()
    except Exception as exc:
        result.errors += 1
        logger.warning("live publish failed", extra={"error": type(exc).__name__})
    _record(result, time.monotonic() - started)
    return result


def _publish_user(
    live: Live, user_id: uuid.UUID, days: set[date], latest: Latest | None, result: PublishResult
) -> None:
    subscriptions = live.registry.subscribers(f"user#{user_id}")
    orgs = org_access().orgs_of(user_id)
    if not subscriptions and not orgs:
        return
    user = load_user(user_id)
    if user is None:
        return
    by_channel: dict[str, list[Subscription]] = {}
    for sub in subscriptions:
        by_channel.setdefault(sub.channel, []).append(sub)
    touches_today = today_in(user.effective_timezone) in days
    if touches_today and protocol.USER_TODAY in by_channel:
        message = protocol.event(protocol.STATUSBAR_TODAY, protocol.USER_TODAY, statusbar_data(user))
        for sub in by_channel[protocol.USER_TODAY]:
            _deliver(live, sub.connection_id, message, result)
    heartbeat_subs = by_channel.get(protocol.USER_HEARTBEATS, [])
    interval = get_settings().live_heartbeat_interval_seconds
    if latest is not None and heartbeat_subs and live.registry.claim(str(user_id), "heartbeat", interval, time.time()):
        view = protocol.heartbeat_view(latest.project, latest.language, latest.editor, latest.entity, latest.time)
        message = protocol.event(protocol.HEARTBEAT, protocol.USER_HEARTBEATS, view)
        for sub in heartbeat_subs:
            if sub.filters.get("project") in (None, latest.project):
                _deliver(live, sub.connection_id, message, result)
    if touches_today and protocol.USER_GOALS in by_channel:
        views = _goal_views(user)
        previous = live.registry.swap(str(user_id), "goals", {v["id"]: v["status"] for v in views}) or {}
        messages = [protocol.event(protocol.GOAL_PROGRESS, protocol.USER_GOALS, v) for v in views]
        messages += [
            protocol.event(protocol.GOAL_REACHED, protocol.USER_GOALS, v)
            for v in views if v["status"] == "success" and previous.get(v["id"]) != "success"
        ]  # fmt: skip
        for sub in by_channel[protocol.USER_GOALS]:
            for message in messages:
                _deliver(live, sub.connection_id, message, result)
    for org in orgs:
        _publish_presence(live, org, result)


def _publish_presence(live: Live, org: str, result: PublishResult) -> None:
    """org.presence to the org's subscribers who may still see it; a removed member's subscription ends."""
    subscribers = live.registry.subscribers(f"org#{org}")
    if not subscribers:
        return
    message = protocol.event(protocol.PRESENCE, protocol.ORG_PRESENCE, org_access().presence(org))
    for sub in subscribers:
        connection = live.registry.get(sub.connection_id)
        viewer = load_user(uuid.UUID(connection.user_id)) if connection else None
        allowed = False
        if viewer is not None:
            try:
                allowed = org_access().may_view_presence(viewer, org)
            except Forbidden:
                allowed = False
        if not allowed:
            live.registry.unsubscribe(sub.connection_id, sub.channel)
            ended = protocol.event("unsubscribed", protocol.ORG_PRESENCE, {"reason": "no longer a member"})
            _deliver(live, sub.connection_id, ended, result)
            continue
        _deliver(live, sub.connection_id, message, result)


def _deliver(live: Live, connection_id: str, message: str, result: PublishResult) -> None:
    try:
        if live.sender.send(connection_id, message):
            result.sent += 1
            return
        result.gone += 1
        live.registry.remove(connection_id)  # GoneException: a stale connection leaves the registry now
    except Exception as exc:
        result.errors += 1
        logger.warning("live message not delivered", extra={"error": type(exc).__name__})


@dataclass(slots=True)
class DeliveryResult:
    sent: int = 0
    gone: int = 0
    errors: int = 0  # failures a retry would not mend (counted, alarmed)
    requeued: int = 0  # transient failures handed back to the queue on their own
    retry: bool = False  # nothing of the message got through and something may: SQS should redeliver it whole


def deliver(
    live: Live,
    deliveries: Iterable[tuple[str, str]],
    closes: Iterable[tuple[str, str]] = (),
    requeue: Sender | None = None,
) -> DeliveryResult:
    """The delivery Lambda, one queue message: post its messages, then close its revoked connections. A gone
    connection leaves the registry and is never retried. A transient failure (throttled, 5xx, timeout) is retried
    without repeating what arrived: when nothing of the message got through, `retry` asks SQS to redeliver it (its
    receive count is bounded, then the dead-letter queue, alarmed); when part did, only the failed part goes back
    to the queue through `requeue` (each time a smaller message, so it ends), else `retry`. A connection's messages
    keep their order: after one fails, its later ones wait for the retry too."""
    result = DeliveryResult()
    failed: list[tuple[str, str]] = []
    failed_closes: list[tuple[str, str]] = []
    stalled: set[str] = set()
    for items, into, close in ((deliveries, failed, False), (closes, failed_closes, True)):
        for connection_id, message in items:
            if connection_id in stalled:
                into.append((connection_id, message))
                continue
            try:
                done = (live.sender.close if close else live.sender.send)(connection_id, message)
            except TransientDeliveryError:
                stalled.add(connection_id)
                into.append((connection_id, message))
                continue
            except Exception as exc:
                result.errors += 1
                logger.warning("live message not delivered", extra={"error": type(exc).__name__})
                continue
            if done:
                result.sent += 1
            else:
                result.gone += 1
            if close or not done:  # gone, or closed for good: its registry items go now
                live.registry.remove(connection_id)
    if failed or failed_closes:
        if not (result.sent or result.gone or result.errors) or requeue is None:
            result.retry = True
        else:
            try:
                for connection_id, message in failed:
                    requeue.send(connection_id, message)
                for connection_id, message in failed_closes:
                    requeue.close(connection_id, message)
                requeue.flush()
                result.requeued = len(failed) + len(failed_closes)
            except Exception as exc:
                logger.warning("live requeue failed", extra={"error": type(exc).__name__})
                result.retry = True
    metrics.add_metric(name="LiveMessagesDelivered", unit=MetricUnit.Count, value=result.sent)
    metrics.add_metric(name="LiveConnectionsGone", unit=MetricUnit.Count, value=result.gone)
    metrics.add_metric(name="LiveDeliveryErrors", unit=MetricUnit.Count, value=result.errors)
    metrics.add_metric(name="LiveDeliveryRetries", unit=MetricUnit.Count,
                       value=result.requeued + (len(failed) + len(failed_closes) if result.retry else 0))  # fmt: skip
    return result


def _send(live: Live, connection_id: str, message: str) -> None:
    """A reply to the client whose message is being handled (a gone connection is removed)."""
    if not live.sender.send(connection_id, message):
        live.registry.remove(connection_id)


def _record(result: PublishResult, seconds: float) -> None:
    if not (result.sent or result.gone or result.errors or result.skipped_users):
        return
    metrics.add_metric(name="LiveMessagesSent", unit=MetricUnit.Count, value=result.sent)
    metrics.add_metric(name="LivePublishErrors", unit=MetricUnit.Count, value=result.errors + result.skipped_users)
    metrics.add_metric(name="LivePublishSeconds", unit=MetricUnit.Seconds, value=round(seconds, 4))


def latest_heartbeats(heartbeats: Iterable[Any]) -> dict[uuid.UUID, Latest]:
    """Each user's newest heartbeat of a batch (domain Heartbeat objects)."""
    newest: dict[uuid.UUID, Any] = {}
    for hb in heartbeats:
        user_id = uuid.UUID(str(hb.user_id))
        if user_id not in newest or hb.time >= newest[user_id].time:
            newest[user_id] = hb
    return {user_id: Latest(hb.time, hb.entity, hb.project, hb.language, hb.editor) for user_id, hb in newest.items()}
