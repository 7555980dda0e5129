"""Stats over a range, all-time totals, projects, the user object, raw heartbeats and user agents.

Everything over a range is read from the per-day aggregates (daily_totals and friends) and cached like summaries;
only one day's raw heartbeats (`heartbeats?date=`) and the per-project/per-agent first and last times read the
heartbeats table.
"""

from __future__ import annotations

import math
import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

from codetime.db import get_pool
from codetime.domain import ai
from codetime.domain import wakatime_format as fmt
from codetime.domain.errors import InvalidInput
from codetime.domain.names import PLURAL, display_name, stored_value
from codetime.domain.ranges import resolve_range, today_in
from codetime.domain.sharing import Sharing, check_public_filters, check_public_range, public_stats
from codetime.domain.summaries import AI_DIMENSIONS, DIMENSIONS, SUMMARY_KEYS
from codetime.domain.user_agents import parse_user_agent
from codetime.repositories.aggregates import local_bounds
from codetime.repositories.stats import StatsRepository
from codetime.repositories.users import User, UserRepository
from codetime.services import aggregation
from codetime.services.cache_keys import JsonPayload, cached, dumps
from codetime.services.sharing import sharing_of

# Canonical WakaTime range -> its human-readable name; Wakapi's spellings are aliases.
STATS_RANGES = {
    "last_7_days": "Last 7 Days",
    "last_30_days": "Last 30 Days",
    "last_6_months": "Last 6 Months",
    "last_year": "Last Year",
    "all_time": "All Time",
    "today": "Today",
    "yesterday": "Yesterday",
    "week": "This Week",
    "month": "This Month",
    "year": "This Year",
    "last_week": "Last Week",
    "last_month": "Last Month",
}
RANGE_ALIASES = {
    "7_days": "last_7_days", "30_days": "last_30_days", "6_months": "last_6_months", "12_months": "last_year",
    "last_12_months": "last_year", "any": "all_time", "this_week": "week", "this_month": "month",
    "this_year": "year",
}  # fmt: skip
HEARTBEATS_PAGE_SIZE = 1000
_ISO = "%Y-%m-%dT%H:%M:%SZ"


RANGE_NAMES = (*STATS_RANGES, *RANGE_ALIASES)


def canonical_range(name: str) -> str:
    """WakaTime's or Wakapi's range name -> WakaTime's (exact, lowercase names, as both document them)."""
    key = RANGE_ALIASES.get(name, name)
    if key not in STATS_RANGES:
        raise InvalidInput(f"Unknown range {name!r}; use one of: {', '.join(RANGE_NAMES)}.")
    return key


def stored_filters(filters: dict[str, str | None]) -> dict[str, str]:
    """Filters as given (display names) -> the stored column values ('' for WakaTime's placeholders)."""
    stored = {}
    for dim, value in filters.items():
        if value is None:
            continue
        if dim not in DIMENSIONS:
            raise InvalidInput(f"Unknown filter {dim!r}.")
        stored[dim] = stored_value(dim, value)
    return stored


def range_dates(user: User, range_key: str) -> tuple[date, date]:
    tz = user.effective_timezone
    if range_key == "all_time":
        today = today_in(tz)
        with get_pool().connection() as conn:
            first = StatsRepository(conn).first_day(user.id)
        return min(first or today, today), today
    return resolve_range(range_key, tz)


def _iso(value: datetime | None) -> str | None:
    return value.astimezone(UTC).strftime(_ISO) if value else None


def stats(user: User, range_name: str, filters: dict[str, str | None]) -> JsonPayload:
    """GET /users/current/stats/{range}: totals, averages, best day and per-dimension lists."""
    range_key = canonical_range(range_name)
    stored = stored_filters(filters)
    start, end = range_dates(user, range_key)
    tz, timeout = user.effective_timezone, user.timeout_seconds
    params = {"r": range_key, "s": start, "e": end, "f": stored, "tz": tz, "t": timeout}
    return cached(user.id, "stats", params, lambda: dumps({"data": _build_stats(user, range_key, start, end, stored)}))


