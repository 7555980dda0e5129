"""The precomputed leaderboard (leaderboard_totals, leaderboard_users): stored by services/leaderboards.py, ranked
here in SQL."""

from __future__ import annotations

import uuid
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

import psycopg
from psycopg.rows import class_row

ALL_LANGUAGES = ""  # leaderboard_totals.language of a user's total over every language


@dataclass(slots=True)
class RankedRow:
    """One user's place on a board."""

    rank: int
    position: int  # 1-based place in the board's order (seconds, then username): what pages are cut from
    user_id: uuid.UUID
    username: str
    display_name: str | None
    country_code: str | None
    seconds: float
    days: int


@dataclass(slots=True)
class BoardPage:
    """One page of a board."""

    total: int  # users on the board
    modified_at: datetime | None  # the last refresh
    rows: list[RankedRow] = field(default_factory=list)
    languages: dict[uuid.UUID, list[tuple[str, float]]] = field(default_factory=dict)  # per user, most time first


@dataclass(slots=True)
class BoardUser:
    """A user whose leaderboard rows are due a refresh, with what computing them needs."""

    user_id: uuid.UUID
    timezone: str


# A member counted over part of their window (a private board's member who joined within it): their rows computed for
# this read, (language, seconds, active days) with ALL_LANGUAGES for the total, replacing their stored ones.
Overrides = Mapping[uuid.UUID, Sequence[tuple[str, float, int]]]


# A board: the rows of one language (ALL_LANGUAGES for the total) among the members asked for, or every user opted
# in (`public`: then an ordered scan of leaderboard_public_idx, or leaderboard_public_country_idx with a country).
# Board order: seconds descending, then username; equal totals share a rank (1, 2, 2, 4).
def _where(user_ids: Collection[uuid.UUID] | None, country: str | None) -> str:
    members = "t.public" if user_ids is None else "t.user_id = ANY(%(members)s)"
    return f"t.language = %(language)s AND {members}" + (" AND t.country_code = %(country)s" if country else "")


def _source(overrides: Overrides | None) -> str:
    """The rows a board ranks: leaderboard_totals itself (always so for the public board, whose index path this
    keeps), or with `overrides` its rows of the other users plus the overriding rows."""
    if not overrides:
        return "leaderboard_totals"
    return (
        "(SELECT user_id, language, seconds, days, public, country_code, username FROM leaderboard_totals "
        "WHERE user_id <> ALL(%(late)s) UNION ALL "
        "SELECT u.id, x.language, x.seconds, x.days, u.public_leaderboard, u.country_code, u.username "
        "FROM unnest(%(late_users)s::uuid[], %(late_languages)s::text[], %(late_seconds)s::float8[], "
        "%(late_days)s::int[]) AS x (user_id, language, seconds, days) JOIN users u ON u.id = x.user_id "
        "WHERE x.seconds > 0)"
    )


def _params(
    language: str,
    country: str | None,
    user_ids: Collection[uuid.UUID] | None,
    overrides: Overrides | None = None,
    **more: object,
) -> dict:
    rows = [(user_id, *row) for user_id, found in (overrides or {}).items() for row in found]
    return {
        "language": language,
        "country": country,
        "members": list(user_ids or ()),
        "late": list(overrides or ()),
        "late_users": [r[0] for r in rows],
        "late_languages": [r[1] for r in rows],
        "late_seconds": [r[2] for r in rows],
        "late_days": [r[3] for r in rows],
        **more,
    }


