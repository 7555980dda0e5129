"""Named date ranges as WakaTime and Wakapi clients send them, resolved in the user's timezone."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from codetime.domain.errors import InvalidFields, InvalidInput

# The dates the service can represent: nothing was recorded before the epoch, and a date past a year from now is a
# typo (9999-12-31 would overflow the day after it; 0001-01-01 east of UTC the day before it).
EARLIEST_DATE = date(1970, 1, 1)


class UnknownRange(InvalidInput):
    pass


def today_in(tz: str, now: datetime | None = None) -> date:
    return (now or datetime.now(ZoneInfo(tz))).astimezone(ZoneInfo(tz)).date()


def latest_date(tz: str, now: datetime | None = None) -> date:
    """Today in `tz` plus one year (28 February for 29 February): the last date a parameter may name."""
    today = today_in(tz, now)
    return today.replace(year=today.year + 1, day=28 if (today.month, today.day) == (2, 29) else today.day)


def check_date(day: date, name: str, tz: str, now: datetime | None = None) -> date:
    """`day`, if the service can represent it; else InvalidFields naming the parameter `name`."""
    latest = latest_date(tz, now)
    if not EARLIEST_DATE <= day <= latest:
        raise InvalidFields({name: [f"Must be a date from {EARLIEST_DATE} to {latest}."]})
    return day


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


def parse_date(value: str, tz: str, name: str = "date", now: datetime | None = None) -> date:
    """A `YYYY-MM-DD` date, or an ISO datetime / epoch seconds taken in `tz` (clients send all three), within
    EARLIEST_DATE .. latest_date; errors name the parameter `name`."""
    return check_date(_parse_date(value.strip(), tz, name), name, tz, now)


def _parse_date(text: str, tz: str, name: str) -> date:
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
        return parsed.astimezone(ZoneInfo(tz)).date() if parsed.tzinfo else parsed.date()
    except (ValueError, OverflowError) as exc:  # OverflowError: a datetime at the edge of year 1 or 9999
        raise InvalidFields({name: [f"Invalid date: {text[:64]!r}; use YYYY-MM-DD."]}) from exc
