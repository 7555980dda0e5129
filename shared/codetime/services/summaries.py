"""Summaries, statusbar and durations in WakaTime's shapes, from pre-aggregated data, cached per user."""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any

from codetime.cache import get_cache
from codetime.config import get_settings
from codetime.db import get_pool
from codetime.domain import wakatime_format as fmt
from codetime.domain.durations import compute_durations
from codetime.domain.names import display_name
from codetime.domain.ranges import today_in
from codetime.repositories.aggregates import DIMENSIONS, AggregateRepository, TotalsRow, local_bounds
from codetime.repositories.heartbeats import HeartbeatRepository
from codetime.repositories.users import User
from codetime.services.cache_keys import user_generation

MAX_RANGE_DAYS = 3660
# Dimension -> key in WakaTime's per-day summary.
SUMMARY_KEYS = {
    "category": "categories",
    "editor": "editors",
    "language": "languages",
    "machine": "machines",
    "operating_system": "operating_systems",
    "project": "projects",
}
DASHBOARD_KEYS = {**SUMMARY_KEYS, "branch": "branches"}
DURATION_SLICES = {
    "project": "project", "entity": "entity", "language": "language", "dependencies": "dependencies",
    "os": "operating_system", "operating_system": "operating_system", "editor": "editor",
    "category": "category", "machine": "machine", "branch": "branch",
}  # fmt: skip


class RangeTooLong(ValueError):
    pass


def _cached(user: User, name: str, params: dict[str, Any], compute: Callable[[], dict]) -> dict:
    cache = get_cache()
    digest = hashlib.sha1(json.dumps(params, sort_keys=True, default=str).encode()).hexdigest()[:20]
    key = f"ct:r:{user.id}:{user_generation(user.id)}:{name}:{digest}"
    hit = cache.get(key)
    if hit is not None:
        return json.loads(hit)
    result = compute()
    cache.set(key, json.dumps(result, separators=(",", ":")).encode(), get_settings().cache_ttl_seconds)
    return result


def _totals(user: User, start: date, end: date, tz: str, filters: dict[str, str]) -> list[TotalsRow]:
    with get_pool().connection() as conn:
        repo = AggregateRepository(conn)
        if tz == user.effective_timezone:
            return repo.totals(user.id, start, end, filters)
        # Aggregates are kept in the user's timezone; another timezone is computed from raw heartbeats.
        return repo.totals_from_raw(user.id, start, end, tz, user.timeout_seconds, filters)


def summaries(
    user: User, start: date, end: date, *, tz: str | None = None, project: str | None = None,
    branches: list[str] | None = None,
) -> dict[str, Any]:  # fmt: skip
    """GET /users/current/summaries: one WakaTime summary per day of start..end (inclusive)."""
    if end < start:
        raise ValueError("end must not be before start")
    if (end - start).days + 1 > MAX_RANGE_DAYS:
        raise RangeTooLong(f"At most {MAX_RANGE_DAYS} days per request.")
    tz = tz or user.effective_timezone
    params = {"s": start, "e": end, "tz": tz, "p": project, "b": branches}
    return _cached(user, "summaries", params, lambda: _build_summaries(user, start, end, tz, project, branches))


def _build_summaries(
    user: User, start: date, end: date, tz: str, project: str | None, branches: list[str] | None
) -> dict[str, Any]:
    filters = {"project": "" if project == "Unknown Project" else project} if project is not None else {}
    rows = _totals(user, start, end, tz, filters)
    if branches:
        rows = [r for r in rows if r.branch in branches]
    per_day: dict[date, dict[str, dict[str, float]]] = defaultdict(lambda: defaultdict(lambda: defaultdict(float)))
    day_totals: dict[date, float] = defaultdict(float)
    other_language = 0.0
    for row in rows:
        day = per_day[row.day]
        day_totals[row.day] += row.seconds
        for dim in SUMMARY_KEYS:
            day[dim][display_name(dim, getattr(row, dim))] += row.seconds
        if project is not None and row.branch:
            day["branch"][row.branch] += row.seconds
        if not row.language:
            other_language += row.seconds
    with get_pool().connection() as conn:
        repo = AggregateRepository(conn)
        for day, dependency, seconds in repo.dependency_totals(user.id, start, end, filters.get("project")):
            per_day[day]["dependencies"][dependency] += seconds
        if filters.get("project") is not None:
            for day, entity, seconds in repo.entity_totals(user.id, start, end, filters["project"]):
                per_day[day]["entity"][entity] += seconds

    data = []
    total = 0.0
    day = start
    while day <= end:
        dims = per_day.get(day, {})
        seconds = day_totals.get(day, 0.0)
        total += seconds
        item: dict[str, Any] = {"grand_total": fmt.grand_total(seconds)}
        for dim, key in SUMMARY_KEYS.items():
            item[key] = fmt.summary_items(dims.get(dim, {}))
        item["dependencies"] = fmt.summary_items(dims.get("dependencies", {}))
        if project is not None:
            item["branches"] = fmt.summary_items(dims.get("branch", {}))
            item["entities"] = fmt.summary_items(dims.get("entity", {}))
        item["range"] = fmt.range_info(day, tz)
        data.append(item)
        day += timedelta(days=1)
    first, last = data[0]["range"], data[-1]["range"]
    return {
        "data": data,
        "start": first["start"],
        "end": last["end"],
        "cumulative_total": fmt.cumulative_total(total),
        "daily_average": fmt.daily_average(
            total, len(data), sum(1 for d in day_totals.values() if d > 0) or 0,
            other_language_seconds=other_language,
        ),
        "timezone": tz,
    }  # fmt: skip


