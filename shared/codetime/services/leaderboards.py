"""Leaderboards: users ranked by their coding time over the last 7 days, in WakaTime's leaders shape.

The one ranking engine: the public board (`GET /api/v1/leaders`, everyone who opted in with the `public_leaderboard`
setting) and private boards and organization dashboards (a set of members) both call `ranking`.

How it works:
- Each user's running total over their last 7 local days (today included) is precomputed into leaderboard_totals
  (repositories/leaderboards.py): one row per language and one for all languages, read from the per-day aggregates
  through services/aggregation.py (the one owner of where totals come from). A board read ranks those rows in SQL
  (a window function over an index), joins the users for opt-in and country, and reads one page.
- Refresh: every recompute of a user's days marks them dirty (services/aggregation.py, in the writer's
  transaction). `refresh_due` recomputes dirty users at most once per DEBOUNCE_SECONDS each (the writer calls it
  after every batch, so a user typing all day costs one refresh a minute, not one per batch), users whose local day
  moved (the window slides at their midnight). The hourly maintenance
  schedule calls it too, so the last write of a burst is picked up even when no other write follows.
- Opting out, or a changed country or display name, shows at once: the settings change copies the opt-in and
  country onto the user's rows in its own transaction, and display names are read from users.

Ranking rules (WakaTime's public leaderboard): descending total seconds; equal totals share a rank (1, 2, 2, 4)
and are listed by username; pages of PAGE_SIZE; a language filter ranks by the time in that language; without a
page, a signed-in reader on the board gets the page holding their own rank, everyone else page 1.
"""

from __future__ import annotations

import math
import uuid
from collections import defaultdict
from collections.abc import Collection, Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Any

from codetime.db import get_pool
from codetime.domain.countries import COUNTRIES
from codetime.domain.countries import country_code as valid_country_code
from codetime.domain.errors import InvalidFields
from codetime.domain.names import display_name
from codetime.domain.orgs import first_visible_day
from codetime.domain.ranges import today_in
from codetime.domain.wakatime_format import day_text, human_text
from codetime.logs import logger
from codetime.repositories.leaderboards import ALL_LANGUAGES, LeaderboardRepository, RankedRow
from codetime.repositories.users import User, UserRepository
from codetime.services import aggregation

PAGE_SIZE = 100
WINDOW_DAYS = 7
RANGE_NAME, RANGE_TEXT = "last_7_days", "Last 7 Days"
DEBOUNCE_SECONDS = 60.0
# How many users one refresh call recomputes at most (the writer's share; the schedule loops until none are due).
REFRESH_BATCH = 50
MAX_LANGUAGE_LENGTH = 100
_ISO = "%Y-%m-%dT%H:%M:%SZ"


def window(tz: str, now: datetime | None = None) -> tuple[date, date]:
    """The leaderboard's days in timezone `tz`: the last WINDOW_DAYS local days, today included."""
    today = today_in(tz, now)
    return today - timedelta(days=WINDOW_DAYS - 1), today


# ------------------------------------------------------------------------------------------------ reading


def validate_filters(language: str | None, country_code: str | None) -> tuple[str | None, str | None]:
    """(language, country code) as the board stores them; InvalidFields naming the parameter otherwise."""
    if language is not None:
        language = language.strip()
        if len(language) > MAX_LANGUAGE_LENGTH:
            raise InvalidFields({"language": [f"At most {MAX_LANGUAGE_LENGTH} characters."]})
        language = language or None
    # An unknown code is a 400 naming the parameter (UnknownCountry), not an empty board.
    country_code = valid_country_code(country_code) if country_code and country_code.strip() else None
    return language, country_code


