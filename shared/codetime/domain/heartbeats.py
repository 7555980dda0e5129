"""Heartbeat validation and normalization, shared by live ingestion and (later) imports."""

from __future__ import annotations

import hashlib
import json
import math
import uuid
from dataclasses import dataclass, field, fields
from typing import Any

from codetime.domain.ai import model_from_user_agent
from codetime.domain.user_agents import parse_user_agent

# Limits stated in the README; they keep one heartbeat well under SQS's message size and PostgreSQL's index limits.
MAX_ENTITY_LENGTH = 4096
# The names a heartbeat is aggregated under form the primary keys of the daily_* tables, and PostgreSQL refuses a
# btree row over 2,704 bytes: checked here, else the writer could never store what ingestion accepted.
MAX_KEY_BYTES = 2048
MAX_TEXT_LENGTH = 255
MAX_USER_AGENT_LENGTH = 1024
MAX_DEPENDENCIES = 100
HEARTBEAT_TYPES = frozenset({"file", "domain", "url", "app"})
INT32_MAX = 2**31 - 1
MAX_FUTURE_SECONDS = 24 * 3600

_TEXT_FIELDS = ("project", "branch", "language", "category", "machine")
_INT_FIELDS = ("lines", "lineno", "cursorpos", "line_additions", "line_deletions", "project_root_count")
# WakaTime's AI fields (wakatime-cli's Heartbeat struct and the live capture). Line changes are signed int32;
# token counts are non-negative and may exceed int32 over a long agent turn; they are bounded at 10^12 a heartbeat
# (the capture's largest is under 10^7) so a day's sums stay far inside PostgreSQL's bigint; a prompt length is a
# non-negative int32. Text fields are NUL-free and at most MAX_TEXT_LENGTH.
AI_SIGNED_FIELDS = ("ai_line_changes", "human_line_changes")
AI_TOKEN_FIELDS = ("ai_input_tokens", "ai_cached_input_tokens", "ai_output_tokens")
AI_TEXT_FIELDS = ("ai_session", "ai_model", "ai_subscription_plan")
MAX_TOKENS = 10**12

REQUIRED = "This field is required."


@dataclass(slots=True)
class Heartbeat:
    """A validated heartbeat, normalized for queueing and storage. `time` is epoch seconds."""

    user_id: str
    time: float
    entity: str
    type: str
    category: str
    project: str | None = None
    branch: str | None = None
    language: str | None = None
    dependencies: list[str] | None = None
    lines: int | None = None
    lineno: int | None = None
    cursorpos: int | None = None
    line_additions: int | None = None
    line_deletions: int | None = None
    project_root_count: int | None = None
    is_write: bool = False
    editor: str | None = None
    operating_system: str | None = None
    machine: str | None = None
    plugin: str | None = None
    user_agent: str | None = None
    ai_line_changes: int | None = None
    human_line_changes: int | None = None
    ai_session: str | None = None
    ai_model: str | None = None
    ai_subscription_plan: str | None = None
    ai_input_tokens: int | None = None
    ai_cached_input_tokens: int | None = None
    ai_output_tokens: int | None = None
    ai_prompt_length: int | None = None
    content_hash: str = ""
    # Epoch seconds the heartbeat was queued (from the message envelope; never hashed or sent per heartbeat):
    # the writer drops heartbeats queued before the user's last "clear my data". None: not checked (imports).
    queued_at: float | None = field(default=None, compare=False)

    @property
    def id(self) -> str:
        """The heartbeat's id as answered to clients: stable across retries because it comes from the hash."""
        return str(uuid.UUID(hex=self.content_hash[:32], version=4))

    def to_message(self) -> dict[str, Any]:
        # Not dataclasses.asdict: it deep-copies every value, and this runs for every accepted heartbeat.
        return {name: value for name in _FIELD_NAMES if (value := getattr(self, name)) is not None}

    @classmethod
    def from_message(cls, data: dict[str, Any]) -> Heartbeat:
        """Rebuild from a queue message; raises on anything that did not come from `to_message`."""
        if not _FIELD_NAMES.issuperset(data):
            raise ValueError(f"unknown heartbeat fields in message: {sorted(set(data) - _FIELD_NAMES)}")
        hb = cls(**data)
        if not (isinstance(hb.time, int | float) and math.isfinite(hb.time)) or not hb.content_hash:
            raise ValueError("message heartbeat lacks a valid time or content hash")
        # Wrong types would only surface while formatting the COPY batch, failing every message with this one.
        for name, kinds in _MESSAGE_TYPES:
            value = getattr(hb, name)
            if value is not None and not isinstance(value, kinds):
                raise ValueError(f"message heartbeat field {name} has type {type(value).__name__}")
        if hb.dependencies is not None and not all(isinstance(d, str) for d in hb.dependencies):
            raise ValueError("message heartbeat dependencies must be strings")
        return hb


