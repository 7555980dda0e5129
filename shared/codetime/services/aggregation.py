"""The read model's write side: every (user, local day) aggregate is recomputed here, and only here.

Heartbeat batches (services/writer.py), background recomputes (services/jobs.py) and account clears
(services/accounts.py) all come through `recompute`: lock the user (a fixed order when several), load the
timezone and keystroke timeout through one repository method, replace the days' aggregates with a fresh computation
from raw heartbeats, store each day's summary, and, once the caller's transaction has committed, invalidate the
user's cached reads. Recomputing never increments, so redelivery, late heartbeats and repeated jobs cannot
double-count.
"""

from __future__ import annotations

import json
import uuid
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date

import psycopg

from codetime import gzip_parts
from codetime.db import get_pool
from codetime.domain import ai
from codetime.domain.ai import AiRow
from codetime.domain.names import DIMENSIONS, display_name
from codetime.domain.summaries import TotalsRow, build_day, day_seconds
from codetime.repositories.aggregates import AggregateRepository
from codetime.repositories.leaderboards import LeaderboardRepository
from codetime.repositories.users import User, UserRepository
from codetime.services.cache_keys import invalidate_user_summaries


def recompute(conn: psycopg.Connection, days: Mapping[uuid.UUID, Iterable[date]], *, lock: str | None = None) -> set:
    """Recompute these users' local days inside the caller's transaction; returns the users that still exist.

    Users are locked in a fixed order (concurrent writers stay deadlock-free) with the writer's advisory lock, so no
    other recompute of the same user interleaves; `lock` also locks their `users` rows (see
    UserRepository.time_settings). Settings are read after the lock: always the current ones."""
    wanted = {user_id: sorted(set(user_days)) for user_id, user_days in days.items()}
    aggregates = AggregateRepository(conn)
    for user_id in sorted(wanted):
        aggregates.lock_user(user_id)
    settings = UserRepository(conn).time_settings(list(wanted), lock=lock)
    for user_id in sorted(settings):
        if wanted[user_id]:
            tz, timeout = settings[user_id]
            refresh_days(aggregates, user_id, tz, timeout, wanted[user_id])
    # Their leaderboard totals are due a (debounced) refresh: services/leaderboards.py.
    LeaderboardRepository(conn).mark_dirty([user_id for user_id in settings if wanted[user_id]])
    return set(settings)


def refresh_days(
    aggregates: AggregateRepository, user_id: uuid.UUID, tz: str, timeout: int, days: Sequence[date]
) -> None:
    """Recompute these days' aggregates from raw heartbeats and store their summary JSON (caller holds the lock)."""
    aggregates.recompute_days(user_id, tz, timeout, days)
    first, last = min(days), max(days)
    wanted = set(days)
    rows: dict[date, list[TotalsRow]] = defaultdict(list)
    for row in aggregates.totals(user_id, first, last):
        if row.day in wanted:
            rows[row.day].append(row)
    dependencies: dict[date, dict[str, float]] = defaultdict(dict)
    for day, name, seconds in aggregates.dependency_totals(user_id, first, last):
        dependencies[day][name] = seconds
    ai_rows: dict[date, list[AiRow]] = defaultdict(list)
    for ai_row in aggregates.ai_totals(user_id, first, last):
        ai_rows[ai_row.day].append(ai_row)  # type: ignore[index]
    stored = []
    for day in sorted(rows):
        item = build_day(day, tz, rows[day], dependencies[day], ai_rows=ai_rows[day])
        part = gzip_parts.compress(json.dumps(item, separators=(",", ":")).encode())
        stored.append((day, part, *day_seconds(rows[day]), *_compact_totals(rows[day], dependencies[day])))
    aggregates.store_summaries(user_id, stored)


def _compact_totals(
    rows: Sequence[TotalsRow], dependencies: Mapping[str, float]
) -> tuple[list[str], list[str], list[float]]:
    """A day's seconds per (dimension, stored value), and per dependency, as three parallel lists."""
    totals: dict[tuple[str, str], float] = defaultdict(float)
    for row in rows:
        for dim in DIMENSIONS:
            totals[dim, getattr(row, dim)] += row.seconds
    for name, seconds in dependencies.items():
        totals["dependency", name] += seconds
    keys = sorted(totals)
    return [k for k, _ in keys], [n for _, n in keys], [totals[key] for key in keys]


def lock_user(conn: psycopg.Connection, user_id: uuid.UUID) -> None:
    """Take the recompute lock of one user until the transaction ends (no recompute of that user interleaves)."""
    AggregateRepository(conn).lock_user(user_id)


def changed(user_ids: Iterable[uuid.UUID]) -> None:
    """After a commit that changed these users' aggregates or raw data: their cached reads are stale."""
    for user_id in user_ids:
        invalidate_user_summaries(user_id)


