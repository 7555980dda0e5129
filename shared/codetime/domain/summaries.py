"""One day of WakaTime's summary, built from that day's aggregate rows (shared by the writer and reads)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from codetime.domain import ai
from codetime.domain import wakatime_format as fmt
from codetime.domain.names import DIMENSIONS, PLURAL, display_name

# Dimension -> key in WakaTime's per-day summary, in WakaTime's key order (branches only per project).
SUMMARY_KEYS = {
    dim: PLURAL[dim] for dim in ("category", "editor", "language", "machine", "operating_system", "project")
}
# The dimensions whose items carry AI keys in WakaTime's summaries (the live capture: projects and editors).
AI_DIMENSIONS = ("editor", "project")
__all__ = ["DIMENSIONS", "SUMMARY_KEYS", "TotalsRow", "build_day", "day_seconds"]


@dataclass(frozen=True, slots=True)
class TotalsRow:
    """Seconds of one (day, project, language, editor, OS, machine, branch, category); '' means none."""

    day: date
    project: str
    language: str
    editor: str
    operating_system: str
    machine: str
    branch: str
    category: str
    seconds: float


def build_day(
    day: date, tz: str, rows: Iterable[TotalsRow], dependencies: Mapping[str, float],
    entities: Mapping[str, float] | None = None, with_branches: bool = False, ai_rows: Iterable[ai.AiRow] = (),
) -> dict[str, Any]:  # fmt: skip
    """The summary of one day; `entities`/`with_branches` add WakaTime's per-project lists; `ai_rows` (the day's
    AI sums) give grand_total WakaTime's AI keys (zeros when there are none, as WakaTime) and, on a day with AI
    activity, each project and editor item too (a day without any keeps its items as small as before)."""
    totals: dict[str, dict[str, float]] = {dim: defaultdict(float) for dim in (*SUMMARY_KEYS, "branch")}
    seconds = 0.0
    for row in rows:
        seconds += row.seconds
        for dim in SUMMARY_KEYS:
            totals[dim][display_name(dim, getattr(row, dim))] += row.seconds
        if with_branches and row.branch:
            totals["branch"][row.branch] += row.seconds
    ai_rows = list(ai_rows)
    item: dict[str, Any] = {"grand_total": {**fmt.grand_total(seconds), **ai.summary_keys(ai.figures(ai_rows))}}
    for dim, key in SUMMARY_KEYS.items():
        item[key] = fmt.summary_items(totals[dim])
        if ai_rows and dim in AI_DIMENSIONS:  # items carry AI keys on days with AI activity (README)
            by_name: dict[str, list[ai.AiRow]] = defaultdict(list)
            for row in ai_rows:
                by_name[display_name(dim, getattr(row, dim))].append(row)
            for entry in item[key]:
                entry.update(ai.summary_keys(ai.figures(by_name.get(entry["name"], ()))))
    item["dependencies"] = fmt.summary_items(dependencies)
    if with_branches:
        item["branches"] = fmt.summary_items(totals["branch"])
    if entities is not None:
        item["entities"] = fmt.summary_items(entities)
    item["range"] = fmt.range_info(day, tz)
    return item


def day_seconds(rows: Iterable[TotalsRow]) -> tuple[float, float]:
    """(total, time in no known language) of a day's rows: what daily_average needs."""
    total = other = 0.0
    for row in rows:
        total += row.seconds
        if not row.language:
            other += row.seconds
    return total, other
