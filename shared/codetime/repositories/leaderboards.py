"""The precomputed leaderboard (leaderboard_totals, leaderboard_users): stored by services/leaderboards.py, ranked
here in SQL."""

from __future__ import annotations

import uuid
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import date, datetime

import psycopg
from psycopg.rows import class_row

ALL_LANGUAGES = ""  # leaderboard_totals.language of a user's total over every language


@dataclass(slots=True)
class RankedRow:
    """One user's place on a board."""

    rank: int
    position: int  # 1-based place in the board's order (rank, then username): what pages are cut from
    user_id: uuid.UUID
    username: str
    display_name: str | None
    country_code: str | None
    seconds: float
    days: int


@dataclass(slots=True)
class BoardUser:
    """A user whose leaderboard rows are due a refresh, with what computing them needs."""

    user_id: uuid.UUID
    timezone: str


# The board: users with time in the language, among the members asked for (or everyone opted in), ranked by
# seconds with ties sharing a rank (1, 2, 2, 4); within a tie, by username so pages are stable.
_BOARD = """
WITH board AS (
    SELECT t.user_id, u.username, u.display_name, u.country_code, t.seconds, t.days,
           rank() OVER (ORDER BY t.seconds DESC)::int AS rank,
           row_number() OVER (ORDER BY t.seconds DESC, u.username)::int AS position
    FROM leaderboard_totals t JOIN users u ON u.id = t.user_id
    WHERE t.language = %(language)s AND t.seconds > 0 AND {members}
      AND (%(country)s::text IS NULL OR u.country_code = %(country)s)
)
"""


def _members(user_ids: Collection[uuid.UUID] | None) -> str:
    return "u.public_leaderboard" if user_ids is None else "t.user_id = ANY(%(members)s)"


