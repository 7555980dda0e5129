"""Wakapi's duration texts ("0 hrs 2 mins"), for the reads served on Wakapi's paths.

Pure functions, no I/O. Wakapi writes every duration text of its WakaTime-compatible reads with
`helpers.FmtWakatimeDuration` (all_time_since_today's `text`; summaries' and statusbar's `grand_total.text`,
`cumulative_total.text`, `daily_average.text` and each item's `text`; stats' `human_readable_total`,
`human_readable_daily_average` and each item's `text`): the duration rounded to the minute, always as
"<hours> hrs <minutes> mins".
"""

from __future__ import annotations

import math
from typing import Any

# Human-readable field -> the seconds field it is written from, beside it in the same object.
_READABLE = {
    "human_readable_total": "total_seconds",
    "human_readable_total_including_other_language": "total_seconds_including_other_language",
    "human_readable_daily_average": "daily_average",
    "human_readable_daily_average_including_other_language": "daily_average_including_other_language",
    "text_including_other_language": "seconds_including_other_language",
}


def wakapi_duration(total_seconds: float) -> str:
    """Wakapi's text: "0 hrs 2 mins", "1 hrs 0 mins" (Go's Duration.Round(time.Minute): half away from zero)."""
    seconds = float(total_seconds)
    if not math.isfinite(seconds) or seconds < 0:
        raise ValueError(f"total_seconds must be a finite number >= 0, got {total_seconds!r}")
    minutes = math.floor(seconds / 60 + 0.5)
    return f"{minutes // 60} hrs {minutes % 60} mins"


def with_wakapi_texts(value: Any) -> Any:
    """The same JSON value with every duration text rewritten from its seconds in Wakapi's format (in place)."""
    if isinstance(value, list):
        for item in value:
            with_wakapi_texts(item)
    elif isinstance(value, dict):
        # A duration text sits beside its seconds: `total_seconds` (items, grand_total, best_day, all-time) or
        # `seconds` (cumulative_total, daily_average). A `text` without them (a day's range) is not a duration.
        seconds_field = "total_seconds" if "total_seconds" in value else "seconds" if "seconds" in value else None
        if "text" in value and seconds_field is not None and _is_number(value[seconds_field]):
            value["text"] = wakapi_duration(value[seconds_field])
        for readable, source in _READABLE.items():
            if readable in value and _is_number(value.get(source)):
                value[readable] = wakapi_duration(value[source])
        for item in value.values():
            if isinstance(item, dict | list):
                with_wakapi_texts(item)
    return value


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)
