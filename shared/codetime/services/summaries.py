"""Summaries, statusbar and durations in WakaTime's shapes, from pre-aggregated data, cached per user.

Read functions return gzipped JSON: a year of per-day summaries is about a megabyte of JSON and a tenth of that
compressed, so the cache holds it compressed and clients that accept gzip (all WakaTime clients do) get those
bytes as they are. The common summaries request (no filters, user's timezone) is assembled from per-day JSON the
writer stored.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any

from codetime import gzip_parts
from codetime.db import get_pool
from codetime.domain import ai
from codetime.domain import wakatime_format as fmt
from codetime.domain.durations import compute_durations
from codetime.domain.errors import InvalidInput
from codetime.domain.names import PLURAL, display_name, stored_value
from codetime.domain.ranges import today_in
from codetime.domain.rules import RuleSet
from codetime.domain.sharing import (
    check_public_branches,
    check_public_filters,
    check_public_range,
    shared_lists,
    without_ai,
)
from codetime.domain.summaries import DIMENSIONS, TotalsRow, build_day, day_seconds
from codetime.repositories.aggregates import AggregateRepository, StoredSummary, local_bounds
from codetime.repositories.heartbeats import HeartbeatRepository
from codetime.repositories.rules import RuleRepository
from codetime.repositories.users import User
from codetime.services import aggregation
from codetime.services.cache_keys import JsonPayload, cached, dumps
from codetime.services.sharing import sharing_of

MAX_RANGE_DAYS = 3660
DURATION_SLICES = {
    "project": "project", "entity": "entity", "language": "language", "dependencies": "dependencies",
    "os": "operating_system", "operating_system": "operating_system", "editor": "editor",
    "category": "category", "machine": "machine", "branch": "branch",
}  # fmt: skip


class RangeTooLong(InvalidInput):
    pass


def check_range(start: date, end: date) -> None:
    """A range of at most MAX_RANGE_DAYS days, end not before start."""
    if end < start:
        raise InvalidInput("end must not be before start.")
    if (end - start).days + 1 > MAX_RANGE_DAYS:
        raise RangeTooLong(f"At most {MAX_RANGE_DAYS} days per request.")


def _stored_project(name: str | None) -> str | None:
    return None if name is None else stored_value("project", name)


def summaries(
    user: User, start: date, end: date, *, tz: str | None = None, project: str | None = None,
    branches: list[str] | None = None,
) -> JsonPayload:  # fmt: skip
    """GET /users/current/summaries: one WakaTime summary per day of start..end (inclusive), as JSON."""
    check_range(start, end)
    tz = tz or user.effective_timezone
    params = {"s": start, "e": end, "tz": tz, "p": project, "b": branches}
    if project is None and not branches and tz == user.effective_timezone:

        def stored_or_computed() -> bytes | JsonPayload:
            if aggregation.is_current(user):
                return _stored_summaries(user, start, end, tz)
            return _computed_summaries(user, start, end, tz, None, None)

        return cached(user.id, "summaries", params, stored_or_computed)
    return cached(user.id, "summaries", params, lambda: _computed_summaries(user, start, end, tz, project, branches))


def shared_summaries(
    user: User, start: date, end: date, *, tz: str | None = None, project: str | None = None,
    branches: list[str] | None = None,
) -> JsonPayload:  # fmt: skip
    """Another user's summaries as a public reader may see them (their share settings), or NotShared: the range
    within share_data_max_days, a project filter only with shared projects, no branch filter, and each day's lists
    not shared (and entities, branches, dependencies) empty."""
    sharing = sharing_of(user)
    check_public_filters(sharing, {"project": project})
    check_public_branches(branches)
    check_range(start, end)
    check_public_range(sharing, start, end)
    tz = tz or user.effective_timezone
    params = {"s": start, "e": end, "tz": tz, "p": project, "share": [sharing.max_days, sorted(sharing.lists)]}

    def build() -> bytes:
        whole = json.loads(summaries(user, start, end, tz=tz, project=project).json_bytes())
        whole["data"] = [shared_lists(day, sharing) for day in whole["data"]]
        return dumps(without_ai(whole))

    return cached(user.id, "public_summaries", params, build)


def _tail(start: date, end: date, tz: str, total: float, active: int, other: float, ai_figures: ai.AiFigures) -> bytes:
    """What follows the days: `],"start":...,"cumulative_total":...}`."""
    first_start, _ = fmt.day_bounds_utc(start, tz)
    _, last_end = fmt.day_bounds_utc(end, tz)
    tail = {
        "start": first_start.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "end": last_end.strftime("%Y-%m-%dT%H:%M:%SZ"),
        # The range's AI figures (CodeTime's addition; WakaTime's cumulative_total has only time): sessions,
        # averages and medians over the whole range, not sums of the days'.
        "cumulative_total": {**fmt.cumulative_total(total), **ai.summary_keys(ai_figures)},
        "daily_average": fmt.daily_average(total, (end - start).days + 1, active, other_language_seconds=other),
        "timezone": tz,
    }
    return ("]," + json.dumps(tail, separators=(",", ":"))[1:]).encode()


_HEAD = b'{"data":['
_HEAD_PART, _COMMA_PART = gzip_parts.compress(_HEAD, 1), gzip_parts.compress(b",", 1)


def _days(start: date, end: date) -> list[date]:
    return [start + timedelta(days=i) for i in range((end - start).days + 1)]


def _empty_day(day: date, tz: str) -> bytes:
    return json.dumps(build_day(day, tz, (), {}), separators=(",", ":")).encode()


def _stored_json(row: StoredSummary) -> bytes:
    return row.body.encode() if row.body is not None else gzip_parts.inflate(row.part)  # type: ignore[arg-type]


def _stored_summaries(user: User, start: date, end: date, tz: str) -> JsonPayload:
    """The answer joined from the days' stored parts (gzip_parts): nothing of the stored days is decompressed,
    formatted or compressed again. Days without activity, the frame and the range's totals are compressed here."""
    with get_pool().connection() as conn:
        stored = {row.day: row for row in AggregateRepository(conn).stored_summaries(user.id, start, end)}
    parts, total, other, active = [_HEAD_PART], 0.0, 0.0, 0
    for index, day in enumerate(_days(start, end)):
        if index:
            parts.append(_COMMA_PART)
        row = stored.get(day)
        if row is None:
            parts.append(gzip_parts.compress(_empty_day(day, tz), 1))
            continue
        # Rows written before migration 0013 hold text: compressed here until their day is recomputed.
        parts.append(row.part or gzip_parts.compress(row.body.encode(), 1))  # type: ignore[union-attr]
        total, other = total + row.seconds, other + row.other_language_seconds
        active += row.seconds > 0
    ai_figures = aggregation.ai_range_figures(user, start, end, by=()).total
    tail = _tail(start, end, tz, total, active, other, ai_figures)
    parts.append(gzip_parts.compress(tail, 1))
    return JsonPayload(gzip_parts.join(parts))