def ranking(
    user_ids: Collection[uuid.UUID] | None,
    *,
    language: str | None = None,
    country_code: str | None = None,
    page: int | None = None,
    current_user: User | None = None,
    page_size: int = PAGE_SIZE,
    now: datetime | None = None,
    joined: Collection[tuple[User, datetime]] = (),
) -> dict[str, Any]:
    """One page of a board in WakaTime's leaders shape (`GET /api/v1/leaders`).

    `user_ids`: the board's members (a private board, an organization dashboard), ranked whether or not they opted
    in publicly; None: the public board, everyone with `public_leaderboard` on. `language` ranks by time in that
    language (its WakaTime name, e.g. "Python"; "Other" for time without a language); `country_code` keeps users
    with that country (ISO 3166-1 alpha-2, validated). `page` is 1-based; None: the page holding `current_user`'s
    rank when they are on the board, else 1. A page past the last answers an empty `data`. `joined`: members of a
    private board with the time they joined; each counts only from their first full day after it (domain/orgs.py's
    join-day rule), so one who joined within their window is ranked by the days since (see `joined_totals`).

    Returns {"data": [{"rank", "running_total": {...}, "user": {...}}], "current_user": {...} | None, "page",
    "total_pages", "total", "per_page", "language", "country_code", "range": {...}, "modified_at"}."""
    language, country_code = validate_filters(language, country_code)
    if page is not None and (isinstance(page, bool) or not isinstance(page, int) or page < 1):
        raise InvalidFields({"page": ["Must be a whole number from 1."]})
    stored_language = language or ALL_LANGUAGES
    members = None if user_ids is None else sorted(set(user_ids))
    # The public board has no join dates: it always ranks the stored rows (its index path).
    late = joined_totals(joined, now) if members is not None and joined else None
    with get_pool().connection() as conn:
        repo = LeaderboardRepository(conn)
        mine: RankedRow | None = None
        if current_user is not None:
            mine = repo.place(current_user.id, stored_language, country_code, members, late)
        if page is None:
            page = (mine.position - 1) // page_size + 1 if mine is not None else 1
        board = repo.page(stored_language, country_code, members, (page - 1) * page_size, page_size, late)
        languages = board.languages
        if mine is not None and mine.user_id not in languages:
            languages |= repo.languages([mine.user_id], late)
    rows, total, modified = board.rows, board.total, board.modified_at
    start, end = window("UTC", now)
    return {
        "data": [
            {"rank": row.rank, "running_total": _running_total(row, languages[row.user_id]), "user": _user(row)}
            for row in rows
        ],
        "current_user": _current_user(current_user, mine, languages, page_size),
        "page": page,
        "total_pages": max(1, math.ceil(total / page_size)),
        "total": total,
        "per_page": page_size,
        "language": language,
        "country_code": country_code,
        "is_hireable": None,
        "range": {
            "start_date": start.isoformat(),
            "start_text": day_text(start),
            "end_date": end.isoformat(),
            "end_text": day_text(end),
            "name": RANGE_NAME,
            "text": RANGE_TEXT,
        },
        "modified_at": modified.astimezone(UTC).strftime(_ISO) if modified else None,
    }


def _running_total(row: RankedRow, languages: Sequence[tuple[str, float]]) -> dict[str, Any]:
    seconds = round(row.seconds, 6)
    average = round(row.seconds / row.days, 6) if row.days else 0.0
    return {
        "total_seconds": seconds,
        "human_readable_total": human_text(seconds),
        "daily_average": average,
        "human_readable_daily_average": human_text(average),
        "languages": [{"name": name, "total_seconds": round(secs, 6)} for name, secs in languages],
    }


def _user(row: RankedRow) -> dict[str, Any]:
    """WakaTime's public user object on a leaderboard: who, never an e-mail address."""
    country = row.country_code
    return {
        "id": str(row.user_id),
        "username": row.username,
        "display_name": row.display_name or row.username,
        "full_name": row.display_name,
        "email": None,
        "is_email_public": False,
        "photo": None,
        "photo_public": False,
        "website": None,
        "human_readable_website": None,
        "is_hireable": False,
        "city": {"country_code": country, "country": COUNTRIES[country], "title": COUNTRIES[country]}
        if country in COUNTRIES
        else None,
    }


def _current_user(
    user: User | None, mine: RankedRow | None, languages: dict[uuid.UUID, list[tuple[str, float]]], page_size: int
) -> dict[str, Any] | None:
    if user is None:
        return None
    if mine is None:
        return {"rank": None, "page": None, "running_total": None, "user": {"id": str(user.id),
                "username": user.username, "display_name": user.display_name or user.username}}  # fmt: skip
    return {
        "rank": mine.rank,
        "page": (mine.position - 1) // page_size + 1,
        "running_total": _running_total(mine, languages.get(mine.user_id, [])),
        "user": _user(mine),
    }


# ------------------------------------------------------------------------------------------------ refreshing