class LeaderboardRepository:
    def __init__(self, conn: psycopg.Connection) -> None:
        self.conn = conn

    # ------------------------------------------------------------------------------------------------ reads

    def page(
        self, language: str, country: str | None, user_ids: Collection[uuid.UUID] | None, offset: int, limit: int
    ) -> tuple[int, list[RankedRow]]:
        """(how many users the board has, its rows offset+1 .. offset+limit)."""
        params = {"language": language, "country": country, "members": list(user_ids or ()), "offset": offset,
                  "limit": limit}  # fmt: skip
        sql = _BOARD.format(members=_members(user_ids))
        with self.conn.cursor() as cur:
            count = cur.execute(sql + "SELECT count(*) FROM board", params).fetchone()
        with self.conn.cursor(row_factory=class_row(RankedRow)) as cur:
            rows = cur.execute(
                sql + "SELECT rank, position, user_id, username, display_name, country_code, seconds, days "
                "FROM board WHERE position > %(offset)s ORDER BY position LIMIT %(limit)s",
                params,
            ).fetchall()
        return (count[0] if count else 0), rows

    def place(
        self, user_id: uuid.UUID, language: str, country: str | None, user_ids: Collection[uuid.UUID] | None
    ) -> RankedRow | None:
        """One user's place on the board (None: not on it)."""
        params = {"language": language, "country": country, "members": list(user_ids or ()), "user": user_id}
        with self.conn.cursor(row_factory=class_row(RankedRow)) as cur:
            return cur.execute(
                _BOARD.format(members=_members(user_ids))
                + "SELECT rank, position, user_id, username, display_name, country_code, seconds, days "
                "FROM board WHERE user_id = %(user)s",
                params,
            ).fetchone()

    def languages(self, user_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, list[tuple[str, float]]]:
        """Each user's languages over the window, most time first."""
        out: dict[uuid.UUID, list[tuple[str, float]]] = {user_id: [] for user_id in user_ids}
        rows = self.conn.execute(
            "SELECT user_id, language, seconds FROM leaderboard_totals WHERE user_id = ANY(%s) AND language <> %s "
            "AND seconds > 0 ORDER BY user_id, seconds DESC, language",
            (list(user_ids), ALL_LANGUAGES),
        ).fetchall()
        for user_id, language, seconds in rows:
            out[user_id].append((language, seconds))
        return out

    def last_computed(self) -> datetime | None:
        row = self.conn.execute("SELECT max(computed_at) FROM leaderboard_users").fetchone()
        return row[0] if row else None

    # ------------------------------------------------------------------------------------------------ writes

    def mark_dirty(self, user_ids: Collection[uuid.UUID]) -> None:
        """These users' data changed: their rows are due a refresh (the first mark since the last refresh counts)."""
        if user_ids:
            self.conn.execute(
                "INSERT INTO leaderboard_users (user_id, dirty_at) SELECT id, clock_timestamp() FROM users "
                "WHERE id = ANY(%s) ON CONFLICT (user_id) DO UPDATE "
                "SET dirty_at = coalesce(leaderboard_users.dirty_at, excluded.dirty_at)",
                (list(user_ids),),
            )

    def due(
        self, debounce_seconds: float, limit: int, now: datetime | None = None, *, moved: bool = False
    ) -> list[BoardUser]:
        """Users to refresh: marked dirty and not refreshed within the debounce interval (an index read: what the
        writer asks after each batch); with `moved`, also those whose window moved since (their local day changed:
        what the schedule asks, a scan of the board's users)."""
        params = {"debounce": debounce_seconds, "limit": limit, "now": now}
        moved_sql = (
            "UNION SELECT l.user_id, coalesce(u.timezone, 'UTC') FROM leaderboard_users l JOIN users u "
            "ON u.id = l.user_id, clock "
            "WHERE l.end_day IS DISTINCT FROM (clock.now AT TIME ZONE coalesce(u.timezone, 'UTC'))::date"
            if moved
            else ""
        )
        with self.conn.cursor(row_factory=class_row(BoardUser)) as cur:
            return cur.execute(
                f"""
                WITH clock AS (SELECT coalesce(%(now)s::timestamptz, now()) AS now)
                SELECT l.user_id, coalesce(u.timezone, 'UTC') AS timezone
                FROM leaderboard_users l JOIN users u ON u.id = l.user_id, clock
                WHERE l.dirty_at IS NOT NULL AND (l.computed_at IS NULL
                      OR l.computed_at <= clock.now - make_interval(secs => %(debounce)s))
                {moved_sql}
                LIMIT %(limit)s
                """,
                params,
            ).fetchall()

    def store(
        self, user_id: uuid.UUID, start: date, end: date, totals: Sequence[tuple[str, float, int]],
        computed_at: datetime,
    ) -> None:  # fmt: skip
        """Replace one user's rows: (language, seconds, days) with ALL_LANGUAGES for the total; none when the window
        holds no time (the user keeps a leaderboard_users row, so the window's move is noticed once a day)."""
        self.conn.execute("DELETE FROM leaderboard_totals WHERE user_id = %s", (user_id,))
        if totals:
            with self.conn.cursor() as cur:
                cur.executemany(
                    "INSERT INTO leaderboard_totals (user_id, language, seconds, days) VALUES (%s, %s, %s, %s)",
                    [(user_id, language, seconds, days) for language, seconds, days in totals],
                )
        # dirty_at is cleared only if no write marked the user after this computation started.
        self.conn.execute(
            "INSERT INTO leaderboard_users (user_id, start_day, end_day, computed_at) VALUES (%s, %s, %s, %s) "
            "ON CONFLICT (user_id) DO UPDATE SET start_day = excluded.start_day, end_day = excluded.end_day, "
            "computed_at = excluded.computed_at, dirty_at = CASE WHEN leaderboard_users.dirty_at > "
            "excluded.computed_at THEN leaderboard_users.dirty_at END",
            (user_id, start, end, computed_at),
        )

    def forget_inactive(self) -> int:
        """Drop users without time in their window and without a pending mark (they come back with activity)."""
        cur = self.conn.execute(
            "DELETE FROM leaderboard_users l WHERE dirty_at IS NULL "
            "AND NOT EXISTS (SELECT 1 FROM leaderboard_totals t WHERE t.user_id = l.user_id)"
        )
        return cur.rowcount
