"""Raw heartbeats: idempotent batch writes and per-day reads."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime

import psycopg

from codetime.domain.heartbeats import Heartbeat

_COLUMNS = (
    "user_id", "time", "content_hash", "entity", "type", "category", "project", "branch", "language",
    "dependencies", "lines", "lineno", "cursorpos", "line_additions", "line_deletions", "project_root_count",
    "is_write", "editor", "operating_system", "machine", "plugin", "user_agent",
    "ai_line_changes", "human_line_changes", "ai_session", "ai_model", "ai_subscription_plan", "ai_input_tokens",
    "ai_cached_input_tokens", "ai_output_tokens", "ai_prompt_length",
)  # fmt: skip
_COLUMN_LIST = ", ".join(_COLUMNS)

# Per connection, emptied at each commit. COPY (text format, rows formatted below) lands here, then one
# INSERT ... SELECT dedups into heartbeats. `time` arrives as epoch seconds and `ord` as the position in the batch.
_STAGING_DDL = (
    "CREATE TEMP TABLE IF NOT EXISTS heartbeat_staging ("
    " user_id uuid, time float8, content_hash bytea, entity text, type text, category text,"
    " project text, branch text, language text, dependencies text[], lines integer, lineno integer,"
    " cursorpos integer, line_additions integer, line_deletions integer, project_root_count integer,"
    " is_write boolean, editor text, operating_system text, machine text, plugin text, user_agent text,"
    " ai_line_changes integer, human_line_changes integer, ai_session text, ai_model text,"
    " ai_subscription_plan text, ai_input_tokens bigint, ai_cached_input_tokens bigint, ai_output_tokens bigint,"
    " ai_prompt_length integer, queued_at float8, ord integer"
    ") ON COMMIT DELETE ROWS"
)
STAGING_COLUMNS = f"{_COLUMN_LIST}, queued_at, ord"  # the order copy_text writes
_SELECT_STAGED = ", ".join("to_timestamp(s.time)" if c == "time" else f"s.{c}" for c in _COLUMNS)

_INSERT_FROM_STAGING = f"""
WITH inserted AS (
    INSERT INTO heartbeats ({_COLUMN_LIST})
    SELECT {_SELECT_STAGED}
    FROM heartbeat_staging s
    -- Heartbeats of deleted users are dropped, not resurrected; so are those queued before a "clear my data".
    JOIN users u ON u.id = s.user_id
        AND (s.queued_at IS NULL OR u.data_cleared_at IS NULL OR to_timestamp(s.queued_at) > u.data_cleared_at)
    ORDER BY s.ord  -- seq follows the order clients sent heartbeats in
    ON CONFLICT ON CONSTRAINT heartbeats_dedup DO NOTHING
    RETURNING user_id, time, user_agent
), agents AS (
    -- First and last time per User-Agent: least/greatest, so any order of batches gives the same rows.
    INSERT INTO user_agents (user_id, user_agent, first_at, last_at)
    SELECT user_id, user_agent, min(time), max(time) FROM inserted WHERE user_agent IS NOT NULL GROUP BY 1, 2
    ON CONFLICT (user_id, user_agent) DO UPDATE
    SET first_at = least(user_agents.first_at, excluded.first_at),
        last_at = greatest(user_agents.last_at, excluded.last_at)
)
SELECT i.user_id, (i.time AT TIME ZONE coalesce(u.timezone, 'UTC'))::date AS day, count(*)
FROM inserted i JOIN users u ON u.id = i.user_id
GROUP BY 1, 2
ORDER BY 1, 2
"""

_TOUCH_USERS = """
UPDATE users u
SET last_heartbeat_at = to_timestamp(s.time), last_plugin = coalesce(s.plugin, u.last_plugin),
    last_project = coalesce(s.project, u.last_project)
FROM (
    SELECT DISTINCT ON (user_id) user_id, time, plugin, project, queued_at
    FROM heartbeat_staging ORDER BY user_id, time DESC
) s
WHERE u.id = s.user_id AND (u.last_heartbeat_at IS NULL OR u.last_heartbeat_at < to_timestamp(s.time))
    AND (s.queued_at IS NULL OR u.data_cleared_at IS NULL OR to_timestamp(s.queued_at) > u.data_cleared_at)
