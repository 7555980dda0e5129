"""WakaTime's JSON shapes for time totals (summaries, statusbar/today, all_time_since_today).

Pure functions, no I/O. Every rule here was checked against live wakatime.com captures
(`tests/fixtures/wakatime-live/`) and wakatime-cli's test data (`tests/fixtures/wakatime-cli/`);
`tests/unit/test_wakatime_format.py` recomputes every item of those files from its `total_seconds`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

# WakaTime serialises seconds with at most 6 decimals (e.g. 16592.463995, 89097.599001 for a sum).
_SECONDS_DECIMALS = 6
_ISO_UTC = "%Y-%m-%dT%H:%M:%SZ"


def _clean_seconds(total_seconds: float) -> float:
    # Round as WakaTime serialises; always a float, since fixtures show "total_seconds": 0.0, not 0.
    value = float(total_seconds)
    if not math.isfinite(value) or value < 0:
        raise ValueError(f"total_seconds must be a finite number >= 0, got {total_seconds!r}")
    return round(value, _SECONDS_DECIMALS)


def _plural(count: int, unit: str) -> str:
    return f"{count} {unit}" if count == 1 else f"{count} {unit}s"


def duration_parts(total_seconds: float) -> dict[str, int]:
    """Split seconds into truncated whole hours, minutes and seconds (hours are not capped at 24)."""
    # Truncate the 6-decimal value WakaTime shows, so parts always agree with the serialised total_seconds.
    whole = int(_clean_seconds(total_seconds))
    return {"hours": whole // 3600, "minutes": whole % 3600 // 60, "seconds": whole % 60}


def _decimal(hours: int, minutes: int) -> str:
    # WakaTime's "decimal" is truncated hours + truncated minutes / 60, NOT total_seconds / 3600
    # (21839.291 s -> "6.05", not "6.07"). minutes*100/60 never ends in exactly .5, so rounding
    # half-up in integers equals any other rounding mode.
    hundredths = (minutes * 100 + 30) // 60
    return f"{hours}.{hundredths:02d}"


def human_text(total_seconds: float) -> str:
    """WakaTime's "text": "6 hrs 3 mins", "1 hr", "38 mins", "1 min", "51 secs", "0 secs"."""
    parts = duration_parts(total_seconds)
    hours, minutes, seconds = parts["hours"], parts["minutes"], parts["seconds"]
    if hours:
        # Seconds are dropped once there is an hour; zero minutes are omitted ("6 hrs").
        return _plural(hours, "hr") + (f" {_plural(minutes, 'min')}" if minutes else "")
    if minutes:
        return _plural(minutes, "min")
    return _plural(seconds, "sec")


def _hm_digital(hours: int, minutes: int) -> str:
    return f"{hours}:{minutes:02d}"


def grand_total(total_seconds: float) -> dict[str, Any]:
    """A day's (or statusbar's) `grand_total`: digital is H:MM, no seconds field."""
    seconds = _clean_seconds(total_seconds)
    parts = duration_parts(seconds)
    hours, minutes = parts["hours"], parts["minutes"]
    # Key order as in the live captures.
    return {
        "hours": hours,
        "minutes": minutes,
        "total_seconds": seconds,
        "digital": _hm_digital(hours, minutes),
        "decimal": _decimal(hours, minutes),
        "text": human_text(seconds),
    }


def _percent(total_seconds: float, grand_total_seconds: float) -> float | int:
    if grand_total_seconds <= 0:
        # Live data: a dimension whose items sum to 0 has "percent": 0 (an int), while a 0 s item
        # beside non-zero ones has 0.0. WakaTime evidently skips the division; so do we.
        return 0
    return round(total_seconds / grand_total_seconds * 100, 2)


def summary_item(name: str, total_seconds: float, grand_total_seconds: float) -> dict[str, Any]:
    """One item of a dimension list; percent is relative to `grand_total_seconds`, 2 decimals."""
    seconds = _clean_seconds(total_seconds)
    parts = duration_parts(seconds)
    hours, minutes, secs = parts["hours"], parts["minutes"], parts["seconds"]
    return {
        "name": name,
        "total_seconds": seconds,
        "digital": f"{hours}:{minutes:02d}:{secs:02d}",
        "decimal": _decimal(hours, minutes),
        "text": human_text(seconds),
        "hours": hours,
        "minutes": minutes,
        "seconds": secs,
        "percent": _percent(seconds, _clean_seconds(grand_total_seconds)),
    }