# What a queue message carries per heartbeat (queued_at belongs to the message envelope).
_FIELD_NAMES = frozenset(f.name for f in fields(Heartbeat)) - {"queued_at"}
_MESSAGE_TYPES: tuple[tuple[str, type | tuple[type, ...]], ...] = (
    *((name, str) for name in ("user_id", "entity", "type", "category", "content_hash", *_TEXT_FIELDS)),
    *((name, str) for name in ("editor", "operating_system", "plugin", "user_agent", *AI_TEXT_FIELDS)),
    *((name, int) for name in (*_INT_FIELDS, *AI_SIGNED_FIELDS, *AI_TOKEN_FIELDS, "ai_prompt_length")),
    ("is_write", bool),
    ("dependencies", list),
)


@dataclass(frozen=True, slots=True)
class RequestContext:
    """What the HTTP request says about every heartbeat in it."""

    user_id: str
    user_agent: str | None = None
    machine: str | None = None


def request_context(user_id: str, *, user_agent: str | None, machine: str | None) -> RequestContext:
    """The request-wide fields (from headers) made storable: NUL characters and unencodable text dropped,
    whitespace stripped, cut to the body fields' limits. Cleaned rather than refused, so a plugin with an odd
    machine name still loses nothing; never passed through raw, since the writer could not store it."""
    return RequestContext(
        user_id=user_id,
        user_agent=_clean_header(user_agent, MAX_USER_AGENT_LENGTH),
        machine=_clean_header(machine, MAX_TEXT_LENGTH),
    )


def _clean_header(value: str | None, max_length: int) -> str | None:
    if value is None:
        return None
    text = value.replace("\x00", "").encode("utf-8", "replace").decode("utf-8").strip()[:max_length].strip()
    return text or None


class HeartbeatErrors(Exception):
    """An invalid heartbeat, with WakaTime-style errors: {field: [message, ...]}."""

    def __init__(self, errors: dict[str, list[str]]):
        super().__init__("invalid heartbeat")
        self.errors = errors


def _clean_text(errors: dict[str, list[str]], name: str, value: Any, max_length: int) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        errors.setdefault(name, []).append("Must be a string.")
        return None
    text = str(value).strip()
    if "\x00" in text:
        errors.setdefault(name, []).append("Must not contain NUL characters.")
        return None
    try:
        # JSON's "\ud800" escapes decode to lone surrogates, which PostgreSQL cannot store as UTF-8.
        text.encode("utf-8")
    except UnicodeEncodeError:
        errors.setdefault(name, []).append("Must be valid Unicode text (no unpaired surrogates).")
        return None
    if len(text) > max_length:
        errors.setdefault(name, []).append(f"Ensure this field has no more than {max_length} characters.")
        return None
    return text or None


def _clean_int(
    errors: dict[str, list[str]], name: str, value: Any, low: int = -INT32_MAX, high: int = INT32_MAX
) -> int | None:
    if value is None or value == "":
        return None
    try:
        # Digit strings are bounded first: int() of a huge digit string costs quadratic CPU.
        if isinstance(value, str) and len(value) > 24:
            raise ValueError
        number = int(value) if not isinstance(value, float) else int(value) if value.is_integer() else None
    except (TypeError, ValueError, OverflowError):
        number = None
    if number is None or isinstance(value, bool) or not low <= number <= high:
        message = "A valid integer is required." if low < 0 else f"A whole number from {low} to {high} is required."
        errors.setdefault(name, []).append(message)
        return None
    return number


