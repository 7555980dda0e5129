"""Teams: roles, what each role may do, and what a member's privacy lets a team see (pure rules)."""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Sequence
from datetime import date, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from codetime.domain.errors import Forbidden, InvalidInput

ROLES = ("owner", "admin", "member", "viewer")
INVITE_ROLES = ("admin", "member", "viewer")
# What a member shares with the group: every project, only projects matching the group's patterns, or totals only.
PRIVACY = ("all", "matching", "totals")
# Breakdowns a totals-only member never shows: they name projects, files or machines.
NAMED_DIMENSIONS = frozenset({"project", "entity", "branch", "machine", "dependencies"})
# Roles whose own activity is part of team views (viewers see dashboards but share no data).
SHARING_ROLES = ("owner", "admin", "member")
MAX_PATTERNS = 50
MAX_PATTERN_LENGTH = 200
MAX_GROUPS_PER_USER = 100
MAX_MEMBERS = 10_000


def first_visible_day(joined_at: datetime, tz: str) -> date:
    """The join-day rule: the first local day (in the member's timezone `tz`) a group sees of a member is the first
    full day after they joined. The join day's earlier hours are theirs alone, and the aggregates are per day, so
    the join day itself is never shown. Every team read applies it (dashboards, live presence, private
    leaderboards)."""
    return joined_at.astimezone(ZoneInfo(tz)).date() + timedelta(days=1)


def can_manage(role: str) -> bool:
    """Invite, remove members, change roles, edit dashboards and patterns."""
    return role in ("owner", "admin")


def require_manager(role: str) -> None:
    if not can_manage(role):
        raise Forbidden("Only the organization's owner or an admin can do this.")


def require_owner(role: str) -> None:
    if role != "owner":
        raise Forbidden("Only the organization's owner can do this.")


def sees_every_dashboard(role: str) -> bool:
    """Owners, admins and viewers see all dashboards; a member sees the dashboards they are on."""
    return role != "member"


def check_role_change(actor: str, target: str, new_role: str) -> None:
    """An admin manages members and viewers; only the owner makes or unmakes admins; nobody becomes owner here."""
    require_manager(actor)
    if new_role not in INVITE_ROLES:
        raise InvalidInput(f"role must be one of: {', '.join(INVITE_ROLES)}.")
    if target == "owner":
        raise Forbidden("The owner's role cannot be changed.")
    if "admin" in (target, new_role) and actor != "owner":
        raise Forbidden("Only the owner can make or unmake admins.")


def check_removal(actor: str, target: str, *, self_removal: bool) -> None:
    """Anyone but the owner may leave; an admin removes members and viewers, the owner anyone but themselves."""
    if target == "owner":
        raise Forbidden("The owner cannot leave or be removed; delete the organization instead.")
    if self_removal:
        return
    require_manager(actor)
    if target == "admin" and actor != "owner":
        raise Forbidden("Only the owner can remove an admin.")


def check_invite_role(actor: str, role: str) -> None:
    require_manager(actor)
    if role not in INVITE_ROLES:
        raise InvalidInput(f"role must be one of: {', '.join(INVITE_ROLES)}.")
    if role == "admin" and actor != "owner":
        raise Forbidden("Only the owner can invite admins.")


def normalize_patterns(patterns: Sequence[str]) -> list[str]:
    """Project patterns (shell-style, case-insensitive: `acme-*`), deduplicated, bounded."""
    out: list[str] = []
    for pattern in patterns:
        pattern = pattern.strip()
        if not pattern or len(pattern) > MAX_PATTERN_LENGTH:
            raise InvalidInput(f"Each pattern must have 1 to {MAX_PATTERN_LENGTH} characters.")
        if pattern not in out:
            out.append(pattern)
    if len(out) > MAX_PATTERNS:
        raise InvalidInput(f"At most {MAX_PATTERNS} patterns.")
    return out


@lru_cache(maxsize=1024)
def _compiled(patterns: tuple[str, ...]) -> re.Pattern[str] | None:
    # fnmatch's translation has no nested quantifiers (runs of `*` collapse): linear matching, no backtracking blowup.
    if not patterns:
        return None
    return re.compile("|".join(f"(?:{fnmatch.translate(p.lower())})" for p in patterns))


def project_matches(patterns: Sequence[str], project: str) -> bool:
    """Whether a project's display name matches one of the group's patterns (no patterns: none matches)."""
    compiled = _compiled(tuple(patterns))
    return compiled is not None and compiled.match(project.lower()) is not None
