"""org.presence for live updates (README "Live updates"): who may subscribe (members of the organization, viewers
included), whose writes publish it (the members who share their activity), and what it shows: who is coding now and
on what, and the team's time today, each member's privacy and join day applied as the team reads apply them
(services/orgs.py, domain/orgs.py)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from codetime.db import get_pool
from codetime.domain import orgs as rules
from codetime.domain.names import display_name
from codetime.domain.ranges import today_in
from codetime.repositories.orgs import Member, OrgRepository
from codetime.repositories.users import User, UserRepository
from codetime.services import aggregation
from codetime.services.orgs import ORG

# "Coding now": a heartbeat within the default keystroke timeout.
CODING_WINDOW = timedelta(minutes=15)


def _org_id(org: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(org)
    except ValueError:
        return None


class OrgPresence:
    """services.live.OrgAccess over organizations."""

    def orgs_of(self, user_id: uuid.UUID) -> list[str]:
        with get_pool().connection() as conn:
            found = OrgRepository(conn).memberships(user_id, ORG)
        return [str(m.group.id) for m in found if m.role in rules.SHARING_ROLES]

    def may_view_presence(self, user: User, org_id: str) -> bool:
        group_id = _org_id(org_id)
        if group_id is None:
            return False
        with get_pool().connection() as conn:
            return OrgRepository(conn).membership(user.id, group_id, ORG) is not None

    def presence(self, org_id: str) -> dict[str, Any]:
        group_id = _org_id(org_id)
        with get_pool().connection() as conn:
            repo = OrgRepository(conn)
            members = [m for m in repo.members(group_id) if m.role in rules.SHARING_ROLES] if group_id else []
            found = repo.membership(members[0].user_id, group_id, ORG) if members else None
            users = UserRepository(conn).get_many([m.user_id for m in members])
        patterns = found.group.patterns if found else []
        now = datetime.now(UTC)
        shown = [_member(m, users[m.user_id], patterns, now) for m in members if m.user_id in users]
        return {
            "org": org_id,
            "members": shown,
            "coding_now": sum(1 for m in shown if m["coding"]),
            "total_seconds_today": round(sum(m["today_seconds"] for m in shown), 6),
        }


def _member(member: Member, user: User, patterns: list[str], now: datetime) -> dict[str, Any]:
    tz = user.effective_timezone
    today = today_in(tz)
    visible = rules.first_visible_day(member.joined_at, tz) <= today  # a team never sees the join day's earlier hours
    last = user.last_heartbeat_at if visible else None
    coding = last is not None and now - last <= CODING_WINDOW
    seconds = 0.0
    if visible:
        totals = aggregation.range_totals(user, today, today)
        if member.privacy == "matching":
            seconds = sum(s for name, s in totals.values["project"].items() if _matches(patterns, name))
        else:
            seconds = totals.total
    project = user.last_project if coding else None
    if project is not None and (member.privacy == "totals" or
                                (member.privacy == "matching" and not _matches(patterns, project))):  # fmt: skip
        project = None
    return {
        "member_id": str(member.id),
        "user": {"id": str(user.id), "username": user.username, "display_name": user.display_name or user.username},
        "coding": coding,
        "last_heartbeat_at": last.astimezone(UTC).isoformat().replace("+00:00", "Z") if last else None,
        "project": display_name("project", project) if project is not None else None,
        "today_seconds": round(seconds, 6),
    }


def _matches(patterns: list[str], stored_project: str) -> bool:
    return rules.project_matches(patterns, display_name("project", stored_project))