def statusbar_today(user: User) -> dict[str, Any]:
    """GET /users/current/statusbar/today, as wakatime-cli --today reads it."""
    tz = user.effective_timezone
    today = today_in(tz)
    result = summaries(user, today, today, tz=tz)
    data = dict(result["data"][0])
    data["range"] = {**data["range"], "text": "Today"}
    return {"cached_at": datetime.now(UTC).isoformat(), "data": data, "has_team_features": False}


def durations(
    user: User, day: date, *, slice_by: str = "project", project: str | None = None, tz: str | None = None
) -> dict[str, Any]:
    """GET /users/current/durations: one day's durations computed from raw heartbeats."""
    field = DURATION_SLICES.get(slice_by.lower())
    if field is None:
        raise ValueError(f"slice_by must be one of: {', '.join(sorted(DURATION_SLICES))}")
    tz = tz or user.effective_timezone
    params = {"d": day, "s": field, "p": project, "tz": tz}
    return _cached(user, "durations", params, lambda: _build_durations(user, day, field, project, tz))


def _build_durations(user: User, day: date, field: str, project: str | None, tz: str) -> dict[str, Any]:
    lo, hi = local_bounds(day, day, tz)
    with get_pool().connection() as conn:
        heartbeats = HeartbeatRepository(conn).for_range(user.id, lo, hi)

    def key(hb: dict) -> Any:
        value = hb[field]
        proj = display_name("project", hb["project"])
        if field == "dependencies":
            return proj, ",".join(value or [])
        return proj, display_name(field, value) if field not in ("entity",) else value

    result = []
    for d in compute_durations(heartbeats, user.timeout_seconds, key, time_of=lambda hb: hb["time"]):
        proj, value = d.value
        if project is not None and proj != project:
            continue
        item = {"time": d.time, "project": proj, "duration": round(d.duration, 6), "color": None}
        if field != "project":
            item[field] = value.split(",") if field == "dependencies" else value
        result.append(item)
    start, end = fmt.day_bounds_utc(day, tz)
    return {
        "data": result,
        "start": start.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "end": end.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "timezone": tz,
    }


def dashboard_summary(user: User, start: date, end: date, filters: dict[str, str]) -> dict[str, Any]:
    """GET /api/v1/summary: totals per dimension over a range (Wakapi's summary shape, seconds as `total`)."""
    if (end - start).days + 1 > MAX_RANGE_DAYS:
        raise RangeTooLong(f"At most {MAX_RANGE_DAYS} days per request.")
    tz = user.effective_timezone
    params = {"s": start, "e": end, "f": filters}

    def build() -> dict[str, Any]:
        stored = {k: ("" if v in ("Unknown Project", "Other", "Unknown") else v) for k, v in filters.items()}
        rows = _totals(user, start, end, tz, stored)
        dims: dict[str, dict[str, float]] = {dim: defaultdict(float) for dim in DIMENSIONS}
        for row in rows:
            for dim in DIMENSIONS:
                dims[dim][display_name(dim, getattr(row, dim))] += row.seconds
        lo, hi = local_bounds(start, end, tz)
        result: dict[str, Any] = {
            "user_id": str(user.id),
            "from": lo.isoformat(),
            "to": hi.isoformat(),
            "timezone": tz,
            "total_seconds": round(sum(r.seconds for r in rows), 6),
        }
        for dim in DIMENSIONS:
            items = sorted(dims[dim].items(), key=lambda kv: (-kv[1], kv[0]))
            result[DASHBOARD_KEYS[dim]] = [{"key": name, "total": round(seconds, 6)} for name, seconds in items]
        return result

    return _cached(user, "dashboard", params, build)