def shared_stats(user: User, range_name: str, filters: dict[str, str | None]) -> JsonPayload:
    """Another user's stats as a public reader may see them (their share settings), or NotShared."""
    sharing: Sharing = sharing_of(user)
    check_public_filters(sharing, filters)
    range_key = canonical_range(range_name)
    stored = stored_filters(filters)
    start, end = range_dates(user, range_key)
    check_public_range(sharing, start, end, unbounded=range_key == "all_time")
    tz, timeout = user.effective_timezone, user.timeout_seconds
    # The settings are part of the key: a change of what is shared never serves an answer cached before it.
    params = {"r": range_key, "s": start, "e": end, "f": stored, "tz": tz, "t": timeout}
    params["share"] = [sharing.max_days, sorted(sharing.lists)]

    def build() -> bytes:
        data = _build_stats(user, range_key, start, end, stored)
        return dumps({"data": public_stats(data, sharing)})

    return cached(user.id, "public_stats", params, build)


def _build_stats(user: User, range_key: str, start: date, end: date, filters: dict[str, str]) -> dict[str, Any]:
    tz = user.effective_timezone
    totals = aggregation.range_totals(user, start, end, filters)
    up_to_date, days = totals.current, totals.days
    total = sum(seconds for _, seconds, _ in days)
    other = sum(other_seconds for _, _, other_seconds in days)
    active = sum(1 for _, seconds, _ in days if seconds > 0)
    span = (end - start).days + 1
    average = fmt.daily_average(total, span, active, other_language_seconds=other)
    best = max(days, key=lambda d: (d[1], d[0]), default=None)
    lo, hi = local_bounds(start, end, tz)
    data: dict[str, Any] = {
        "total_seconds": round(total - other, 6),
        "total_seconds_including_other_language": round(total, 6),
        "human_readable_total": fmt.human_text(total - other),
        "human_readable_total_including_other_language": fmt.human_text(total),
        "daily_average": average["seconds"],
        "daily_average_including_other_language": average["seconds_including_other_language"],
        "human_readable_daily_average": average["text"],
        "human_readable_daily_average_including_other_language": average["text_including_other_language"],
    }
    for dim in SUMMARY_KEYS:
        data[PLURAL[dim]] = fmt.summary_items(totals.shown(dim))
    data["dependencies"] = fmt.summary_items(totals.dependencies)
    if "project" in filters:
        data["branches"] = fmt.summary_items(totals.shown("branch"))
        data["entities"] = fmt.summary_items(totals.entities)
    _add_ai(user, start, end, filters, data, totals.current)
    data["best_day"] = (
        {"date": best[0].isoformat(), "text": fmt.human_text(best[1]), "total_seconds": round(best[1], 6)}
        if best and best[1] > 0
        else None
    )
    data.update({
        "range": range_key,
        "human_readable_range": STATS_RANGES[range_key],
        "holidays": average["holidays"],
        "days_including_holidays": span,
        "days_minus_holidays": active,
        "status": "ok",
        "percent_calculated": 100,
        "is_already_updating": False,
        "is_coding_activity_visible": True,
        "is_other_usage_visible": True,
        "is_stuck": False,
        "is_including_today": end >= today_in(tz),
        "is_up_to_date": up_to_date,
        "start": _iso(lo),
        "end": _iso(hi - timedelta(seconds=1)),
        "timezone": tz,
        "timeout": user.timeout_seconds // 60,
        "writes_only": False,
        "user_id": str(user.id),
        "username": user.username,
        "created_at": _iso(user.created_at),
    })  # fmt: skip
    return data


def _add_ai(user: User, start: date, end: date, filters: dict[str, str], data: dict[str, Any], current: bool) -> None:
    """WakaTime's AI keys over the range (as in a summary's grand_total, plus `ai_line_changes_total`), and on each
    project and editor item. AI sums are kept per project and editor only: under another filter they are left out
    rather than shown unfiltered."""
    if not set(filters) <= set(AI_DIMENSIONS):
        return
    figures = aggregation.ai_range_figures(
        user, start, end, project=filters.get("project"), editor=filters.get("editor"), by=AI_DIMENSIONS,
        current=current,
    )  # fmt: skip
    keys = ai.summary_keys(figures.total)
    data.update(keys)
    data["ai_line_changes_total"] = keys["ai_additions"] + keys["ai_deletions"]
    for dim in AI_DIMENSIONS if figures.total.any else ():
        named = {display_name(dim, stored): group for stored, group in figures.by[dim].items()}
        for item in data[PLURAL[dim]]:
            item.update(ai.summary_keys(named.get(item["name"]) or ai.figures(())))