def _clean_ai(errors: dict[str, list[str]], raw: dict[str, Any]) -> dict[str, Any]:
    """WakaTime's AI fields, validated like the others; absent ones stay None."""
    out: dict[str, Any] = {name: _clean_int(errors, name, raw.get(name)) for name in AI_SIGNED_FIELDS}
    out.update({name: _clean_int(errors, name, raw.get(name), 0, MAX_TOKENS) for name in AI_TOKEN_FIELDS})
    out["ai_prompt_length"] = _clean_int(errors, "ai_prompt_length", raw.get("ai_prompt_length"), 0, INT32_MAX)
    out.update({name: _clean_text(errors, name, raw.get(name), MAX_TEXT_LENGTH) for name in AI_TEXT_FIELDS})
    if out["ai_subscription_plan"]:
        out["ai_subscription_plan"] = out["ai_subscription_plan"].lower()
    return out


def _clean_time(errors: dict[str, list[str]], value: Any, now: float, max_age_seconds: float | None) -> float | None:
    if value is None or value == "":
        errors["time"] = [REQUIRED]
        return None
    try:
        when = float(value) if not isinstance(value, bool) else math.nan
    except (TypeError, ValueError, OverflowError):  # OverflowError: a JSON integer beyond any float
        when = math.nan
    if not math.isfinite(when) or when <= 0:
        errors["time"] = ["A valid number of seconds since the epoch is required."]
        return None
    if max_age_seconds is not None and when < now - max_age_seconds:
        errors["time"] = [f"Heartbeats older than {int(max_age_seconds // 86400)} days are not accepted."]
        return None
    if when > now + MAX_FUTURE_SECONDS:
        errors["time"] = ["Heartbeats more than one day in the future are not accepted."]
        return None
    # Storage keeps microseconds; rounding here makes the hash match what is stored.
    return round(when, 6)


def _clean_dependencies(errors: dict[str, list[str]], value: Any) -> list[str] | None:
    if value is None:
        return None
    if isinstance(value, str):
        value = [part for part in value.split(",") if part.strip()]
    if not isinstance(value, list) or len(value) > MAX_DEPENDENCIES:
        errors["dependencies"] = [f"Must be a list of at most {MAX_DEPENDENCIES} strings."]
        return None
    cleaned: list[str] = []
    for item in value:
        text = _clean_text(errors, "dependencies", item, MAX_TEXT_LENGTH)
        if text and text not in cleaned:
            cleaned.append(text)
    return cleaned or None


def _clean_bool(errors: dict[str, list[str]], name: str, value: Any) -> bool:
    if value is None or isinstance(value, bool):
        return bool(value)
    if isinstance(value, int | float) and value in (0, 1):
        return bool(value)
    if isinstance(value, str) and value.lower() in ("true", "false", "1", "0"):
        return value.lower() in ("true", "1")
    errors.setdefault(name, []).append("Must be a boolean.")
    return False