def summary_items(totals: Mapping[str, float]) -> list[dict[str, Any]]:
    """All items of one dimension, by total_seconds descending; percent of the mapping's sum."""
    cleaned = {name: _clean_seconds(seconds) for name, seconds in totals.items()}
    # The percent base is the dimension's own sum, not the day's grand total: dependencies in the
    # live data sum to more than the day (a heartbeat lists several) and still add up to 100 %.
    dimension_total = sum(cleaned.values())
    # Ties: the live captures show equal totals in an order that no function of the name can produce
    # (pairs flip between days), so WakaTime's tie order is unknowable here; we break ties by name
    # so the output does not depend on how the caller built the mapping.
    ordered = sorted(cleaned.items(), key=lambda kv: (-kv[1], kv[0]))
    return [summary_item(name, seconds, dimension_total) for name, seconds in ordered]


def day_bounds_utc(day: date, tz: str) -> tuple[datetime, datetime]:
    """First and last second (inclusive, UTC) of `day` in the IANA zone `tz`."""
    zone = ZoneInfo(tz)
    start = datetime.combine(day, time.min, tzinfo=zone)
    # From the next local midnight, not start + 24 h, so DST days of 23/25 hours end at 23:59:59 local.
    next_start = datetime.combine(day + timedelta(days=1), time.min, tzinfo=zone)
    return start.astimezone(UTC), (next_start - timedelta(seconds=1)).astimezone(UTC)


def _ordinal(n: int) -> str:
    suffix = "th" if 11 <= n % 100 <= 13 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def day_text(day: date) -> str:
    """WakaTime's date text: "Tue Aug 18th 2026", "Sat Aug 1st 2026", "Wed Jul 22nd 2026"."""
    # Names are fixed English, not strftime's locale-dependent %a/%b.
    weekday = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")[day.weekday()]
    month = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")[day.month - 1]
    return f"{weekday} {month} {_ordinal(day.day)} {day.year}"


def range_info(day: date, tz: str) -> dict[str, str]:
    """Per-day `range` of summaries: local midnight to 23:59:59 as ISO UTC with a trailing Z."""
    start, end = day_bounds_utc(day, tz)
    return {
        "start": start.strftime(_ISO_UTC),
        "end": end.strftime(_ISO_UTC),
        "date": day.isoformat(),
        "text": day_text(day),
        "timezone": tz,
    }


def cumulative_total(total_seconds: float) -> dict[str, Any]:
    """Summaries' `cumulative_total`: the sum of the days, digital H:MM (hours past 24, e.g. "65:41")."""
    seconds = _clean_seconds(total_seconds)
    parts = duration_parts(seconds)
    hours, minutes = parts["hours"], parts["minutes"]
    return {
        "seconds": seconds,
        "text": human_text(seconds),
        "digital": _hm_digital(hours, minutes),
        "decimal": _decimal(hours, minutes),
    }


def daily_average(
    total_seconds: float,
    days_including_holidays: int,
    days_with_activity: int,
    *,
    other_language_seconds: float = 0.0,
) -> dict[str, Any]:
    """Summaries' `daily_average`: the range's total over the days with any activity.

    `other_language_seconds` is the range's time in the language "Other", which WakaTime leaves
    out of "seconds"/"text" but keeps in "*_including_other_language" (0 when not known).
    """
    if days_with_activity < 0 or days_including_holidays < days_with_activity:
        raise ValueError("need 0 <= days_with_activity <= days_including_holidays")
    total = _clean_seconds(total_seconds)
    other = _clean_seconds(other_language_seconds)

    def average(seconds: float) -> int:
        # Whole seconds. Divisor is days_minus_holidays ("holidays" = days without activity: the month
        # capture has 12 empty days and divides by 18). Rounded to nearest: summaries fixtures cannot
        # tell round from truncate (all fractions < .5), all_time_since_today's 12188.76 -> 12189.0 can.
        # With no active day WakaTime's value is unseen; 0 avoids a division by zero.
        return round(max(seconds, 0.0) / days_with_activity) if days_with_activity else 0

    with_other = average(total)
    without_other = average(total - other)
    return {
        "holidays": days_including_holidays - days_with_activity,
        "days_minus_holidays": days_with_activity,
        "days_including_holidays": days_including_holidays,
        "seconds": without_other,
        "seconds_including_other_language": with_other,
        "text": human_text(without_other),
        "text_including_other_language": human_text(with_other),
    }