def user_totals(user: User, now: datetime | None = None) -> tuple[date, date, list[tuple[str, float, int]]]:
    """(start, end, [(language, seconds, active days)]) of the user's window: ALL_LANGUAGES for the total, then
    each language under its WakaTime name ('Other' for none). Read through aggregation.range_totals (aggregates
    when current, raw heartbeats while a recompute is open). The daily average's divisor is the window's days with
    any activity (WakaTime's "days minus holidays"), for a language's row too: time in it per day of coding."""
    start, end = window(user.effective_timezone, now)
    totals = aggregation.range_totals(user, start, end)
    active = sum(1 for _, seconds, _ in totals.days if seconds > 0)
    if totals.total <= 0:
        return start, end, []
    per_language: dict[str, float] = defaultdict(float)
    for value, seconds in totals.values.get("language", {}).items():
        if seconds > 0:
            per_language[display_name("language", value)] += seconds
    return start, end, [(ALL_LANGUAGES, totals.total, active), *((n, s, active) for n, s in per_language.items())]


def joined_totals(
    joined: Collection[tuple[User, datetime]], now: datetime | None = None
) -> dict[uuid.UUID, list[tuple[str, float, int]]]:
    """The rows (as `user_totals`) of the members whose first visible day (domain/orgs.py's join-day rule) falls
    after their window's first day, counted from that day: what a private board ranks instead of their stored
    window. Members who joined before their window are left out (their stored rows count whole); one who joined
    today gets no rows (their first visible day is tomorrow), so they are not on the board yet. One read of the
    per-day aggregates for all of them per window end (aggregation.team_rows)."""
    late: dict[date, dict[uuid.UUID, tuple[User, date]]] = defaultdict(dict)
    out: dict[uuid.UUID, list[tuple[str, float, int]]] = {}
    for user, joined_at in joined:
        start, end = window(user.effective_timezone, now)
        first = first_visible_day(joined_at, user.effective_timezone)
        if first > start:
            late[end][user.id] = (user, first)
            out[user.id] = []
    for end, members in late.items():
        for user_id, rows in aggregation.team_rows(members, end, ("language",)).items():
            per_language: dict[str, float] = defaultdict(float)
            for row in rows:
                per_language[display_name("language", row.language)] += row.seconds
            total = sum(per_language.values())
            if total <= 0:
                continue
            active = len({row.day for row in rows if row.seconds > 0})
            out[user_id] = [(ALL_LANGUAGES, total, active), *((n, s, active) for n, s in per_language.items() if s > 0)]
    return out


def refresh_users(user_ids: Collection[uuid.UUID], now: datetime | None = None) -> int:
    """Recompute these users' leaderboard rows now; returns how many were refreshed (deleted users are skipped).

    One connection at a time (the writer's pool has one): the user's data version is read first, the totals are
    computed (aggregation opens its own), then stored with that version; a write committed in between leaves the
    user due for the next refresh (repositories/leaderboards.py `store`)."""
    done = 0
    for user_id in sorted(set(user_ids)):
        with get_pool().connection() as conn:
            user = UserRepository(conn).get(user_id)
            version = LeaderboardRepository(conn).version(user_id)
        if user is None:
            continue
        start, end, totals = user_totals(user, now)
        with get_pool().connection() as conn, conn.transaction():
            LeaderboardRepository(conn).store(user_id, start, end, totals, version)
        done += 1
    return done


def refresh_due(
    now: datetime | None = None,
    *,
    limit: int = REFRESH_BATCH,
    debounce_seconds: float = DEBOUNCE_SECONDS,
    moved: bool = False,
) -> int:
    """Refresh up to `limit` users that are due (see the module's docstring; `moved`: also those whose window
    moved); returns how many were refreshed."""
    with get_pool().connection() as conn:
        due = LeaderboardRepository(conn).due(debounce_seconds, limit, now, moved=moved)
    return refresh_users([row.user_id for row in due], now) if due else 0


def refresh_all_due(now: datetime | None = None, *, debounce_seconds: float = DEBOUNCE_SECONDS) -> int:
    """The schedule's refresh: every due user, batch after batch, then users left without time are forgotten."""
    done = 0
    while True:
        count = refresh_due(now, limit=500, debounce_seconds=debounce_seconds, moved=True)
        done += count
        if count < 500:
            break
    with get_pool().connection() as conn:
        LeaderboardRepository(conn).forget_inactive()
    return done


def refresh_after_write() -> None:
    """The writer's share of the debounced refresh, after a committed batch: never fails the batch."""
    try:
        refresh_due()
    except Exception:
        logger.exception("leaderboard refresh failed; the schedule retries")
