"""The live protocol (README "Live updates"): client messages parsed and checked, server messages built.

Pure: no I/O. One protocol for the local server (Starlette WebSocket) and AWS (API Gateway WebSocket API).
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from codetime.domain.errors import InvalidInput

SUBPROTOCOL = "codetime"
MAX_MESSAGE_BYTES = 8 * 1024
MAX_FILTER_LENGTH = 255

USER_TODAY = "user.today"
USER_HEARTBEATS = "user.heartbeats"
USER_GOALS = "user.goals"
ORG_PRESENCE = "org.presence"
# Channel -> the filters it accepts (and which of them are required). `user` (optional on user.* channels) names
# whose channel, as REST's {user}: `current`, or the caller's own id or username; anyone else's is refused.
CHANNEL_FILTERS: dict[str, tuple[frozenset[str], frozenset[str]]] = {
    USER_TODAY: (frozenset({"user"}), frozenset()),
    USER_HEARTBEATS: (frozenset({"project", "user"}), frozenset()),
    USER_GOALS: (frozenset({"user"}), frozenset()),
    ORG_PRESENCE: (frozenset({"org"}), frozenset({"org"})),
}
USER_CHANNELS = frozenset({USER_TODAY, USER_HEARTBEATS, USER_GOALS})

# Events.
STATUSBAR_TODAY = "statusbar.today"
HEARTBEAT = "heartbeat"
GOAL_PROGRESS = "goal.progress"
GOAL_REACHED = "goal.reached"
PRESENCE = "presence"

# The close code of a connection whose credential was revoked (a key revoked or rotated, the account deleted): as
# HTTP's 401 in the application range, the code a refused handshake gets from servers without denial responses.
# Sent last as {"type": "closing", "code": 4401, "reason": ...}, then the socket is closed with it (API Gateway closes
# with 1000: its DeleteConnection cannot set a code; the `closing` message says why on both).
CLOSE_REVOKED = 4401
REVOKED_REASON = "credential revoked"


class LiveMessageError(InvalidInput):
    """A client message the protocol refuses: answered with an error message, the connection stays open."""


@dataclass(frozen=True, slots=True)
class Command:
    """One parsed client message."""

    type: str  # subscribe | unsubscribe | ping
    channel: str | None = None
    filters: dict[str, str] = field(default_factory=dict)


def parse_message(text: str | bytes) -> Command:
    """A client message, or LiveMessageError naming what is wrong with it."""
    if len(text) > MAX_MESSAGE_BYTES:
        raise LiveMessageError(f"Message too large: at most {MAX_MESSAGE_BYTES} bytes.")
    try:
        message = json.loads(text)
    except (ValueError, RecursionError):
        raise LiveMessageError("Messages must be JSON objects.") from None
    if not isinstance(message, dict):
        raise LiveMessageError("Messages must be JSON objects.")
    kind = message.get("type")
    if kind == "ping":
        return Command("ping")
    if kind not in ("subscribe", "unsubscribe"):
        raise LiveMessageError('Unknown message type: expected "subscribe", "unsubscribe" or "ping".')
    channel = message.get("channel")
    if not isinstance(channel, str) or channel not in CHANNEL_FILTERS:
        raise LiveMessageError(f"Unknown channel: expected one of {', '.join(sorted(CHANNEL_FILTERS))}.")
    if kind == "unsubscribe":
        return Command("unsubscribe", channel)
    return Command("subscribe", channel, _filters(channel, message.get("filters")))


def _filters(channel: str, raw: Any) -> dict[str, str]:
    allowed, required = CHANNEL_FILTERS[channel]
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        raise LiveMessageError("filters must be an object.")
    unknown = sorted(set(raw) - allowed)
    if unknown:
        accepted = ", ".join(sorted(allowed)) or "none"
        raise LiveMessageError(f"Unknown filter for {channel}: {unknown[0][:40]!r} (accepted: {accepted}).")
    missing = sorted(required - set(raw))
    if missing:
        raise LiveMessageError(f"{channel} needs the filter {missing[0]!r}.")
    filters = {}
    for name, value in raw.items():
        if not isinstance(value, str) or not value or len(value) > MAX_FILTER_LENGTH or "\x00" in value:
            raise LiveMessageError(f"Filter {name!r} must be a non-empty string of at most {MAX_FILTER_LENGTH} "
                                   "characters.")  # fmt: skip
        filters[name] = value
    return filters


def iso(moment: datetime | None = None) -> str:
    """The `at` of a message: UTC, milliseconds, Z."""
    return (moment or datetime.now(UTC)).astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def event(kind: str, channel: str, data: Any, at: datetime | None = None) -> str:
    """A server event: {"type", "channel", "data", "at"}."""
    return json.dumps({"type": kind, "channel": channel, "data": data, "at": iso(at)}, separators=(",", ":"))


def error(message: str) -> str:
    return json.dumps({"type": "error", "error": message}, separators=(",", ":"))


PONG = json.dumps({"type": "pong"})


def closing(code: int, reason: str) -> str:
    """The last message before the server closes a connection."""
    return json.dumps({"type": "closing", "code": code, "reason": reason}, separators=(",", ":"))


def heartbeat_view(project: str | None, language: str | None, editor: str | None, entity: str, time: float) -> dict:
    """What user.heartbeats shows of a heartbeat: no path, only the entity's basename."""
    base = entity.replace("\\", "/").rstrip("/").rsplit("/", 1)[-1] or entity
    return {
        "project": project, "language": language, "editor": editor, "entity": base,
        "time": iso(datetime.fromtimestamp(time, UTC)),
    }  # fmt: skip


