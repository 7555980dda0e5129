"""Raw heartbeats: idempotent batch writes and per-day reads."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime

import psycopg

from codetime.domain.heartbeats import Heartbeat

_COPY_COLUMNS = (
    "user_id", "time", "content_hash", "entity", "type", "category", "project", "branch", "language",
    "dependencies", "lines", "lineno", "cursorpos", "line_additions", "line_deletions", "project_root_count",
    "is_write", "editor", "operating_system", "machine", "plugin", "user_agent",
)  # fmt: skip
_COLUMN_LIST = ", ".join(_COPY_COLUMNS)

# Per connection, emptied at each commit: COPY lands here, then one INSERT ... SELECT dedups into heartbeats.
_STAGING_DDL = (
    "CREATE TEMP TABLE IF NOT EXISTS heartbeat_staging ("
    " user_id uuid, time timestamptz, content_hash bytea, entity text, type text, category text,"
    " project text, branch text, language text, dependencies text[], lines integer, lineno integer,"
    " cursorpos integer, line_additions integer, line_deletions integer, project_root_count integer,"
    " is_write boolean, editor text, operating_system text, machine text, plugin text, user_agent text,"
    " ord integer"
    ") ON COMMIT DELETE ROWS"
)

_INSERT_FROM_STAGING = f"""
WITH inserted AS (
    INSERT INTO heartbeats ({_COLUMN_LIST})
    SELECT {", ".join("s." + c for c in _COPY_COLUMNS)}
    FROM heartbeat_staging s
    JOIN users u ON u.id = s.user_id  -- heartbeats of deleted users are dropped, not resurrected
    ORDER BY s.ord  -- seq follows the order clients sent heartbeats in
    ON CONFLICT ON CONSTRAINT heartbeats_dedup DO NOTHING
    RETURNING user_id, time
)
SELECT i.user_id, (i.time AT TIME ZONE coalesce(u.timezone, 'UTC'))::date AS day, count(*)
FROM inserted i JOIN users u ON u.id = i.user_id
GROUP BY 1, 2
ORDER BY 1, 2
"""

_TOUCH_USERS = """
UPDATE users u
SET last_heartbeat_at = s.time, last_plugin = coalesce(s.plugin, u.last_plugin),
    last_project = coalesce(s.project, u.last_project)
FROM (
    SELECT DISTINCT ON (user_id) user_id, time, plugin, project
    FROM heartbeat_staging ORDER BY user_id, time DESC
) s
WHERE u.id = s.user_id AND (u.last_heartbeat_at IS NULL OR u.last_heartbeat_at < s.time)
"""


@dataclass(frozen=True, slots=True)
class InsertedDay:
    user_id: uuid.UUID
    day: date
    inserted: int


def _rows(heartbeats: Iterable[Heartbeat]) -> Iterable[tuple]:
    for ord_, hb in enumerate(heartbeats):
        yield (
            hb.user_id, datetime.fromtimestamp(hb.time, UTC), bytes.fromhex(hb.content_hash), hb.entity, hb.type,
            hb.category, hb.project, hb.branch, hb.language, hb.dependencies, hb.lines, hb.lineno, hb.cursorpos,
            hb.line_additions, hb.line_deletions, hb.project_root_count, hb.is_write, hb.editor,
            hb.operating_system, hb.machine, hb.plugin, hb.user_agent, ord_,
        )  # fmt: skip


class HeartbeatRepository:
    def __init__(self, conn: psycopg.Connection) -> None:
        self.conn = conn

    def insert_batch(self, heartbeats: Sequence[Heartbeat]) -> list[InsertedDay]:
        """COPY + deduplicating INSERT inside the caller's transaction; returns the (user, local day)s that
        gained rows. Already-stored heartbeats are skipped silently."""
        self.conn.execute(_STAGING_DDL)
        with self.conn.cursor() as cur:
            with cur.copy(f"COPY heartbeat_staging ({_COLUMN_LIST}, ord) FROM STDIN") as copy:
                for row in _rows(heartbeats):
                    copy.write_row(row)
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