def all_time_since_today(user: User, project: str | None = None) -> JsonPayload:
    """GET /users/current/all_time_since_today: the total since the first heartbeat."""
    stored = stored_filters({"project": project})
    tz = user.effective_timezone
    start, end = range_dates(user, "all_time")
    params = {"s": start, "e": end, "f": stored, "tz": tz, "t": user.timeout_seconds}

    def build() -> bytes:
        totals = aggregation.range_totals(user, start, end, stored)
        days, up_to_date = totals.days, totals.current
        total = sum(seconds for _, seconds, _ in days)
        active = sum(1 for _, seconds, _ in days if seconds > 0)
        parts = fmt.duration_parts(total)
        first, last = fmt.day_bounds_utc(start, tz)[0], fmt.day_bounds_utc(end, tz)[1]
        data = {
            "is_up_to_date": up_to_date,
            "range": {
                "start": first.strftime(_ISO), "start_date": start.isoformat(), "start_text": fmt.day_text(start),
                "end": last.strftime(_ISO), "end_date": end.isoformat(), "end_text": "Today", "timezone": tz,
            },
            "timeout": user.timeout_seconds // 60,
            "total_seconds": round(total, 6),
            "text": fmt.human_text(total),
            "decimal": fmt.grand_total(total)["decimal"],
            "digital": f"{parts['hours']}:{parts['minutes']:02d}",
            "daily_average": float(round(total / active)) if active else 0.0,
        }  # fmt: skip
        return dumps({"data": data})

    return cached(user.id, "all_time", params, build)


def _project_id(user: User, name: str) -> str:
    return str(uuid.uuid5(user.id, "project:" + name))


def projects(user: User, query: str | None = None) -> JsonPayload:
    """GET /users/current/projects: every project with its first and last heartbeat, newest first."""

    def build() -> bytes:
        with get_pool().connection() as conn:
            rows = StatsRepository(conn).projects(user.id, query, user.effective_timezone)
        now = datetime.now(UTC)
        data = []
        for row in rows:
            name = display_name("project", row["project"])
            data.append({
                "id": _project_id(user, name),
                "name": name,
                "urlencoded_name": _quote(name),
                "color": None,
                "repository": None,
                "badge": None,
                "clients": [],
                "has_public_url": False,
                "url": f"/projects/{_quote(name)}",
                "first_heartbeat_at": _iso(row["first_at"]),
                "human_readable_first_heartbeat_at": _ago(now, row["first_at"]),
                "last_heartbeat_at": _iso(row["last_at"]),
                "human_readable_last_heartbeat_at": _ago(now, row["last_at"]),
                "created_at": _iso(row["first_at"]),
            })  # fmt: skip
        return dumps({"data": data})

    return cached(user.id, "projects", {"q": query, "tz": user.effective_timezone}, build)


def _quote(name: str) -> str:
    from urllib.parse import quote

    return quote(name, safe="")