# ------------------------------------------------------------------------------------------------ read side
# The one decision "where are totals read from", for stats, the dashboard summary, goals, reports and metrics
# (summaries and the statusbar, which serve stored per-day JSON, ask `reads_raw` too):
# - the aggregates are not current (a recompute job is open, or a day was computed with other settings), or the
#   caller asks for another timezone: computed from raw heartbeats with the current settings and rules, the same SQL
#   the writer uses (correct, only slower);
# - no filters: the compact per-day totals stored with each day's summary (one row per day);
# - filters: the per-day aggregate rows (daily_totals), filtered in SQL.


def is_current(user: User) -> bool:
    """Whether the user's aggregates hold their current timezone, timeout and rules."""
    with get_pool().connection() as conn:
        return AggregateRepository(conn).is_current(user.id, user.effective_timezone, user.timeout_seconds)


def reads_raw(user: User, tz: str | None = None) -> bool:
    """Whether reads for `tz` (default: the user's) must be computed from raw heartbeats."""
    return (tz or user.effective_timezone) != user.effective_timezone or not is_current(user)


@dataclass(slots=True)
class RangeTotals:
    """Seconds over a range: per dimension and stored value ('' for none), per active day, and per dependency and
    entity where they are known (no filter or a project filter, from the aggregates)."""

    values: dict[str, dict[str, float]]  # dimension -> stored value -> seconds
    days: list[tuple[date, float, float]]  # (day, seconds, seconds in no known language), active days
    dependencies: dict[str, float] = field(default_factory=dict)
    entities: dict[str, float] = field(default_factory=dict)
    current: bool = True  # read from the aggregates (False: computed from raw heartbeats)

    @property
    def total(self) -> float:
        return sum(seconds for _, seconds, _ in self.days)

    def shown(self, dimension: str) -> dict[str, float]:
        """One dimension's totals under WakaTime's display names ('' as its placeholder)."""
        out: dict[str, float] = defaultdict(float)
        for value, seconds in self.values.get(dimension, {}).items():
            out[display_name(dimension, value)] += seconds
        return dict(out)


def range_totals(user: User, start: date, end: date, filters: Mapping[str, str] | None = None) -> RangeTotals:
    """Totals of start..end (the user's local days) matching `filters` (dimension -> stored value)."""
    filters = dict(filters or {})
    values: dict[str, dict[str, float]] = {dim: defaultdict(float) for dim in DIMENSIONS}
    per_day: dict[date, list[float]] = defaultdict(lambda: [0.0, 0.0])
    result = RangeTotals(values=values, days=[])
    with get_pool().connection() as conn:
        aggregates = AggregateRepository(conn)
        if not aggregates.is_current(user.id, user.effective_timezone, user.timeout_seconds):
            result.current = False
            rows = aggregates.totals_from_raw(
                user.id, start, end, user.effective_timezone, user.timeout_seconds, filters
            )
            for row in rows:
                per_day[row.day][0] += row.seconds
                per_day[row.day][1] += row.seconds if row.language == "" else 0.0
                for dim in DIMENSIONS:
                    values[dim][getattr(row, dim)] += row.seconds
        elif not filters:
            for key, name, seconds in aggregates.stored_value_totals(user.id, start, end):
                if key == "dependency":
                    result.dependencies[name] = seconds
                else:
                    values[key][name] += seconds
            result.days = aggregates.stored_day_seconds(user.id, start, end)
        else:
            for dim, value, day, seconds in aggregates.range_totals(user.id, start, end, filters):
                if dim == "day":
                    per_day[day][0] += seconds
                    per_day[day][1] += seconds if value == "" else 0.0
                else:
                    values[dim][value] += seconds
            # Dependencies and entities are kept per (day, project) only: they follow a project filter, not others.
            if set(filters) <= {"project"}:
                project = filters.get("project")
                for _, name, seconds in aggregates.dependency_totals(user.id, start, end, project):
                    result.dependencies[name] = result.dependencies.get(name, 0.0) + seconds
                if project is not None:
                    for _, name, seconds in aggregates.entity_totals(user.id, start, end, project):
                        result.entities[name] = result.entities.get(name, 0.0) + seconds
    if per_day:
        result.days = [(day, seconds, other) for day, (seconds, other) in sorted(per_day.items())]
    return result


def _ai_raw(
    aggregates: AggregateRepository, user: User, tz: str | None, current: bool | None
) -> tuple[str, int] | None:
    """None when AI reads of `tz` (default the user's) come from daily_ai_totals (the aggregates are current and
    hold that zone), else the (timezone, timeout) to compute them from raw heartbeats with. `current`: what the
    caller's own read of the same aggregates found (saves asking again)."""
    zone = tz or user.effective_timezone
    if current is None:
        current = aggregates.is_current(user.id, user.effective_timezone, user.timeout_seconds)
    return None if zone == user.effective_timezone and current else (zone, user.timeout_seconds)