class LeaderboardRepository:
    def __init__(self, conn: psycopg.Connection) -> None:
        self.conn = conn

    # ------------------------------------------------------------------------------------------------ reads

    def page(
        self,
        language: str,
        country: str | None,
        user_ids: Collection[uuid.UUID] | None,
        offset: int,
        limit: int,
        overrides: Overrides | None = None,
    ) -> BoardPage:
        """Rows offset+1 .. offset+limit of a board with their ranks and languages, how many users the board has
        and when it was last refreshed: one statement (one round trip)."""
        where, source = _where(user_ids, country), _source(overrides)
        rows = self.conn.execute(
            f"""
            WITH page AS (
                SELECT t.user_id, t.username, t.country_code, t.seconds, t.days
                FROM {source} t WHERE {where}
                ORDER BY t.seconds DESC, t.username OFFSET %(offset)s LIMIT %(limit)s
            ), counts AS (
                -- The page's first row's tie group may begin on an earlier page: its rank counts who is ahead.
                SELECT count(*) AS total, count(*) FILTER (WHERE t.seconds > (SELECT max(seconds) FROM page)) AS ahead,
                       (SELECT max(computed_at) FROM leaderboard_users) AS modified
                FROM {source} t WHERE {where}
            )
            SELECT c.total, c.ahead, c.modified, p.user_id, p.username, u.display_name, p.country_code, p.seconds,
                   p.days,
                   (SELECT json_agg(json_build_array(l.language, l.seconds) ORDER BY l.seconds DESC, l.language)
                    FROM {source} l WHERE l.user_id = p.user_id AND l.language <> %(all)s) AS languages
            FROM counts c LEFT JOIN (page p JOIN users u ON u.id = p.user_id) ON true
            ORDER BY p.seconds DESC, p.username
            """,
            _params(language, country, user_ids, overrides, offset=offset, limit=limit, all=ALL_LANGUAGES),
        ).fetchall()
        total, ahead, modified = rows[0][:3] if rows else (0, 0, None)
        board = BoardPage(total=total, modified_at=modified)
        for index, (*_, user_id, username, display_name, country_code, seconds, days, languages) in enumerate(rows):
            if user_id is None:
                break  # past the last page: counts only
            if not board.rows:
                rank = ahead + 1
            elif board.rows[-1].seconds == seconds:
                rank = board.rows[-1].rank  # a tie: the rank of the first of the group
            else:
                rank = offset + index + 1
            board.rows.append(RankedRow(rank, offset + index + 1, user_id, username, display_name, country_code,
                                        seconds, days))  # fmt: skip
            board.languages[user_id] = [(name, secs) for name, secs in languages or ()]
        return board

    def _ahead(self, source: str, where: str, params: dict, seconds: float) -> int:
        """How many users of the board have more seconds than this."""
        row = self.conn.execute(
            f"SELECT count(*) FROM {source} t WHERE {where} AND t.seconds > %(seconds)s",
            {**params, "seconds": seconds},
        ).fetchone()
        return row[0] if row else 0

    def place(
        self,
        user_id: uuid.UUID,
        language: str,
        country: str | None,
        user_ids: Collection[uuid.UUID] | None,
        overrides: Overrides | None = None,
    ) -> RankedRow | None:
        """One user's place on the board (None: not on it)."""
        where, source = _where(user_ids, country), _source(overrides)
        params = _params(language, country, user_ids, overrides, user=user_id)
        mine = self.conn.execute(
            f"SELECT t.username, u.display_name, t.country_code, t.seconds, t.days FROM {source} t "
            f"JOIN users u ON u.id = t.user_id WHERE {where} AND t.user_id = %(user)s",
            params,
        ).fetchone()
        if mine is None:
            return None
        username, display_name, country_code, seconds, days = mine
        ahead = self._ahead(source, where, params, seconds)
        tied_before = self.conn.execute(
            f"SELECT count(*) FROM {source} t WHERE {where} AND t.seconds = %(seconds)s AND t.username < %(username)s",
            {**params, "seconds": seconds, "username": username},
        ).fetchone()
        position = ahead + (tied_before[0] if tied_before else 0) + 1
        return RankedRow(ahead + 1, position, user_id, username, display_name, country_code, seconds, days)

    def languages(
        self, user_ids: Sequence[uuid.UUID], overrides: Overrides | None = None
    ) -> dict[uuid.UUID, list[tuple[str, float]]]:
        """Each user's languages over the window, most time first."""
        out: dict[uuid.UUID, list[tuple[str, float]]] = {user_id: [] for user_id in user_ids}
        rows = self.conn.execute(
            f"SELECT user_id, language, seconds FROM {_source(overrides)} t WHERE user_id = ANY(%(users)s) "
            "AND language <> %(all)s AND seconds > 0 ORDER BY user_id, seconds DESC, language",
            _params(ALL_LANGUAGES, None, None, overrides, users=list(user_ids), all=ALL_LANGUAGES),
        ).fetchall()
        for user_id, language, seconds in rows:
            out[user_id].append((language, seconds))
        return out

    # ------------------------------------------------------------------------------------------------ writes

    def mark_dirty(self, user_ids: Collection[uuid.UUID]) -> None:
        """These users' data changed: their rows are due a refresh (the first mark since the last refresh counts)."""
        if user_ids:
            self.conn.execute(
                "INSERT INTO leaderboard_users (user_id, version, dirty_at) SELECT id, 1, now() FROM users "
                "WHERE id = ANY(%s) ON CONFLICT (user_id) DO UPDATE SET version = leaderboard_users.version + 1, "
                "dirty_at = coalesce(leaderboard_users.dirty_at, excluded.dirty_at)",
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

    def version(self, user_id: uuid.UUID) -> int:
        """The user's data version, read before their totals are computed (see store)."""
        row = self.conn.execute("SELECT version FROM leaderboard_users WHERE user_id = %s", (user_id,)).fetchone()
        return row[0] if row else 0

    def store(
        self, user_id: uuid.UUID, start: date, end: date, totals: Sequence[tuple[str, float, int]], version: int
    ) -> None:
        """Replace one user's rows: (language, seconds, days) with ALL_LANGUAGES for the total; none when the window
        holds no time (the user keeps a leaderboard_users row, so the window's move is noticed once a day)."""
        self.conn.execute("DELETE FROM leaderboard_totals WHERE user_id = %s", (user_id,))
        if totals:
            self.conn.execute(
                "INSERT INTO leaderboard_totals (user_id, language, seconds, days, public, country_code, username) "
                "SELECT u.id, x.language, x.seconds, x.days, u.public_leaderboard, u.country_code, u.username "
                "FROM users u, unnest(%s::text[], %s::float8[], %s::int[]) AS x (language, seconds, days) "
                "WHERE u.id = %s AND x.seconds > 0",
                ([t[0] for t in totals], [t[1] for t in totals], [t[2] for t in totals], user_id),
            )
        # The user stays due if a write bumped their version since it was read: a writer's transaction still open
        # holds this row's lock, so this waits for its commit and then sees its version.
        self.conn.execute(
            "INSERT INTO leaderboard_users (user_id, start_day, end_day, computed_at, computed_version) "
            "SELECT id, %s, %s, now(), %s FROM users WHERE id = %s "  # the account may be gone by now
            "ON CONFLICT (user_id) DO UPDATE SET start_day = excluded.start_day, "
            "end_day = excluded.end_day, computed_at = excluded.computed_at, "
            "computed_version = excluded.computed_version, dirty_at = CASE WHEN leaderboard_users.version > "
            "excluded.computed_version THEN leaderboard_users.dirty_at END",
            (start, end, version, user_id),
        )

    def sync_user(self, user_id: uuid.UUID) -> None:
        """Copy the user's opt-in and country onto their rows (in the transaction that changed them)."""
        self.conn.execute(
            "UPDATE leaderboard_totals t SET public = u.public_leaderboard, country_code = u.country_code "
            "FROM users u WHERE u.id = t.user_id AND t.user_id = %s",
            (user_id,),
        )

    def forget_inactive(self) -> int:
        """Drop users without time in their window and without a pending mark (they come back with activity)."""
        cur = self.conn.execute(
            "DELETE FROM leaderboard_users l WHERE dirty_at IS NULL "
            "AND NOT EXISTS (SELECT 1 FROM leaderboard_totals t WHERE t.user_id = l.user_id)"
        )
        return cur.rowcount