def normalize_heartbeat(raw: Any, context: RequestContext, *, now: float, max_age_seconds: float | None) -> Heartbeat:
    """Validate one heartbeat as a client sent it; raises HeartbeatErrors with every problem found.
    `max_age_seconds=None` accepts any past time (imports of old history)."""
    if not isinstance(raw, dict):
        raise HeartbeatErrors({"heartbeat": ["Must be a JSON object."]})
    errors: dict[str, list[str]] = {}

    entity = _clean_text(errors, "entity", raw.get("entity"), MAX_ENTITY_LENGTH)
    if entity is None and "entity" not in errors:
        errors["entity"] = [REQUIRED]
    hb_type = (_clean_text(errors, "type", raw.get("type"), MAX_TEXT_LENGTH) or "file").lower()
    if hb_type not in HEARTBEAT_TYPES and "type" not in errors:
        errors["type"] = [f"Must be one of: {', '.join(sorted(HEARTBEAT_TYPES))}."]
    time = _clean_time(errors, raw.get("time"), now, max_age_seconds)
    text = {name: _clean_text(errors, name, raw.get(name), MAX_TEXT_LENGTH) for name in _TEXT_FIELDS}
    ints = {name: _clean_int(errors, name, raw.get(name)) for name in _INT_FIELDS}
    dependencies = _clean_dependencies(errors, raw.get("dependencies"))
    is_write = _clean_bool(errors, "is_write", raw.get("is_write"))
    user_agent = _clean_text(errors, "user_agent", raw.get("user_agent"), MAX_USER_AGENT_LENGTH)
    ai = _clean_ai(errors, raw)
    if errors:
        raise HeartbeatErrors(errors)

    user_agent = user_agent or context.user_agent
    agent = parse_user_agent(user_agent)
    # The model: a heartbeat's own `ai_model` (some plugins send it), else the model token wakatime-cli puts in
    # an AI heartbeat's User-Agent ("opus/4.1-medium claude-code/2.0.0").
    ai["ai_model"] = ai["ai_model"] or model_from_user_agent(user_agent)
    hb = Heartbeat(
        user_id=context.user_id,
        time=time,  # type: ignore[arg-type]  # errors above guarantee a value
        entity=entity,  # type: ignore[arg-type]
        type=hb_type,
        category=(text.pop("category") or "coding").lower(),
        project=text["project"],
        branch=text["branch"],
        language=text["language"],
        dependencies=dependencies,
        is_write=is_write,
        editor=agent.editor,
        operating_system=agent.operating_system,
        machine=text["machine"] or context.machine,
        plugin=agent.plugin,
        user_agent=user_agent,
        **ints,
        **ai,
    )
    _check_key_sizes(hb)
    hb.content_hash = content_hash(hb)
    return hb


def _check_key_sizes(hb: Heartbeat) -> None:
    def size(*values: str | None) -> int:
        return sum(len(v.encode("utf-8")) for v in values if v)

    errors: dict[str, list[str]] = {}
    names = (hb.project, hb.language, hb.editor, hb.operating_system, hb.machine, hb.branch, hb.category)
    if size(*names) > MAX_KEY_BYTES:
        errors["heartbeat"] = [
            f"project, language, editor, operating system, machine, branch and category together must fit in "
            f"{MAX_KEY_BYTES} bytes of UTF-8."
        ]
    if size(hb.project, hb.editor, hb.ai_session, hb.ai_model) > MAX_KEY_BYTES:
        errors["ai_session"] = [
            f"Together with the project, editor and AI model, must fit in {MAX_KEY_BYTES} bytes of UTF-8."
        ]
    if size(hb.project, hb.entity) > MAX_KEY_BYTES:
        errors["entity"] = [f"Together with the project, must fit in {MAX_KEY_BYTES} bytes of UTF-8."]
    # The writer keeps (user, User-Agent) as a key too (user_agents): 1,024 characters can be 4 KB of UTF-8.
    if size(hb.user_agent) > MAX_KEY_BYTES:
        errors["user_agent"] = [f"Must fit in {MAX_KEY_BYTES} bytes of UTF-8."]
    if errors:
        raise HeartbeatErrors(errors)


# Every AI field, as stored (heartbeats columns) and as listed in raw heartbeats and exports.
AI_FIELDS = (*AI_SIGNED_FIELDS, *AI_TOKEN_FIELDS, "ai_prompt_length", *AI_TEXT_FIELDS)


def content_hash(hb: Heartbeat) -> str:
    """Hex SHA-256 over everything that makes two heartbeats the same event (Wakapi's dedup idea)."""
    identity = [
        hb.user_id, round(hb.time * 1_000_000), hb.entity, hb.type, hb.category, hb.project, hb.branch,
        hb.language, hb.is_write, hb.dependencies, hb.lines, hb.lineno, hb.cursorpos, hb.line_additions,
        hb.line_deletions, hb.project_root_count, hb.user_agent, hb.machine,
    ]  # fmt: skip
    ai = [getattr(hb, name) for name in AI_FIELDS]
    if any(value is not None for value in ai):
        # Only heartbeats with AI fields hash them: every other heartbeat keeps the hash it always had, so
        # redelivery of a heartbeat stored before AI fields existed is still recognised as a duplicate.
        identity.append(ai)
    return hashlib.sha256(json.dumps(identity, separators=(",", ":")).encode()).hexdigest()
