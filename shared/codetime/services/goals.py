"""Goals: create, list, update, delete, and progress per day or week computed from the aggregates."""

from __future__ import annotations

import uuid
from dataclasses import asdict
from datetime import UTC, date, datetime, timedelta
from typing import Any

from codetime.db import get_pool
from codetime.domain import wakatime_format as fmt
from codetime.domain.errors import InvalidInput, NotFound
from codetime.domain.names import PLACEHOLDERS, stored_value
from codetime.domain.ranges import today_in
from codetime.repositories.goals import GOAL_FILTERS, Goal, GoalRepository
from codetime.repositories.users import User
from codetime.services import aggregation
from codetime.services.cache_keys import JsonPayload, cached, dumps, invalidate_user_summaries

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
CHART_PERIODS = 7  # days for a daily goal, weeks for a weekly one, ending with the current one
MAX_GOALS = 100
_ISO = "%Y-%m-%dT%H:%M:%SZ"


class GoalNotFound(NotFound):
    pass


class TooManyGoals(InvalidInput):
    pass


_NULLABLE = ("title", "snooze_until")


def _stored(values: dict[str, Any]) -> dict[str, Any]:
    """API values -> stored ones: placeholder names ("Other", "Unknown Project") mean "none" (''), categories
    are kept lowercase, ignore_days lowercase. A null for a field that cannot be null leaves it unchanged."""
    out = {k: v for k, v in values.items() if v is not None or k in _NULLABLE}
    for attribute, column in GOAL_FILTERS.items():
        if out.get(attribute) is not None:
            out[attribute] = sorted({stored_value(column, v) for v in out[attribute]})
    if out.get("ignore_days") is not None:
        days = {d.lower() for d in out["ignore_days"]}
        if not days <= set(WEEKDAYS):
            raise InvalidInput(f"ignore_days must be weekday names: {', '.join(WEEKDAYS)}.")
        out["ignore_days"] = [d for d in WEEKDAYS if d in days]
    if out.get("delta") is not None and out["delta"] not in ("day", "week"):
        raise InvalidInput("delta must be day or week.")
    if out.get("delta") == "day" and out.get("seconds", 0) > 86400:
        raise InvalidInput("A daily goal is at most 24 hours.")
    return out


def create(user: User, values: dict[str, Any]) -> dict[str, Any]:
    """Create a goal; returns it with its progress."""
    with get_pool().connection() as conn:
        repo = GoalRepository(conn)
        if len(repo.list(user.id)) >= MAX_GOALS:
            raise TooManyGoals(f"At most {MAX_GOALS} goals per user.")
        goal = repo.create(user.id, _stored(values))
    return _goal_json(user, goal)


def list_goals(user: User) -> dict[str, Any]:
    with get_pool().connection() as conn:
        goals = GoalRepository(conn).list(user.id)
    data = [_goal_json(user, goal) for goal in goals]
    return {"data": data, "total": len(data), "total_pages": 1}


def _load(user: User, goal_id: uuid.UUID) -> Goal:
    with get_pool().connection() as conn:
        goal = GoalRepository(conn).get(user.id, goal_id)
    if goal is None:
        raise GoalNotFound("No such goal.")
    return goal


def get(user: User, goal_id: uuid.UUID) -> JsonPayload:
    """GET /users/current/goals/{id} (wakatime-cli --today-goal reads the last chart_data item). A cache hit reads
    no database: changing or deleting a goal invalidates the user's cached reads."""
    tz = user.effective_timezone
    params = {"g": str(goal_id), "d": today_in(tz), "tz": tz, "t": user.timeout_seconds}

    def build() -> bytes:
        goal = _load(user, goal_id)
        return dumps({"cached_at": datetime.now(UTC).strftime(_ISO), "data": _goal_json(user, goal)})

    return cached(user.id, "goal", params, build)


