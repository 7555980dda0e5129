"""Insights (WakaTime's `GET /users/{user}/insights/{type}/{range}`): trends over a range, computed from the per-day
aggregates (services/aggregation.py) and cached like the other reads (services/cache_keys.py). Another user's
insights answer only what they share publicly: the time-only types need shared coding activity within the shared
range, a list type (projects, languages, ...) that list shared too."""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, date, timedelta
from typing import Any

from codetime.domain import wakatime_format as fmt
from codetime.domain.errors import InvalidInput
from codetime.domain.names import PLURAL
from codetime.domain.ranges import today_in
from codetime.domain.sharing import NotShared, Sharing, check_public_range
from codetime.repositories.aggregates import local_bounds
from codetime.repositories.users import User
from codetime.services import aggregation
from codetime.services.cache_keys import JsonPayload, cached, dumps
from codetime.services.sharing import sharing_of
from codetime.services.stats import STATS_RANGES, canonical_range, range_dates

# Insight type -> the dimension it lists (None: a time-only insight).
INSIGHT_TYPES: dict[str, str | None] = {
    "weekdays": None, "days": None, "best_day": None, "daily_average": None,
    "projects": "project", "languages": "language", "editors": "editor", "categories": "category",
    "machines": "machine", "operating_systems": "operating_system",
}  # fmt: skip
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_ISO = "%Y-%m-%dT%H:%M:%SZ"


class UnknownInsight(InvalidInput):
    pass


def insight(user: User, kind: str, range_name: str, *, public: bool) -> JsonPayload:
    """One insight of `user` over a range; `public`: read by someone else (NotShared beyond what is shared)."""
    if kind not in INSIGHT_TYPES:
        raise UnknownInsight(f"Unknown insight type {kind!r}; use one of: {', '.join(INSIGHT_TYPES)}.")
    range_key = canonical_range(range_name)
    start, end = range_dates(user, range_key)
    params: dict[str, Any] = {"k": kind, "r": range_key, "s": start, "e": end, "tz": user.effective_timezone,
                              "t": user.timeout_seconds}  # fmt: skip
    if public:
        sharing: Sharing = sharing_of(user)
        check_public_range(sharing, start, end, unbounded=range_key == "all_time")
        dimension = INSIGHT_TYPES[kind]
        if dimension is not None and not sharing.shares(PLURAL[dimension]):
            raise NotShared(f"This user does not share their {PLURAL[dimension]} publicly.")
        params["share"] = [sharing.max_days, sorted(sharing.lists)]
    return cached(user.id, "insight", params, lambda: dumps({"data": _build(user, kind, range_key, start, end)}))


def _build(user: User, kind: str, range_key: str, start: date, end: date) -> dict[str, Any]:
    tz = user.effective_timezone
    totals = aggregation.range_totals(user, start, end)
    per_day = {day: seconds for day, seconds, _ in totals.days}
    span = (end - start).days + 1
    data: dict[str, Any] = {}
    if kind == "weekdays":
        data["weekdays"] = _weekdays(per_day, start, end)
    elif kind == "days":
        data["days"] = [
            {"date": (start + timedelta(days=i)).isoformat(), "total": round(per_day.get(start + timedelta(days=i),
             0.0), 6), "human_readable_total": fmt.human_text(per_day.get(start + timedelta(days=i), 0.0))}
            for i in range(span)
        ]  # fmt: skip
    elif kind == "best_day":
        best = max(per_day.items(), key=lambda item: (item[1], item[0]), default=None)
        data["best_day"] = (
            {"date": best[0].isoformat(), "total_seconds": round(best[1], 6), "text": fmt.human_text(best[1])}
            if best and best[1] > 0 else None
        )  # fmt: skip
    elif kind == "daily_average":
        other = sum(other for _, _, other in totals.days)
        active = sum(1 for seconds in per_day.values() if seconds > 0)
        average = fmt.daily_average(totals.total, span, active, other_language_seconds=other)
        data["daily_average"] = average["seconds"]
        data["human_readable_daily_average"] = average["text"]
        data["daily_average_including_other_language"] = average["seconds_including_other_language"]
        data["human_readable_daily_average_including_other_language"] = average["text_including_other_language"]
        data["days_including_holidays"], data["days_minus_holidays"] = span, active
        data["holidays"] = average["holidays"]
    else:
        dimension = INSIGHT_TYPES[kind]
        assert dimension is not None
        shown = sorted(totals.shown(dimension).items(), key=lambda item: (-item[1], item[0]))
        data[kind] = [{"name": name, "total_seconds": round(seconds, 6), "text": fmt.human_text(seconds),
                       "percent": round(seconds * 100 / totals.total, 2) if totals.total else 0.0}
                      for name, seconds in shown if seconds > 0]  # fmt: skip
    lo, hi = local_bounds(start, end, tz)
    data.update({
        "range": range_key,
        "human_readable_range": STATS_RANGES[range_key],
        "start": lo.astimezone(UTC).strftime(_ISO),
        "end": (hi - timedelta(seconds=1)).astimezone(UTC).strftime(_ISO),
        "timezone": tz,
        "is_including_today": end >= today_in(tz),
        "is_up_to_date": totals.current,
        "status": "ok",
        "percent_calculated": 100,
        "user_id": str(user.id),
        "username": user.username,
    })  # fmt: skip
    return data


def _weekdays(per_day: dict[date, float], start: date, end: date) -> list[dict[str, Any]]:
    """Each weekday's total over the range and its average over the range's dates of that weekday."""
    totals: dict[int, float] = defaultdict(float)
    counts: dict[int, int] = defaultdict(int)
    day = start
    while day <= end:
        counts[day.weekday()] += 1
        totals[day.weekday()] += per_day.get(day, 0.0)
        day += timedelta(days=1)
    out = []
    for index, name in enumerate(WEEKDAYS):
        total = totals[index]
        average = total / counts[index] if counts[index] else 0.0
        out.append(
            {
                "name": name,
                "total": round(total, 6),
                "average": round(average, 6),
                "human_readable_total": fmt.human_text(total),
                "human_readable_average": fmt.human_text(average),
            }
        )
    return out