def goal_view(goal: dict[str, Any]) -> dict[str, Any]:
    """goal.progress's data from a goal object (services.goals) whose chart's last item is the current period."""
    current = goal["chart_data"][-1]
    target = goal["seconds"] or 0
    actual = current["actual_seconds"]
    return {
        "id": goal["id"], "title": goal["custom_title"] or goal["title"], "delta": goal["delta"],
        "goal_seconds": target, "actual_seconds": actual,
        "percent": round(min(100.0, 100.0 * actual / target), 1) if target else 100.0,
        "status": current["range_status"], "range": current["range"],
    }  # fmt: skip


def subprotocol_credential(header: str | None) -> str | None:
    """The credential of `Sec-WebSocket-Protocol: codetime, <credential>`; None when the header is not of that form."""
    if not header:
        return None
    offered = [part.strip() for part in header.split(",") if part.strip()]
    if len(offered) == 2 and offered[0] == SUBPROTOCOL:
        return offered[1]
    return None


# ---------------------------------------------------------------------------------------------- hand-off
# What the writer hands to the publisher after a committed batch (services/live.py): which users' days changed and
# each one's newest heartbeat. Small and self-contained, so it fits one queue message per batch.


@dataclass(frozen=True, slots=True)
class Latest:
    """A user's newest heartbeat of a batch (what user.heartbeats shows)."""

    time: float
    entity: str
    project: str | None = None
    language: str | None = None
    editor: str | None = None


@dataclass(slots=True)
class Change:
    user_id: uuid.UUID
    days: set[date]
    latest: Latest | None = None


def encode_changes(touched: Mapping[uuid.UUID, Iterable[date]], latest: Mapping[uuid.UUID, Latest]) -> str:
    return json.dumps({"changes": [
        {"user": str(user_id), "days": sorted(d.isoformat() for d in days),
         "latest": asdict(latest[user_id]) if user_id in latest else None}
        for user_id, days in touched.items()
    ]}, separators=(",", ":"))  # fmt: skip


def decode_changes(bodies: Iterable[str]) -> list[Change]:
    """The changes of one or more hand-off messages, merged per user (days joined, the newest heartbeat kept)."""
    merged: dict[uuid.UUID, Change] = {}
    for body in bodies:
        for item in json.loads(body).get("changes", []):
            user_id = uuid.UUID(item["user"])
            change = merged.setdefault(user_id, Change(user_id, set()))
            change.days.update(date.fromisoformat(d) for d in item["days"])
            latest = Latest(**item["latest"]) if item.get("latest") else None
            if latest is not None and (change.latest is None or latest.time >= change.latest.time):
                change.latest = latest
    return list(merged.values())


# A revoked credential goes the same way: the revoking request hands it to the publisher, which closes the
# connections it authenticated (the registry knows each one's key).


@dataclass(frozen=True, slots=True)
class Revocation:
    user_id: uuid.UUID
    key_id: uuid.UUID | None = None  # None: every connection of the user (the account was deleted)


def encode_revocations(revocations: Iterable[Revocation]) -> str:
    return json.dumps({"revoked": [
        {"user": str(r.user_id), "key": str(r.key_id) if r.key_id else None} for r in revocations
    ]}, separators=(",", ":"))  # fmt: skip


def decode_revocations(bodies: Iterable[str]) -> list[Revocation]:
    """The revocations of one or more hand-off messages (messages of changes have none), each once."""
    found: dict[tuple[uuid.UUID, uuid.UUID | None], Revocation] = {}
    for body in bodies:
        for item in json.loads(body).get("revoked", []):
            revocation = Revocation(uuid.UUID(item["user"]), uuid.UUID(item["key"]) if item.get("key") else None)
            found[revocation.user_id, revocation.key_id] = revocation
    return list(found.values())