def ai_rows(
    user: User, start: date, end: date, *, tz: str | None = None, project: str | None = None,
    editor: str | None = None, current: bool | None = None,
) -> list[AiRow]:  # fmt: skip
    """The AI sums of start..end (local days of `tz`, default the user's) per (day, project, editor, session,
    model): from daily_ai_totals when the aggregates are current, else computed from raw heartbeats. For per-day
    figures; a range's figures come from `ai_range_figures`."""
    with get_pool().connection() as conn:
        aggregates = AggregateRepository(conn)
        raw = _ai_raw(aggregates, user, tz, current)
        if raw is None:
            return aggregates.ai_totals(user.id, start, end, project, editor)
        return aggregates.ai_totals_from_raw(user.id, start, end, *raw, project, editor)


@dataclass(slots=True)
class AiRangeFigures:
    """The AI figures of a range: the whole range's, and per stored value of each dimension asked for."""

    total: ai.AiFigures
    by: dict[str, dict[str, ai.AiFigures]]  # dimension -> stored value -> figures (values with AI rows only)


def ai_range_figures(
    user: User, start: date, end: date, *, tz: str | None = None, project: str | None = None,
    editor: str | None = None, by: Sequence[str] = ("project", "editor"), current: bool | None = None,
) -> AiRangeFigures:  # fmt: skip
    """The AI figures of start..end (local days of `tz`, default the user's), optionally of one project and/or
    editor, and per value of the `by` dimensions: computed by PostgreSQL over daily_ai_totals or raw heartbeats (the
    same decision as `ai_rows`), only the finishing (rounding, model names, prices) in Python (domain/ai.py)."""
    with get_pool().connection() as conn:
        aggregates = AggregateRepository(conn)
        raw = _ai_raw(aggregates, user, tz, current)
        groups = aggregates.ai_figures(user.id, start, end, raw=raw, project=project, editor=editor, by=tuple(by))
    total = groups.pop(("", ""), None)
    out = AiRangeFigures(total=ai.finished(total) if total else ai.figures(()), by={dim: {} for dim in by})
    for (dim, value), group in groups.items():
        out.by[dim][value] = ai.finished(group)
    return out


def seconds_by_day(user: User, start: date, end: date, any_of: Mapping[str, Sequence[str]]) -> dict[date, float]:
    """Seconds per active day whose values are among `any_of` (dimension -> stored values; each non-empty list is
    an OR, lists are ANDed): what goals count."""
    wanted = {dim: set(names) for dim, names in any_of.items() if names}
    with get_pool().connection() as conn:
        aggregates = AggregateRepository(conn)
        if aggregates.is_current(user.id, user.effective_timezone, user.timeout_seconds):
            return aggregates.seconds_by_day(user.id, start, end, wanted)
        rows = aggregates.totals_from_raw(user.id, start, end, user.effective_timezone, user.timeout_seconds)
    out: dict[date, float] = defaultdict(float)
    for row in rows:
        if all(getattr(row, dim) in names for dim, names in wanted.items()):
            out[row.day] += row.seconds
    return dict(out)


def team_rows(
    members: Mapping[uuid.UUID, tuple[User, date]], end: date, dimensions: Sequence[str] = DIMENSIONS
) -> dict[uuid.UUID, list[TotalsRow]]:
    """Per-day rows of several users, each from their own first day to `end`, in their own timezone: team reads.
    Only `dimensions` are kept (the others read as '', their rows summed). Users whose aggregates are current are
    read in one query; the others from raw heartbeats, one by one (the same rule as `range_totals`)."""
    out: dict[uuid.UUID, list[TotalsRow]] = {}
    wanted = {key: (user, first) for key, (user, first) in members.items() if first <= end}
    with get_pool().connection() as conn:
        aggregates = AggregateRepository(conn)
        current = aggregates.current_users(
            [(user.id, user.effective_timezone, user.timeout_seconds) for user, _ in wanted.values()]
        )
        fresh = {user.id: first for user, first in wanted.values() if user.id in current}
        stored = aggregates.totals_of_users(fresh, end, dimensions)
        for key, (user, first) in wanted.items():
            if user.id in current:
                out[key] = stored[user.id]
            else:
                raw = aggregates.totals_from_raw(user.id, first, end, user.effective_timezone, user.timeout_seconds)
                out[key] = _narrowed(raw, dimensions)
    return out


def _narrowed(rows: Sequence[TotalsRow], dimensions: Sequence[str]) -> list[TotalsRow]:
    """Rows summed over the dimensions not kept (as totals_of_users does in SQL)."""
    if set(DIMENSIONS) <= set(dimensions):
        return list(rows)
    summed: dict[tuple, float] = defaultdict(float)
    for row in rows:
        summed[(row.day, *(getattr(row, d) if d in dimensions else "" for d in DIMENSIONS))] += row.seconds
    return [TotalsRow(*key, seconds) for key, seconds in summed.items()]