def update(user: User, goal_id: uuid.UUID, values: dict[str, Any]) -> dict[str, Any]:
    current = _load(user, goal_id)
    merged = {**asdict(current), **values}
    _stored({"delta": merged["delta"], "seconds": merged["seconds"]})
    with get_pool().connection() as conn:
        goal = GoalRepository(conn).update(user.id, goal_id, _stored(values))
    if goal is None:
        raise GoalNotFound("No such goal.")
    invalidate_user_summaries(user.id)
    return _goal_json(user, goal)


def delete(user: User, goal_id: uuid.UUID) -> None:
    with get_pool().connection() as conn:
        if not GoalRepository(conn).delete(user.id, goal_id):
            raise GoalNotFound("No such goal.")
    invalidate_user_summaries(user.id)


def _periods(goal: Goal, start: date, end: date) -> list[tuple[date, date]]:
    if goal.delta == "day":
        return [(start + timedelta(days=i),) * 2 for i in range((end - start).days + 1)]  # type: ignore[misc]
    first = start - timedelta(days=start.weekday())
    weeks = []
    while first <= end:
        weeks.append((first, first + timedelta(days=6)))
        first += timedelta(days=7)
    return weeks


def _short(seconds: float) -> str:
    parts = fmt.duration_parts(seconds)
    return f"{parts['hours']}h {parts['minutes']}m"


def _judge(goal: Goal, actual: float, period: tuple[date, date], today: date) -> tuple[str, str, str]:
    """(range_status, reason, short reason) of one period."""
    first, last = period
    if goal.delta == "day" and WEEKDAYS[first.weekday()] in goal.ignore_days:
        return "ignored", f"{WEEKDAYS[first.weekday()].capitalize()}s are ignored by this goal", "ignored"
    if first > today:
        return "pending", "not started yet", "pending"
    unit = "daily" if goal.delta == "day" else "weekly"
    difference = abs(actual - goal.seconds)
    more = actual >= goal.seconds
    reason = (
        f"coded {fmt.human_text(actual)} which is {fmt.human_text(difference)} {'more' if more else 'less'} than "
        f"your {unit} goal"
    )
    short = f"{_short(actual)} ({_short(difference)} {'more' if more else 'less'} than goal)"
    finished = last < today
    reached = actual <= goal.seconds if goal.is_inverse else actual >= goal.seconds
    if goal.is_inverse and not reached:
        return "fail", reason, short  # already over a limit: cannot recover
    if reached and (finished or not goal.is_inverse):
        return "success", reason, short
    if not finished:
        return "pending", reason, short
    if goal.ignore_zero_days and actual == 0:
        return "ignored", "no coding activity on this day", "ignored"
    return "fail", reason, short


def _chart(user: User, goal: Goal, start: date, end: date) -> list[dict[str, Any]]:
    tz = user.effective_timezone
    today = today_in(tz)
    periods = _periods(goal, start, end)
    any_of = {column: getattr(goal, attribute) for attribute, column in GOAL_FILTERS.items()}
    by_day = aggregation.seconds_by_day(user, periods[0][0], periods[-1][1], any_of)
    chart = []
    for first, last in periods:
        actual = sum(seconds for day, seconds in by_day.items() if first <= day <= last)
        status, reason, short = _judge(goal, actual, (first, last), today)
        lo = fmt.day_bounds_utc(first, tz)[0]
        hi = fmt.day_bounds_utc(last, tz)[1]
        text = "Today" if first == last == today else ("Yesterday" if first == last == today - timedelta(days=1) else
                fmt.day_text(first) if first == last else f"{first.isoformat()} until {last.isoformat()}")  # fmt: skip
        chart.append({
            "actual_seconds": round(actual, 6),
            "actual_seconds_text": fmt.human_text(actual),
            "goal_seconds": goal.seconds,
            "goal_seconds_text": fmt.human_text(goal.seconds),
            "range": {
                "date": first.isoformat(), "start": lo.strftime(_ISO), "end": hi.strftime(_ISO), "text": text,
                "timezone": tz,
            },
            "range_status": status,
            "range_status_reason": reason,
            "range_status_reason_short": short,
        })  # fmt: skip
    return chart


