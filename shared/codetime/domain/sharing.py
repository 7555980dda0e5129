"""What a user shares publicly, and what a public reader may see of their stats. Pure rules, no I/O.

One set of settings (Wakapi's "Public Data": a longest range and a switch per dimension) answers every public read:
the stats routes now, public profiles and leaderboards later.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from codetime.domain.errors import Forbidden, InvalidInput
from codetime.domain.names import DIMENSIONS, PLURAL

MAX_SHARED_DAYS = 3660  # ten years; -1 means any range
# Stats lists a user can share, by setting name (share_<list>); anything else is never public.
SHAREABLE = tuple(PLURAL[dim] for dim in ("project", "language", "editor", "operating_system", "machine", "category"))
# A filter narrows to one value of a dimension: allowed to a public reader only on a dimension shared.
_FILTER_LISTS = {dim: PLURAL[dim] for dim in DIMENSIONS if dim != "branch"}
# Lists of a stats answer that are never public: file paths, branch names, dependencies.
_PRIVATE_LISTS = ("entities", "branches", "dependencies")


class NotShared(Forbidden):
    """The data asked for is not shared publicly (or there is no such user: the answer does not tell)."""


class InvalidSharing(InvalidInput):
    pass


@dataclass(frozen=True, slots=True)
class Sharing:
    max_days: int = 0  # 0 nothing public, -1 any range, N ranges of at most N days
    lists: frozenset[str] = frozenset()  # members of SHAREABLE

    @property
    def coding_activity(self) -> bool:
        """Totals (time coded) are public."""
        return self.max_days != 0

    @property
    def anything(self) -> bool:
        """Some list is public too (Wakapi's AnyDataShared, WakaTime's is_other_usage_visible)."""
        return self.coding_activity and bool(self.lists)

    def shares(self, name: str) -> bool:
        return self.coding_activity and name in self.lists


def validate_max_days(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not -1 <= value <= MAX_SHARED_DAYS:
        raise InvalidSharing(f"share_data_max_days is -1 (any range), 0 (nothing public) or 1 to {MAX_SHARED_DAYS}.")
    return value


def check_public_range(sharing: Sharing, start: date, end: date, *, unbounded: bool = False) -> None:
    """A public reader may read a range of at most max_days days (as Wakapi: the range's own length). An unbounded
    range (all time) needs -1, whatever the history's length, as Wakapi's `any`: the answer must not depend on it."""
    if not sharing.coding_activity:
        raise NotShared("This user's stats are not shared publicly.")
    too_long = unbounded or (end - start).days + 1 > sharing.max_days
    if sharing.max_days > 0 and too_long:
        raise NotShared("The requested time range is longer than this user shares publicly.")


def check_public_filters(sharing: Sharing, filters: dict[str, str | None]) -> None:
    """A filter on a list the user does not share would tell its values (time > 0 or not): refused."""
    for name, value in filters.items():
        if value is not None and not sharing.shares(_FILTER_LISTS.get(name, "")):
            raise NotShared(f"Filtering by {name} needs that list to be shared publicly.")


def shared_lists(data: dict[str, Any], sharing: Sharing) -> dict[str, Any]:
    """A stats `data` or one day of summaries as a public reader may see it: lists not shared, and private ones
    (entities, branches, dependencies), are empty."""
    visible = dict(data)
    for name in (*SHAREABLE, *_PRIVATE_LISTS):
        if name in visible and not sharing.shares(name):
            visible[name] = []
    return visible


def check_public_branches(branches: list[str] | None) -> None:
    """Branch names are never public: a branch filter would tell whether one exists."""
    if branches:
        raise NotShared("Branches are never shared publicly.")


def public_stats(data: dict[str, Any], sharing: Sharing) -> dict[str, Any]:
    """A stats `data` object as a public reader may see it: lists not shared, and private ones, are empty."""
    visible = shared_lists(data, sharing)
    visible["is_coding_activity_visible"] = sharing.coding_activity
    visible["is_other_usage_visible"] = sharing.anything
    return visible