def _from_raw(user: User, tz: str) -> bool:
    return aggregation.reads_raw(user, tz)


def _totals(user: User, start: date, end: date, tz: str, filters: dict[str, str], raw: bool) -> list[TotalsRow]:
    with get_pool().connection() as conn:
        repo = AggregateRepository(conn)
        if not raw:
            return repo.totals(user.id, start, end, filters)
        return repo.totals_from_raw(user.id, start, end, tz, user.timeout_seconds, filters)


def _computed_summaries(
    user: User, start: date, end: date, tz: str, project: str | None, branches: list[str] | None
) -> bytes:
    filters = {"project": _stored_project(project)} if project is not None else {}
    raw = _from_raw(user, tz)
    rows = _totals(user, start, end, tz, filters, raw)  # type: ignore[arg-type]
    if branches:
        rows = [r for r in rows if r.branch in branches]
    by_day: dict[date, list[TotalsRow]] = defaultdict(list)
    for row in rows:
        by_day[row.day].append(row)
    dependencies: dict[date, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    entities: dict[date, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    with get_pool().connection() as conn:
        repo = AggregateRepository(conn)
        if raw:
            deps = repo.dependency_totals_from_raw(
                user.id, start, end, tz, user.timeout_seconds, filters.get("project")
            )
        else:
            deps = repo.dependency_totals(user.id, start, end, filters.get("project"))
        for day, name, seconds in deps:
            dependencies[day][name] += seconds
        if project is not None:
            if raw:
                ents = repo.entity_totals_from_raw(user.id, start, end, tz, user.timeout_seconds, filters["project"])  # type: ignore[arg-type]
            else:
                ents = repo.entity_totals(user.id, start, end, filters["project"])  # type: ignore[arg-type]
            for day, entity, seconds in ents:
                entities[day][entity] += seconds
    # AI rows follow a project filter; they are not kept per branch, so a branch filter leaves them whole-project.
    ai_rows = aggregation.ai_rows(user, start, end, tz=tz, project=filters.get("project"))
    ai_by_day: dict[date, list[ai.AiRow]] = defaultdict(list)
    for ai_row in ai_rows:
        ai_by_day[ai_row.day].append(ai_row)  # type: ignore[index]
    days_json, total, other, active = [], 0.0, 0.0, 0
    for day in _days(start, end):
        day_entities = entities.get(day, {}) if project is not None else None
        item = build_day(
            day,
            tz,
            by_day.get(day, ()),
            dependencies.get(day, {}),
            day_entities,
            with_branches=project is not None,
            ai_rows=ai_by_day.get(day, ()),
        )
        days_json.append(json.dumps(item, separators=(",", ":")).encode())
        seconds, other_seconds = day_seconds(by_day.get(day, ()))
        total, other, active = total + seconds, other + other_seconds, active + (seconds > 0)
    # The range's figures from the rows already read for the days (a second query would recompute them from raw).
    return _HEAD + b",".join(days_json) + _tail(start, end, tz, total, active, other, ai.figures(ai_rows))


def statusbar_today(user: User) -> JsonPayload:
    """GET /users/current/statusbar/today, as wakatime-cli --today reads it."""
    tz = user.effective_timezone
    today = today_in(tz)

    def build() -> bytes:
        if aggregation.is_current(user):
            with get_pool().connection() as conn:
                stored = AggregateRepository(conn).stored_summaries(user.id, today, today)
            data = json.loads(_stored_json(stored[0])) if stored else build_day(today, tz, (), {})
        else:
            data = json.loads(_computed_summaries(user, today, today, tz, None, None))["data"][0]
        data["range"]["text"] = "Today"
        return dumps({"cached_at": datetime.now(UTC).isoformat(), "data": data, "has_team_features": False})

    return cached(user.id, "statusbar", {"d": today}, build)


def durations(
    user: User, day: date, *, slice_by: str = "project", project: str | None = None, tz: str | None = None
) -> JsonPayload:
    """GET /users/current/durations: one day's durations computed from raw heartbeats."""
    field = DURATION_SLICES.get(slice_by.lower())
    if field is None:
        raise InvalidInput(f"slice_by must be one of: {', '.join(sorted(DURATION_SLICES))}.")
    tz = tz or user.effective_timezone
    params = {"d": day, "s": field, "p": project, "tz": tz}
    return cached(user.id, "durations", params, lambda: build_durations(user, day, field, project, tz))


def build_durations(
    user: User, day: date, field: str, project: str | None, tz: str, *,
    keep: Callable[[dict[str, Any]], bool] | None = None, anonymous: bool = False, empty: bool = False,
) -> bytes:  # fmt: skip
    """One day's durations as JSON. Team reads (services/orgs.py) narrow them to what a member shares: `keep`
    selects heartbeats (after the user's rules), `anonymous` merges spans without naming projects, `empty` shows
    none (a day before the member joined)."""
    lo, hi = local_bounds(day, day, tz)
    heartbeats: list[dict[str, Any]] = []
    if not empty:
        with get_pool().connection() as conn:
            heartbeats = HeartbeatRepository(conn).for_range(user.id, lo, hi)
            rules = RuleSet.of(RuleRepository(conn).list(user.id))
        if rules:
            heartbeats = [rules.apply(hb) for hb in heartbeats]
    if keep is not None:
        heartbeats = [hb for hb in heartbeats if keep(hb)]

    def key(hb: dict) -> tuple[str, Any]:
        if anonymous:
            return "", None
        proj = display_name("project", hb["project"])
        value = hb[field]
        if field == "dependencies":
            return proj, tuple(value or ())
        return proj, value if field == "entity" else display_name(field, value)

    # Each duration carries the AI figures of the heartbeats it spans (durations-day.json's keys).
    spans = compute_durations(heartbeats, user.timeout_seconds, key, time_of=lambda hb: hb["time"])
    starts = {id(d.first): i for i, d in enumerate(spans)}
    members: list[list[ai.AiRow]] = [[] for _ in spans]
    current = -1
    for hb, ai_row in zip(heartbeats, ai.heartbeat_rows(heartbeats), strict=True):
        current = starts.get(id(hb), current)  # a duration holds the heartbeats from its first to the next's
        if ai_row is not None:
            members[current].append(ai_row)
    result = []
    for d, ai_rows in zip(spans, members, strict=True):
        proj, value = d.value
        if project is not None and proj != project:
            continue
        item: dict[str, Any] = {
            "time": d.time,
            "project": proj,
            "duration": round(d.duration, 6),
            "color": None,
            **ai.duration_keys(ai.figures(ai_rows)),
        }
        if anonymous:
            del item["project"]
        elif field != "project":
            item[field] = list(value) if field == "dependencies" else value
        result.append(item)
    start, end = fmt.day_bounds_utc(day, tz)
    return dumps({
        "data": result,
        "start": start.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "end": end.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "timezone": tz,
    })  # fmt: skip


def dashboard_summary(user: User, start: date, end: date, filters: dict[str, str]) -> JsonPayload:
    """GET /api/v1/summary: totals per dimension over a range (seconds as `total`, largest first)."""
    check_range(start, end)
    tz = user.effective_timezone

    def build() -> bytes:
        stored = {dim: stored_value(dim, value) for dim, value in filters.items()}
        totals = aggregation.range_totals(user, start, end, stored)
        dims = {dim: totals.shown(dim) for dim in DIMENSIONS}
        lo, hi = local_bounds(start, end, tz)
        result: dict[str, Any] = {
            "user_id": str(user.id), "from": lo.isoformat(), "to": hi.isoformat(), "timezone": tz,
            "total_seconds": round(sum(dims["project"].values()), 6),
        }  # fmt: skip
        for dim in DIMENSIONS:
            items = sorted(dims[dim].items(), key=lambda kv: (-kv[1], kv[0]))
            result[PLURAL[dim]] = [{"key": name, "total": round(seconds, 6)} for name, seconds in items]
        # The range's AI figures under WakaTime's names (a CodeTime addition to Wakapi's shape, for the dashboard),
        # when the filters are ones the AI sums are kept by (project, editor).
        if set(stored) <= {"project", "editor"}:
            figures = aggregation.ai_range_figures(
                user, start, end, project=stored.get("project"), editor=stored.get("editor"), by=()
            )
            result["ai"] = ai.summary_keys(figures.total)
        return dumps(result)

    return cached(user.id, "dashboard", {"s": start, "e": end, "f": filters}, build)