"""

# Row locks on the batch's users, in id order (deadlock-free), held to commit: a concurrent clear or account
# deletion (which updates or deletes that row) then either runs wholly before this batch (and the INSERT's join
# sees it) or wholly after (and its DELETE sees these rows). NO KEY UPDATE, not SHARE: _TOUCH_USERS updates the
# same rows, and two writers holding SHARE locks would deadlock upgrading them.
_LOCK_USERS = "SELECT id FROM users WHERE id = ANY(%s::uuid[]) ORDER BY id FOR NO KEY UPDATE"

# COPY text format: backslash escapes, \N for NULL. Formatting rows here is several times faster than
# adapting each value through psycopg, and this is the writer's hot loop.
_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})
_ARRAY_ESCAPES = str.maketrans({"\\": "\\\\", '"': '\\"'})


def _text(value: str | None) -> str:
    if value is None:
        return "\\N"
    # Tab, newline and CR are not printable, so printable text without a backslash needs no escaping.
    return value if value.isprintable() and "\\" not in value else value.translate(_COPY_ESCAPES)


def _int(value: int | None) -> str:
    return "\\N" if value is None else str(value)


def _array(values: list[str] | None) -> str:
    if values is None:
        return "\\N"
    literal = "{" + ",".join('"' + v.translate(_ARRAY_ESCAPES) + '"' for v in values) + "}"
    return literal.translate(_COPY_ESCAPES)


def copy_text(heartbeats: Iterable[Heartbeat]) -> str:
    """The COPY text-format payload of heartbeats (the staging table's columns, then `ord`)."""
    lines = []
    for ord_, hb in enumerate(heartbeats):
        lines.append("\t".join((
            hb.user_id, repr(float(hb.time)), "\\\\x" + hb.content_hash, _text(hb.entity), _text(hb.type),
            _text(hb.category), _text(hb.project), _text(hb.branch), _text(hb.language), _array(hb.dependencies),
            _int(hb.lines), _int(hb.lineno), _int(hb.cursorpos), _int(hb.line_additions), _int(hb.line_deletions),
            _int(hb.project_root_count), "t" if hb.is_write else "f", _text(hb.editor), _text(hb.operating_system),
            _text(hb.machine), _text(hb.plugin), _text(hb.user_agent),
            _int(hb.ai_line_changes), _int(hb.human_line_changes), _text(hb.ai_session), _text(hb.ai_model),
            _text(hb.ai_subscription_plan), _int(hb.ai_input_tokens), _int(hb.ai_cached_input_tokens),
            _int(hb.ai_output_tokens), _int(hb.ai_prompt_length),
            "\\N" if hb.queued_at is None else repr(float(hb.queued_at)), str(ord_),
        )))  # fmt: skip
    lines.append("")
    return "\n".join(lines)


@dataclass(frozen=True, slots=True)
class InsertedDay:
    user_id: uuid.UUID
    day: date
    inserted: int


class HeartbeatRepository:
    def __init__(self, conn: psycopg.Connection) -> None:
        self.conn = conn

    def insert_batch(self, heartbeats: Sequence[Heartbeat]) -> list[InsertedDay]:
        """COPY + deduplicating INSERT inside the caller's transaction; returns the (user, local day)s that
        gained rows. Already-stored heartbeats are skipped silently."""
        self.conn.execute(_STAGING_DDL)
        self.conn.execute(_LOCK_USERS, (sorted({hb.user_id for hb in heartbeats}),))
        with self.conn.cursor() as cur:
            with cur.copy(f"COPY heartbeat_staging ({STAGING_COLUMNS}) FROM STDIN") as copy:
                copy.write(copy_text(heartbeats))
            days = [InsertedDay(*row) for row in cur.execute(_INSERT_FROM_STAGING).fetchall()]
            if days:
                cur.execute(_TOUCH_USERS)
        return days

    def for_range(self, user_id: uuid.UUID, start: datetime, end: datetime) -> list[dict]:
        """The user's raw heartbeats with start <= time < end, in the order WakaTime's arithmetic uses."""
        with self.conn.cursor(row_factory=psycopg.rows.dict_row) as cur:
            return cur.execute(
                f"SELECT extract(epoch FROM time)::float8 AS time, {_COLUMN_LIST.replace('time, ', '')}, "
                "created_at FROM heartbeats WHERE user_id = %s AND time >= %s AND time < %s "
                "ORDER BY time, seq",
                (user_id, start, end),
            ).fetchall()