def _ago(now: datetime, then: datetime) -> str:
    seconds = max((now - then).total_seconds(), 0)
    for unit, size in (("year", 365 * 86400), ("month", 30 * 86400), ("day", 86400), ("hour", 3600), ("minute", 60)):
        if seconds >= size:
            count = int(seconds // size)
            return f"{count} {unit}{'s' if count != 1 else ''} ago"
    return "just now"


def user_object(user: User) -> dict[str, Any]:
    """WakaTime's user object (GET /users/current), the caller's own: it holds their e-mail. The one answer of
    GET /users/{user} and PATCH /users/current, declared key by key in api/schemas/stats.py (UserObject): every key
    of WakaTime's live answer, those CodeTime has no notion of null/false, plus CodeTime's `week_start`,
    `public_profile` and `is_up_to_date`."""
    last: dict | None = None
    with get_pool().connection() as conn:
        # The caller's record may come from the 5-minute auth cache; last_* fields move with every write.
        user = UserRepository(conn).get(user.id) or user
        if user.last_heartbeat_at is not None:
            last = StatsRepository(conn).last_heartbeat(user.id, user.last_heartbeat_at)
    sharing = sharing_of(user)
    return {
        # Who the user is.
        "id": str(user.id),
        "username": user.username,
        "display_name": user.display_name or user.username,
        "full_name": user.display_name,
        "email": user.email,
        "public_email": None,
        "is_email_public": False,
        "is_email_confirmed": False,
        "photo": None,
        "is_photo_public": False,
        "profile_url": None,
        "profile_url_escaped": None,
        "website": None,
        "human_readable_website": None,
        "location": None,
        "city": None,
        "bio": None,
        "github_username": None,
        "twitter_username": None,
        "linkedin_username": None,
        "wonderfuldev_username": None,
        "is_hireable": False,
        "created_at": _iso(user.created_at),
        "modified_at": _iso(user.modified_at),
        # How time is counted and shown.
        "timezone": user.effective_timezone,
        "timeout": user.timeout_seconds // 60,
        "writes_only": False,
        "weekday_start": user.week_start,
        "week_start": user.week_start,
        "public_profile": user.public_profile,
        "default_dashboard_range": None,
        "durations_slice_by": None,
        "date_format": None,
        "time_format_24hr": None,
        "time_format_display": None,
        "color_scheme": None,
        "hide_ai_coding": False,
        "show_machine_name_ip": False,
        "suggest_dangling_branches": False,
        "is_onboarding_finished": True,
        # What anyone may read without a key (the user's share settings), in WakaTime's words.
        "logged_time_public": sharing.coding_activity,
        "languages_used_public": sharing.shares("languages"),
        "editors_used_public": sharing.shares("editors"),
        "categories_used_public": sharing.shares("categories"),
        "os_used_public": sharing.shares("operating_systems"),
        "public_profile_time_range": None,
        "share_all_time_badge": None,
        "share_last_year_days": None,
        # The latest heartbeat.
        "last_heartbeat_at": _iso(user.last_heartbeat_at),
        "last_plugin": user.last_plugin,
        "last_plugin_name": (last or {}).get("editor"),
        "last_project": user.last_project,
        "last_branch": (last or {}).get("branch"),
        "last_language": (last or {}).get("language"),
        "is_up_to_date": aggregation.is_current(user),
        # WakaTime's plans and billing: CodeTime has neither.
        "plan": "free",
        "has_premium_features": False,
        "has_basic_features": False,
        "can_show_pro_status": False,
        "needs_payment_method": False,
        "invoice_id_format": None,
        "invoice_counter": 0,
    }


def heartbeats(user: User, day: date, page: int = 1) -> dict[str, Any]:
    """GET /users/current/heartbeats?date=: one day's raw heartbeats (user's timezone), in time order."""
    if page < 1:
        raise InvalidInput("page starts at 1.")
    tz = user.effective_timezone
    lo, hi = local_bounds(day, day, tz)
    with get_pool().connection() as conn:
        repo = StatsRepository(conn)
        total = repo.count_heartbeats(user.id, lo, hi)
        rows = repo.heartbeats(user.id, lo, hi, (page - 1) * HEARTBEATS_PAGE_SIZE, HEARTBEATS_PAGE_SIZE)
    pages = max(1, math.ceil(total / HEARTBEATS_PAGE_SIZE))
    data = []
    for row in rows:
        digest = bytes(row.pop("content_hash")).hex()
        data.append({
            "id": str(uuid.UUID(hex=digest[:32], version=4)),
            **{k: v for k, v in row.items() if k not in ("created_at", "machine")},
            "machine_name": row["machine"],
            "created_at": _iso(row["created_at"]),
            "user_id": str(user.id),
        })  # fmt: skip
    start, end = fmt.day_bounds_utc(day, tz)
    return {
        "data": data,
        "start": start.strftime(_ISO),
        "end": end.strftime(_ISO),
        "timezone": tz,
        "total": total,
        "total_pages": pages,
        "page": page,
        "prev_page": page - 1 if page > 1 else None,
        "next_page": page + 1 if page < pages else None,
    }


def user_agents(user: User) -> JsonPayload:
    """GET /users/current/user_agents: every User-Agent the user's plugins sent, newest first."""

    def build() -> bytes:
        with get_pool().connection() as conn:
            rows = StatsRepository(conn).user_agents(user.id)
        data = []
        for row in rows:
            info = parse_user_agent(row["user_agent"])
            data.append({
                "id": str(uuid.uuid5(user.id, "user_agent:" + row["user_agent"])),
                "value": row["user_agent"],
                "editor": info.editor,
                "os": info.operating_system,
                "version": None,
                "is_browser_extension": row["user_agent"].lower().startswith(("chrome/", "firefox/", "edge/")),
                "is_desktop_app": False,
                "first_seen_at": _iso(row["first_at"]),
                "last_seen_at": _iso(row["last_at"]),
                "created_at": _iso(row["first_at"]),
            })  # fmt: skip
        return dumps({"data": data, "total_pages": 1})

    return cached(user.id, "user_agents", {}, build)
