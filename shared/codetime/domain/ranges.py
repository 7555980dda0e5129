"""Named date ranges as WakaTime and Wakapi clients send them, resolved in the user's timezone."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from codetime.domain.errors import InvalidInput


class UnknownRange(InvalidInput):
    pass


def today_in(tz: str, now: datetime | None = None) -> date:
    return (now or datetime.now(ZoneInfo(tz))).astimezone(ZoneInfo(tz)).date()


def resolve_range(name: str, tz: str, now: datetime | None = None, week_start: int = 0) -> tuple[date, date]:
    """(start, end) dates, inclusive, for `Today`, `Last 7 Days`, `last_7_days`, `this_week`, ...

    `week_start` is 0 for Monday (ISO) ... 6 for Sunday."""
    key = name.strip().lower().replace(" ", "_").replace("-", "_")
    today = today_in(tz, now)
    yesterday = today - timedelta(days=1)
    week_begins = today - timedelta(days=(today.weekday() - week_start) % 7)
    month_begins = today.replace(day=1)
    last_month_ends = month_begins - timedelta(days=1)
    fixed: dict[str, tuple[date, date]] = {
        "today": (today, today),
        "yesterday": (yesterday, yesterday),
        "this_week": (week_begins, today),
        "week": (week_begins, today),
        "last_week": (week_begins - timedelta(days=7), week_begins - timedelta(days=1)),
        "this_month": (month_begins, today),
        "month": (month_begins, today),
        "last_month": (last_month_ends.replace(day=1), last_month_ends),
        "this_year": (today.replace(month=1, day=1), today),
        "year": (today.replace(month=1, day=1), today),
        "last_7_days_from_yesterday": (yesterday - timedelta(days=6), yesterday),
        "last_14_days_from_yesterday": (yesterday - timedelta(days=13), yesterday),
        "last_30_days_from_yesterday": (yesterday - timedelta(days=29), yesterday),
        "last_6_months": (today - timedelta(days=182), today),
        "last_year": (today - timedelta(days=364), today),
        "last_12_months": (today - timedelta(days=364), today),
    }
    if key in fixed:
        return fixed[key]
    if key.startswith("last_") and key.endswith("_days"):
        count = key.removeprefix("last_").removesuffix("_days")
        if count.isdigit() and 1 <= int(count) <= 3660:
            return today - timedelta(days=int(count) - 1), today
    raise UnknownRange(f"Unknown range: {name!r}.")


def parse_date(value: str, tz: str) -> date:
    """A `YYYY-MM-DD` date, or an ISO datetime / epoch seconds taken in `tz` (clients send all three)."""
    text = value.strip()
    try:
        return date.fromisoformat(text)
    except ValueError:
        pass
    try:
        return datetime.fromtimestamp(float(text), ZoneInfo(tz)).date()
    except (ValueError, OverflowError, OSError):
        pass
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError as exc:
        raise InvalidInput(f"Invalid date: {value!r}; use YYYY-MM-DD.") from exc
    return parsed.astimezone(ZoneInfo(tz)).date() if parsed.tzinfo else parsed.date()