def _overall(goal: Goal, chart: list[dict[str, Any]]) -> tuple[str, str]:
    judged = [item for item in chart if item["range_status"] in ("success", "fail")]
    if not judged:
        return "pending", "pending"
    successes = sum(item["range_status"] == "success" for item in judged)
    cumulative = "success" if successes * 2 >= len(judged) else "fail"
    average = sum(item["actual_seconds"] for item in judged) / len(judged)
    met = average <= goal.seconds if goal.is_inverse else average >= goal.seconds
    return ("success" if met else "fail"), cumulative


def _title(goal: Goal) -> str:
    text = f"{'Code less than' if goal.is_inverse else 'Code'} {fmt.human_text(goal.seconds)} per {goal.delta}"
    for attribute, word in (("languages", "in"), ("projects", "in"), ("editors", "using")):
        values = getattr(goal, attribute)
        if values:
            text += f" {word} {', '.join(v or PLACEHOLDERS[GOAL_FILTERS[attribute]] for v in values)}"
    return text


def _goal_json(user: User, goal: Goal, chart: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    today = today_in(user.effective_timezone)
    if chart is None:
        start = today - timedelta(days=CHART_PERIODS - 1 if goal.delta == "day" else 7 * (CHART_PERIODS - 1))
        chart = _chart(user, goal, start, today)
    average, cumulative = _overall(goal, chart)
    snoozed = goal.snooze_until is not None and goal.snooze_until > datetime.now(UTC)
    first, last = chart[0]["range"]["date"], today.isoformat()

    def shown(attribute: str) -> list[str]:
        return [v or PLACEHOLDERS[GOAL_FILTERS[attribute]] for v in getattr(goal, attribute)]

    return {
        "id": str(goal.id),
        "title": _title(goal),
        "custom_title": goal.title,
        "type": "coding",
        "delta": goal.delta,
        "seconds": goal.seconds,
        "languages": shown("languages"),
        "projects": shown("projects"),
        "editors": shown("editors"),
        "categories": shown("categories"),
        "ignore_days": goal.ignore_days,
        "ignore_zero_days": goal.ignore_zero_days,
        "improve_by_percent": None,
        "is_enabled": goal.is_enabled,
        "is_inverse": goal.is_inverse,
        "is_snoozed": snoozed,
        "snooze_until": goal.snooze_until.astimezone(UTC).strftime(_ISO) if goal.snooze_until else None,
        "is_tweeting": False,
        "is_current_user_owner": True,
        "owner": {
            "id": str(user.id),
            "username": user.username,
            "display_name": user.display_name or user.username,
            "full_name": user.display_name,
            "email": None,
            "photo": None,
        },  # fmt: skip
        "shared_with": [],
        "subscribers": [],
        "status": chart[-1]["range_status"],
        "average_status": average,
        "cumulative_status": cumulative,
        "status_percent_calculated": 100,
        "range_text": f"from {first} until {last}",
        "chart_data": chart,
        "created_at": goal.created_at.astimezone(UTC).strftime(_ISO),
        "modified_at": goal.modified_at.astimezone(UTC).strftime(_ISO) if goal.modified_at else None,
    }


def progress(user: User, start: date, end: date) -> list[dict[str, Any]]:
    """Every enabled goal of the user with its per-period progress over start..end (inclusive): the goal object
    whose chart_data covers the range. For reports and other callers inside the package."""
    if end < start:
        raise InvalidInput("end must not be before start.")
    with get_pool().connection() as conn:
        goals = [g for g in GoalRepository(conn).list(user.id) if g.is_enabled]
    return [_goal_json(user, goal, _chart(user, goal, start, end)) for goal in goals]
