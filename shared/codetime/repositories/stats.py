"""Reads for stats, projects, raw heartbeats and user agents (aggregates first, raw heartbeats only per day)."""

from __future__ import annotations

import uuid
from datetime import date, datetime

import psycopg
from psycopg.rows import dict_row

from codetime.domain.heartbeats import AI_FIELDS

_AI_COLUMNS = ", ".join(AI_FIELDS)


class StatsRepository:
    def __init__(self, conn: psycopg.Connection) -> None:
        self.conn = conn

    def first_day(self, user_id: uuid.UUID) -> date | None:
        row = self.conn.execute("SELECT min(day) FROM daily_activity WHERE user_id = %s", (user_id,)).fetchone()
        return row[0] if row else None

    def projects(self, user_id: uuid.UUID, query: str | None, tz: str) -> list[dict]:
        """Each project's first/last heartbeat time, newest first; `query` matches names case-insensitively.

        The aggregates say on which days each project has heartbeats (every heartbeat has a row there, 0 s or
        not); only those two days' heartbeats are read, give or take a day for aggregates computed in another
        timezone, instead of every heartbeat the user ever sent."""
        pattern = None if not query else "%" + query.replace("\\", "\\\\").replace("%", r"\%").replace("_", r"\_") + "%"
        with self.conn.cursor(row_factory=dict_row) as cur:
            return cur.execute(
                """
                WITH p AS (
                    SELECT project, min(day) AS first_day, max(day) AS last_day FROM daily_totals
                    WHERE user_id = %(user_id)s AND (%(pattern)s::text IS NULL OR project ILIKE %(pattern)s)
                    GROUP BY project
                )
                SELECT p.project,
                    (SELECT min(h.time) FROM heartbeats h
                     WHERE h.user_id = %(user_id)s AND coalesce(h.project, '') = p.project
                       AND h.time >= ((p.first_day - 1)::timestamp AT TIME ZONE %(tz)s)
                       AND h.time < ((p.first_day + 2)::timestamp AT TIME ZONE %(tz)s)) AS first_at,
                    (SELECT max(h.time) FROM heartbeats h
                     WHERE h.user_id = %(user_id)s AND coalesce(h.project, '') = p.project
                       AND h.time >= ((p.last_day - 1)::timestamp AT TIME ZONE %(tz)s)
                       AND h.time < ((p.last_day + 2)::timestamp AT TIME ZONE %(tz)s)) AS last_at
                FROM p ORDER BY last_at DESC NULLS LAST, p.project
                """,
                {"user_id": user_id, "pattern": pattern, "tz": tz},
            ).fetchall()

    def heartbeats(self, user_id: uuid.UUID, lo: datetime, hi: datetime, offset: int, limit: int) -> list[dict]:
        with self.conn.cursor(row_factory=dict_row) as cur:
            return cur.execute(
                "SELECT content_hash, extract(epoch FROM time)::float8 AS time, entity, type, category, project, "
                "branch, language, dependencies, lines, lineno, cursorpos, line_additions, line_deletions, "
                f"project_root_count, is_write, editor, operating_system, machine, user_agent, {_AI_COLUMNS}, "
                "created_at FROM heartbeats WHERE user_id = %s AND time >= %s AND time < %s "
                "ORDER BY time, seq OFFSET %s LIMIT %s",
                (user_id, lo, hi, offset, limit),
            ).fetchall()

    def count_heartbeats(self, user_id: uuid.UUID, lo: datetime, hi: datetime) -> int:
        row = self.conn.execute(
            "SELECT count(*) FROM heartbeats WHERE user_id = %s AND time >= %s AND time < %s", (user_id, lo, hi)
        ).fetchone()
        return int(row[0]) if row else 0

    def user_agents(self, user_id: uuid.UUID) -> list[dict]:
        with self.conn.cursor(row_factory=dict_row) as cur:
            return cur.execute(
                "SELECT user_agent, first_at, last_at FROM user_agents WHERE user_id = %s ORDER BY last_at DESC",
                (user_id,),
            ).fetchall()

    def last_heartbeat(self, user_id: uuid.UUID, at: datetime) -> dict | None:
        """Branch, language and editor of the user's latest heartbeat (stored at `at`)."""
        with self.conn.cursor(row_factory=dict_row) as cur:
            return cur.execute(
                "SELECT branch, language, editor FROM heartbeats WHERE user_id = %s AND time = %s "
                "ORDER BY seq DESC LIMIT 1",
                (user_id, at),
            ).fetchone()
