"""WakaTime's arithmetic: how a day's heartbeats become durations.

Sorted by time, each gap of at most the keystroke timeout counts and belongs to the earlier heartbeat; a longer
gap, the last heartbeat and a lone heartbeat count 0 (no padding); adjacent spans with the same value merge.
The writer's SQL (repositories/aggregates.py) implements the same rule for the pre-aggregated totals.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass
from typing import Any


@dataclass(slots=True)
class Duration:
    time: float
    duration: float
    value: Hashable
    first: Any  # the heartbeat that opened this duration (for fields other than the slice value)


def compute_durations(
    heartbeats: Sequence[Any],
    timeout_seconds: float,
    key: Callable[[Any], Hashable],
    time_of: Callable[[Any], float] = lambda hb: hb.time,
) -> list[Duration]:
    """Durations of already time-sorted heartbeats, sliced by `key(heartbeat)`."""
    durations: list[Duration] = []
    open_span = False
    for index, hb in enumerate(heartbeats):
        t = time_of(hb)
        gap = time_of(heartbeats[index + 1]) - t if index + 1 < len(heartbeats) else None
        counts = gap is not None and gap <= timeout_seconds
        value = key(hb)
        if open_span and durations[-1].value == value:
            durations[-1].duration += gap if counts else 0.0
        else:
            durations.append(Duration(time=t, duration=gap if counts else 0.0, value=value, first=hb))
        open_span = counts
    return durations
