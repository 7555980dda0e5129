"""Organizations and private leaderboards: groups of users with roles, invites, dashboards, and the team reads.

Both are rows of `organizations` (kind 'org' or 'leaderboard') and share membership, invites, leaving and removal.
Every read checks the caller's membership in the database first (an outsider gets 404, as for an unknown id), then
serves a cached result versioned by the group and by each member's own data (services/cache_keys.cached_team), so a
removed member, a privacy change or a new heartbeat never serves an old answer. Totals come through
services/aggregation.py; each member's privacy (domain/orgs.py) is applied before anything leaves this module.
"""

from __future__ import annotations

import hashlib
import secrets
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from typing import Any

from codetime.db import get_pool
from codetime.domain import orgs as rules
from codetime.domain import wakatime_format as fmt
from codetime.domain.errors import Conflict, InvalidInput, NotFound
from codetime.domain.names import display_name
from codetime.domain.ranges import today_in
from codetime.domain.summaries import TotalsRow, build_day
from codetime.repositories.orgs import Dashboard, Group, Invite, Member, Membership, OrgRepository
from codetime.repositories.users import User, UserRepository
from codetime.services import aggregation
from codetime.services.cache_keys import JsonPayload, cached_team, dumps, invalidate_group
from codetime.services.summaries import build_durations, check_range

ORG, BOARD = "org", "leaderboard"
KIND_NAMES = {ORG: "organization", BOARD: "leaderboard"}
INVITE_PREFIX = "ct_inv_"
MAX_INVITE_DAYS = 90
MAX_DASHBOARDS = 100
LEADERBOARD_DAYS = 7


def _repo_call(fn: Callable[[OrgRepository], Any]) -> Any:
    with get_pool().connection() as conn:
        return fn(OrgRepository(conn))


def _iso(moment: datetime | None) -> str | None:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ") if moment else None


def _code_hash(code: str) -> bytes:
    return hashlib.sha256(code.strip().encode()).digest()


def _membership(repo: OrgRepository, user: User, kind: str, group_id: uuid.UUID) -> Membership:
    """The caller's membership; a group they are not in is 'not found' (its existence is not revealed)."""
    found = repo.membership(user.id, group_id, kind)
    if found is None:
        raise NotFound(f"No such {KIND_NAMES[kind]}.")
    return found


# ------------------------------------------------------------------------------------------- shapes


def group_json(m: Membership) -> dict[str, Any]:
    """An organization (WakaTime's org object) or a private leaderboard, with the caller's role and privacy."""
    item: dict[str, Any] = {
        "id": str(m.group.id),
        "name": m.group.name,
        "display_name": m.group.name,
        "created_at": _iso(m.group.created_at),
        "modified_at": _iso(m.group.modified_at),
        "member_id": str(m.member_id),
        "role": m.role,
        "privacy": m.privacy,
        "joined_at": _iso(m.joined_at),
        "can_manage": rules.can_manage(m.role),
        "is_owner": m.role == "owner",
    }
    if m.group.kind == ORG:
        item["project_patterns"] = m.group.patterns
    return item


def member_json(member: Member, *, with_email: bool) -> dict[str, Any]:
    """A member as WakaTime's dashboard member object; e-mail only for the group's managers."""
    user = {
        "id": str(member.user_id),
        "username": member.username,
        "display_name": member.display_name or member.username,
        "full_name": member.display_name,
    }
    if with_email:
        user["email"] = member.email
    return {
        "id": str(member.id),
        "user": user,
        "role": member.role,
        "privacy": member.privacy,
        "joined_at": _iso(member.joined_at),
        "is_view_only": member.role == "viewer",
        "username": member.username,
        "full_name": member.display_name,
    }


def invite_json(invite: Invite, code: str | None = None) -> dict[str, Any]:
    item: dict[str, Any] = {
        "id": str(invite.id),
        "email": invite.email,
        "role": invite.role,
        "max_uses": invite.max_uses,
        "uses": invite.uses,
        "expires_at": _iso(invite.expires_at),
        "created_at": _iso(invite.created_at),
        "kind": "email" if invite.email else "code",
    }
    if code is not None:
        item["code"] = code  # shown once, when made
    return item


def dashboard_json(d: Dashboard) -> dict[str, Any]:
    return {
        "id": str(d.id),
        "name": d.name,
        "full_name": d.name,
        "members_count": d.members_count,
        "created_at": _iso(d.created_at),
        "timezone": None,
    }


def paged(items: list[dict[str, Any]]) -> dict[str, Any]:
    """WakaTime's list envelope (one page: lists are bounded)."""
    return {"data": items, "total": len(items), "total_pages": 1, "page": 1, "prev_page": None, "next_page": None}


# ------------------------------------------------------------------------------------------- groups


def create(user: User, kind: str, name: str, patterns: Iterable[str] = ()) -> dict[str, Any]:
    """A new organization or private leaderboard, the caller its owner."""
    name = _name(name)
    clean = rules.normalize_patterns(list(patterns)) if kind == ORG else []
    with get_pool().connection() as conn:
        repo = OrgRepository(conn)
        if repo.count_for_user(user.id) >= rules.MAX_GROUPS_PER_USER:
            raise Conflict(f"At most {rules.MAX_GROUPS_PER_USER} organizations and leaderboards per user.")
        return group_json(repo.create(kind, name, clean, user.id))


def _name(name: str) -> str:
    name = " ".join(name.split())
    if not 1 <= len(name) <= 100:
        raise InvalidInput("name must have 1 to 100 characters.")
    return name


def list_groups(user: User, kind: str) -> list[dict[str, Any]]:
    return [group_json(m) for m in _repo_call(lambda repo: repo.memberships(user.id, kind))]


def all_groups(kind: str) -> list[tuple[Group, int, str]]:
    """Every group of one kind with its member count and owner's username (`codetime orgs list`)."""
    return _repo_call(lambda repo: repo.all_groups(kind))


def owner_of(kind: str, group_id: uuid.UUID) -> User | None:
    """The group's owner (the CLI acts on their behalf)."""
    with get_pool().connection() as conn:
        owner = OrgRepository(conn).owner(group_id, kind)
        return UserRepository(conn).get(owner) if owner else None


def get_group(user: User, kind: str, group_id: uuid.UUID) -> dict[str, Any]:
    return group_json(_repo_call(lambda repo: _membership(repo, user, kind, group_id)))


def update(
    user: User, kind: str, group_id: uuid.UUID, *, name: str | None = None, patterns: list[str] | None = None
) -> dict[str, Any]:
    """Rename (owner) or change the project patterns (owner or admin)."""
    changes: dict[str, object] = {}
    with get_pool().connection() as conn:
        repo = OrgRepository(conn)
        m = _membership(repo, user, kind, group_id)
        if name is not None:
            rules.require_owner(m.role)
            changes["name"] = _name(name)
        if patterns is not None:
            if kind != ORG:
                raise InvalidInput("Only organizations have project patterns.")
            rules.require_manager(m.role)
            changes["patterns"] = rules.normalize_patterns(patterns)
        repo.update(group_id, changes)
        updated = _membership(repo, user, kind, group_id)
    if "patterns" in changes:
        invalidate_group(group_id)
    return group_json(updated)


def delete(user: User, kind: str, group_id: uuid.UUID) -> None:
    with get_pool().connection() as conn:
        repo = OrgRepository(conn)
        rules.require_owner(_membership(repo, user, kind, group_id).role)
        repo.delete(group_id)
    invalidate_group(group_id)


def current_org(user: User, org: str | None = None) -> Membership:
    """The organization `/api/v1/organization` means: the one named by `org` (an id), else the one the caller
    joined (or created) most recently."""
    with get_pool().connection() as conn:
        repo = OrgRepository(conn)
        if org:
            try:
                return _membership(repo, user, ORG, uuid.UUID(org))
            except ValueError:
                raise InvalidInput("org must be an organization id.") from None
        found = repo.memberships(user.id, ORG)
    if not found:
        raise NotFound("You are not a member of any organization.")
    return found[0]


def organization_details(user: User, org: str | None = None) -> dict[str, Any]:
    """The current organization with its members (e-mails for managers) and dashboards visible to the caller."""
    m = current_org(user, org)
    with get_pool().connection() as conn:
        repo = OrgRepository(conn)
        members = repo.members(m.group.id)
        dashboards = _visible_dashboards(repo, m)
    manager = rules.can_manage(m.role)
    return {
        **group_json(m),
        "members": [member_json(x, with_email=manager) for x in members],
        "dashboards": [dashboard_json(d) for d in dashboards],
    }


# ------------------------------------------------------------------------------------------- members and invites


def members(user: User, kind: str, group_id: uuid.UUID) -> list[dict[str, Any]]:
    with get_pool().connection() as conn:
        repo = OrgRepository(conn)
        m = _membership(repo, user, kind, group_id)
        found = repo.members(group_id)
    return [member_json(x, with_email=rules.can_manage(m.role)) for x in found]


def invite(
    user: User,
    kind: str,
    group_id: uuid.UUID,
    *,
    email: str | None = None,
    role: str = "member",
    max_uses: int = 1,
    expires_in_days: int = 7,
) -> dict[str, Any]:
    """Invite by e-mail (the person with that verified e-mail accepts after signing in) or make an invite code
    (usable `max_uses` times for `expires_in_days` days; shown once)."""
    if not 1 <= expires_in_days <= MAX_INVITE_DAYS:
        raise InvalidInput(f"expires_in_days must be 1 to {MAX_INVITE_DAYS}.")
    if kind == BOARD and role == "viewer":
        raise InvalidInput("Leaderboards have no viewers.")
    code = None
    if email is not None:
        email = email.strip().lower()
        if "@" not in email or len(email) > 254:
            raise InvalidInput("email must be an e-mail address.")
        max_uses = 1
    else:
        if not 1 <= max_uses <= rules.MAX_MEMBERS:
            raise InvalidInput(f"max_uses must be 1 to {rules.MAX_MEMBERS}.")
        code = INVITE_PREFIX + secrets.token_urlsafe(18)
    with get_pool().connection() as conn:
        repo = OrgRepository(conn)
        rules.check_invite_role(_membership(repo, user, kind, group_id).role, role)
        if email is not None:
            existing = UserRepository(conn).by_email(email)
            if existing is not None and repo.membership(existing.id, group_id, kind) is not None:
                raise Conflict("That person is a member already.")
        made = repo.add_invite(
            group_id,
            email=email,
            code_hash=_code_hash(code) if code else None,
            role=role,
            max_uses=max_uses,
            lifetime_seconds=expires_in_days * 86400,
        )
    return invite_json(made, code)


def list_invites(user: User, kind: str, group_id: uuid.UUID) -> list[dict[str, Any]]:
    with get_pool().connection() as conn:
        repo = OrgRepository(conn)
        rules.require_manager(_membership(repo, user, kind, group_id).role)
        return [invite_json(i) for i in repo.invites(group_id)]


def revoke_invite(user: User, kind: str, group_id: uuid.UUID, invite_id: uuid.UUID) -> None:
    with get_pool().connection() as conn:
        repo = OrgRepository(conn)
        rules.require_manager(_membership(repo, user, kind, group_id).role)
        if not repo.delete_invite(group_id, invite_id):
            raise NotFound("No such invite.")


def invitations(user: User) -> list[dict[str, Any]]:
    """E-mail invites addressed to the caller's (verified) e-mail, to accept."""
    if not user.email:
        return []
    found = _repo_call(lambda repo: repo.invites_for_email(user.email))
    return [{**invite_json(i), "kind": g.kind, "group": {"id": str(g.id), "name": g.name}} for i, g in found]


def accept(user: User, invite_id: uuid.UUID) -> dict[str, Any]:
    """Accept an e-mail invite addressed to the caller."""
    if not user.email:
        raise NotFound("No such invitation.")
    return _join(user, lambda repo: repo.use_invite(invite_id=invite_id, email=user.email))


def join(user: User, code: str) -> dict[str, Any]:
    """Join with an invite code (an organization's or a private leaderboard's)."""
    code = code.strip()
    if not code.startswith(INVITE_PREFIX) or len(code) > 100:
        raise NotFound("No such invite code, or it expired or was used up.")
    return _join(user, lambda repo: repo.use_invite(code_hash=_code_hash(code)))


def _join(user: User, use: Callable[[OrgRepository], Invite | None]) -> dict[str, Any]:
    with get_pool().connection() as conn, conn.transaction():
        repo = OrgRepository(conn)
        if repo.count_for_user(user.id) >= rules.MAX_GROUPS_PER_USER:
            raise Conflict(f"At most {rules.MAX_GROUPS_PER_USER} organizations and leaderboards per user.")
        used = use(repo)
        if used is None:
            raise NotFound("No such invite, or it expired or was used up.")
        if repo.count_members(used.org_id) >= rules.MAX_MEMBERS:
            raise Conflict(f"At most {rules.MAX_MEMBERS} members.")
        kind = repo.kind_of(used.org_id) or ORG
        if not repo.add_member(used.org_id, user.id, used.role):
            raise Conflict("You are a member already.")
        repo.delete_used_email_invite(used.id)
        joined = _membership(repo, user, kind, used.org_id)
    invalidate_group(used.org_id)
    return group_json(joined)


def set_privacy(user: User, kind: str, group_id: uuid.UUID, privacy: str) -> dict[str, Any]:
    """What the group sees of the caller's data, from now on and for the past alike."""
    if privacy not in rules.PRIVACY:
        raise InvalidInput(f"privacy must be one of: {', '.join(rules.PRIVACY)}.")
    if kind == BOARD and privacy == "matching":
        raise InvalidInput("Leaderboards have no project patterns: they show totals and languages only.")
    with get_pool().connection() as conn:
        repo = OrgRepository(conn)
        m = _membership(repo, user, kind, group_id)
        repo.set_member(m.member_id, {"privacy": privacy})
        updated = _membership(repo, user, kind, group_id)
    invalidate_group(group_id)
    return group_json(updated)


def set_role(user: User, kind: str, group_id: uuid.UUID, member_id: uuid.UUID, role: str) -> dict[str, Any]:
    with get_pool().connection() as conn:
        repo = OrgRepository(conn)
        m = _membership(repo, user, kind, group_id)
        target = _member(repo, group_id, member_id)
        if kind == BOARD and role == "viewer":
            raise InvalidInput("Leaderboards have no viewers.")
        rules.check_role_change(m.role, target.role, role)
        repo.set_member(member_id, {"role": role})
        changed = _member(repo, group_id, member_id)
    invalidate_group(group_id)
    return member_json(changed, with_email=True)


def _member(repo: OrgRepository, group_id: uuid.UUID, member_id: uuid.UUID) -> Member:
    found = repo.member(group_id, member_id)
    if found is None:
        raise NotFound("No such member.")
    return found


def remove_member(user: User, kind: str, group_id: uuid.UUID, member_id: uuid.UUID) -> None:
    """An admin removes a member, or a member leaves (their own id): their data leaves every team view at once."""
    with get_pool().connection() as conn:
        repo = OrgRepository(conn)
        m = _membership(repo, user, kind, group_id)
        target = _member(repo, group_id, member_id)
        rules.check_removal(m.role, target.role, self_removal=target.user_id == user.id)
        repo.remove_member(member_id)
    invalidate_group(group_id)


# ------------------------------------------------------------------------------------------- dashboards


def _visible_dashboards(repo: OrgRepository, m: Membership) -> list[Dashboard]:
    return repo.dashboards(m.group.id, None if rules.sees_every_dashboard(m.role) else m.member_id)


def _dashboard(repo: OrgRepository, m: Membership, dashboard_id: uuid.UUID) -> Dashboard:
    found = repo.dashboard(m.group.id, dashboard_id)
    if found is None or not (
        rules.sees_every_dashboard(m.role) or any(d.id == dashboard_id for d in _visible_dashboards(repo, m))
    ):
        raise NotFound("No such dashboard.")
    return found


def dashboards(user: User, org_id: uuid.UUID) -> list[dict[str, Any]]:
    with get_pool().connection() as conn:
        repo = OrgRepository(conn)
        return [dashboard_json(d) for d in _visible_dashboards(repo, _membership(repo, user, ORG, org_id))]


def create_dashboard(user: User, org_id: uuid.UUID, name: str, member_ids: Iterable[uuid.UUID] = ()) -> dict[str, Any]:
    name = _name(name)
    with get_pool().connection() as conn, conn.transaction():
        repo = OrgRepository(conn)
        m = _membership(repo, user, ORG, org_id)
        rules.require_manager(m.role)
        if repo.count_dashboards(org_id) >= MAX_DASHBOARDS:
            raise Conflict(f"At most {MAX_DASHBOARDS} dashboards per organization.")
        dashboard_id = repo.add_dashboard(org_id, name)
        if dashboard_id is None:
            raise Conflict("The organization has a dashboard of that name.")
        for member_id in member_ids:
            _add_to_dashboard(repo, org_id, dashboard_id, member_id)
        made = repo.dashboard(org_id, dashboard_id)
    invalidate_group(org_id)
    return dashboard_json(made)  # type: ignore[arg-type]


def _add_to_dashboard(repo: OrgRepository, org_id: uuid.UUID, dashboard_id: uuid.UUID, member_id: uuid.UUID) -> None:
    target = _member(repo, org_id, member_id)
    if target.role == "viewer":
        raise InvalidInput("Viewers share no data: they see every dashboard without being on one.")
    repo.add_to_dashboard(dashboard_id, member_id)


def update_dashboard(
    user: User,
    org_id: uuid.UUID,
    dashboard_id: uuid.UUID,
    *,
    name: str | None = None,
    add: Iterable[uuid.UUID] = (),
    remove: Iterable[uuid.UUID] = (),
) -> dict[str, Any]:
    with get_pool().connection() as conn, conn.transaction():
        repo = OrgRepository(conn)
        m = _membership(repo, user, ORG, org_id)
        rules.require_manager(m.role)
        _dashboard(repo, m, dashboard_id)
        if name is not None and not repo.rename_dashboard(dashboard_id, _name(name)):
            raise Conflict("The organization has a dashboard of that name.")
        for member_id in add:
            _add_to_dashboard(repo, org_id, dashboard_id, member_id)
        for member_id in remove:
            if not repo.remove_from_dashboard(dashboard_id, member_id):
                raise NotFound("No such member on this dashboard.")
        changed = repo.dashboard(org_id, dashboard_id)
    invalidate_group(org_id)
    return dashboard_json(changed)  # type: ignore[arg-type]


def delete_dashboard(user: User, org_id: uuid.UUID, dashboard_id: uuid.UUID) -> None:
    with get_pool().connection() as conn:
        repo = OrgRepository(conn)
        m = _membership(repo, user, ORG, org_id)
        rules.require_manager(m.role)
        _dashboard(repo, m, dashboard_id)
        repo.delete_dashboard(dashboard_id)
    invalidate_group(org_id)


# ------------------------------------------------------------------------------------------- team reads


@dataclass(slots=True)
class Team:
    """What a caller may read of one dashboard (or private leaderboard): the group and its sharing members with
    their users (viewers share nothing)."""

    group: Group
    members: list[Member]
    users: dict[uuid.UUID, User]

    @property
    def user_ids(self) -> list[uuid.UUID]:
        return [m.user_id for m in self.members]


def _team(user: User, kind: str, group_id: uuid.UUID, dashboard_id: uuid.UUID | None) -> Team:
    # Two queries on the cached path too (membership, then the dashboard with its members and their users): this
    # is what makes a removal or a role change take effect at once.
    with get_pool().connection() as conn:
        repo = OrgRepository(conn)
        m = _membership(repo, user, kind, group_id)
        if dashboard_id is None:
            found = repo.members(group_id)
            loaded = UserRepository(conn).get_many([x.user_id for x in found])
            pairs = [(x, loaded[x.user_id]) for x in found if x.user_id in loaded]
        else:
            team = repo.dashboard_team(group_id, dashboard_id, m.member_id)
            if team is None or not (rules.sees_every_dashboard(m.role) or team[0]):
                raise NotFound("No such dashboard.")
            pairs = team[1]
    sharing = [(x, u) for x, u in pairs if x.role in rules.SHARING_ROLES]
    return Team(m.group, [x for x, _ in sharing], {u.id: u for _, u in sharing})


def dashboard_members(user: User, org_id: uuid.UUID, dashboard_id: uuid.UUID) -> list[dict[str, Any]]:
    with get_pool().connection() as conn:
        repo = OrgRepository(conn)
        m = _membership(repo, user, ORG, org_id)
        found = repo.dashboard_members(_dashboard(repo, m, dashboard_id).id)
    return [member_json(x, with_email=rules.can_manage(m.role)) for x in found]


def _visible_rows(team: Team, member: Member, rows: list[TotalsRow]) -> list[TotalsRow]:
    """A member's rows as the team may see them (their privacy)."""
    if member.privacy == "matching":
        patterns = team.group.patterns
        return [r for r in rows if rules.project_matches(patterns, display_name("project", r.project))]
    if member.privacy == "totals":
        return [replace(r, project="", branch="", machine="") for r in rows]
    return rows


def _strip_named(item: dict[str, Any]) -> dict[str, Any]:
    for key in ("projects", "entities", "branches", "machines", "dependencies"):
        item.pop(key, None)
    return item


def _range(start: date | None, end: date | None) -> tuple[date, date]:
    """Checked after the membership (an outsider learns nothing from a validation message)."""
    if start is None or end is None:
        raise InvalidInput("Give start and end (YYYY-MM-DD).")
    check_range(start, end)
    return start, end


def _team_member(team: Team, member_id: uuid.UUID) -> Member:
    found = next((x for x in team.members if x.id == member_id), None)
    if found is None:
        raise NotFound("No such member on this dashboard.")
    return found


def _member_days(team: Team, member: Member, start: date, end: date) -> dict[date, list[TotalsRow]]:
    user = team.users[member.user_id]
    first = max(start, rules.first_visible_day(member.joined_at, user.effective_timezone))
    rows = aggregation.team_rows({member.id: (user, first)}, end).get(member.id, [])
    by_day: dict[date, list[TotalsRow]] = defaultdict(list)
    for row in _visible_rows(team, member, rows):
        by_day[row.day].append(row)
    return by_day


def member_summaries(
    user: User, org_id: uuid.UUID, dashboard_id: uuid.UUID, member_id: uuid.UUID, start: date | None, end: date | None
) -> JsonPayload:
    """GET .../dashboards/{dashboard}/members/{member}/summaries: the member's per-day summaries (WakaTime's
    summaries shape, in the member's timezone) as their privacy allows."""
    team = _team(user, ORG, org_id, dashboard_id)
    member = _team_member(team, member_id)
    start, end = _range(start, end)
    tz = team.users[member.user_id].effective_timezone

    def build() -> bytes:
        by_day = _member_days(team, member, start, end)
        days, total = [], 0.0
        for i in range((end - start).days + 1):
            day = start + timedelta(days=i)
            item = build_day(day, tz, by_day.get(day, ()), {})
            days.append(_strip_named(item) if member.privacy == "totals" else item)
            total += sum(r.seconds for r in by_day.get(day, ()))
        first_start, _ = fmt.day_bounds_utc(start, tz)
        _, last_end = fmt.day_bounds_utc(end, tz)
        return dumps(
            {
                "data": days,
                "cumulative_total": fmt.cumulative_total(total),
                "timezone": tz,
                "start": _iso(first_start),
                "end": _iso(last_end),
            }
        )

    params = {"m": member.id, "p": member.privacy, "s": start, "e": end}
    return cached_team(org_id, [member.user_id], "member-summaries", params, build)


def member_durations(
    user: User, org_id: uuid.UUID, dashboard_id: uuid.UUID, member_id: uuid.UUID, day: date | None
) -> JsonPayload:
    """GET .../members/{member}/durations: one day of the member's durations, as their privacy allows (totals only:
    spans without project names) and nothing before they joined."""
    team = _team(user, ORG, org_id, dashboard_id)
    member = _team_member(team, member_id)
    target = team.users[member.user_id]
    tz = target.effective_timezone
    day = day or today_in(tz)
    patterns = team.group.patterns

    def build() -> bytes:
        keep: Callable[[dict[str, Any]], bool] | None = None
        if member.privacy == "matching":

            def keep(hb: dict[str, Any]) -> bool:
                return rules.project_matches(patterns, display_name("project", hb["project"]))

        hidden = day < rules.first_visible_day(member.joined_at, tz)
        return build_durations(
            target, day, "project", None, tz, keep=keep, anonymous=member.privacy == "totals", empty=hidden
        )

    params = {"m": member.id, "p": member.privacy, "d": day}
    return cached_team(org_id, [member.user_id], "member-durations", params, build)


def _member_ref(member: Member) -> dict[str, Any]:
    return {
        "id": str(member.id),
        "user_id": str(member.user_id),
        "username": member.username,
        "display_name": member.display_name or member.username,
    }


# Team totals and leaderboards show projects and languages only: the other dimensions are summed in SQL.
TEAM_DIMENSIONS = ("project", "language")


def _team_totals(team: Team, start: date, end: date) -> dict[uuid.UUID, dict[date, list[TotalsRow]]]:
    firsts = {}
    for x in team.members:
        member_user = team.users[x.user_id]
        firsts[x.id] = (member_user, max(start, rules.first_visible_day(x.joined_at, member_user.effective_timezone)))
    rows = aggregation.team_rows(firsts, end, TEAM_DIMENSIONS)
    out: dict[uuid.UUID, dict[date, list[TotalsRow]]] = {}
    for member in team.members:
        by_day: dict[date, list[TotalsRow]] = defaultdict(list)
        for row in _visible_rows(team, member, rows.get(member.id, [])):
            by_day[row.day].append(row)
        out[member.id] = by_day
    return out


def _breakdown(team: Team, per_member: dict[uuid.UUID, list[TotalsRow]]) -> dict[str, Any]:
    """Totals of some rows per member: grand total, members, projects (not of totals-only members), languages."""
    members, projects, languages = {}, defaultdict(float), defaultdict(float)
    total = 0.0
    for member in team.members:
        rows = per_member.get(member.id, [])
        seconds = sum(r.seconds for r in rows)
        total += seconds
        members[member.id] = seconds
        for row in rows:
            languages[display_name("language", row.language)] += row.seconds
            if member.privacy != "totals":
                projects[display_name("project", row.project)] += row.seconds
    return {
        "grand_total": fmt.grand_total(total),
        "members": [
            {**_member_ref(x), "grand_total": fmt.grand_total(members[x.id])}
            for x in sorted(team.members, key=lambda x: (-members[x.id], x.username))
        ],
        "projects": fmt.summary_items(projects),
        "languages": fmt.summary_items(languages),
    }


def dashboard_summaries(
    user: User, org_id: uuid.UUID, dashboard_id: uuid.UUID, start: date | None, end: date | None
) -> JsonPayload:
    """GET .../dashboards/{dashboard}/summaries: the team's totals per day and over the range, as a whole, per
    member, per project and per language (each member's days in their own timezone)."""
    team = _team(user, ORG, org_id, dashboard_id)
    start, end = _range(start, end)
    tz = user.effective_timezone

    def build() -> bytes:
        totals = _team_totals(team, start, end)
        days = []
        for i in range((end - start).days + 1):
            day = start + timedelta(days=i)
            item = _breakdown(team, {m: by_day.get(day, []) for m, by_day in totals.items()})
            days.append({**item, "range": fmt.range_info(day, tz)})
        whole = _breakdown(team, {m: [r for rows in by_day.values() for r in rows] for m, by_day in totals.items()})
        seconds = whole["grand_total"]["total_seconds"]
        active = sum(1 for d in days if d["grand_total"]["total_seconds"] > 0)
        return dumps(
            {
                "data": days,
                "total": whole,
                "cumulative_total": fmt.cumulative_total(seconds),
                "daily_average": fmt.daily_average(seconds, len(days), active),
                "start": start.isoformat(),
                "end": end.isoformat(),
                "timezone": tz,
                "members_count": len(team.members),
            }
        )

    return cached_team(org_id, team.user_ids, "dashboard-summaries", {"d": dashboard_id, "s": start, "e": end}, build)


# ------------------------------------------------------------------------------------------- leaderboards

LEADERBOARD_PAGE_SIZE = 100


def dashboard_leaderboard(
    user: User, org_id: uuid.UUID, dashboard_id: uuid.UUID, *, language: str | None = None, page: int | None = None
) -> JsonPayload:
    """An organization dashboard's leaderboard (it comes with every dashboard)."""
    return _leaderboard(user, ORG, org_id, dashboard_id, language, page)


def board_leaderboard(user: User, board_id: uuid.UUID, *, language: str | None = None,
                      page: int | None = None) -> dict[str, Any]:  # fmt: skip
    """A private leaderboard: its members ranked by services/leaderboards.py (the one ranking engine, the public
    board's), over each member's last 7 days from their first full day after joining (the join-day rule), totals
    and languages only. Not cached: the ranking reads the precomputed leaderboard totals, which are refreshed after
    writes (debounced), not on a member's write, and computes those of members who joined within their window."""
    from codetime.services import leaderboards

    team = _team(user, BOARD, board_id, None)
    joined = [(team.users[m.user_id], m.joined_at) for m in team.members]
    return leaderboards.ranking(team.user_ids, language=language, page=page, current_user=user, joined=joined)


def _leaderboard(
    user: User, kind: str, group_id: uuid.UUID, dashboard_id: uuid.UUID | None, language: str | None, page: int | None
) -> JsonPayload:
    """A dashboard's members ranked by their time over the last 7 days (the reader's days; each member's privacy
    applied, nothing before they joined), in WakaTime's leaders shape: equal totals share a rank and are listed by
    username, `language` ranks by time in that language, pages of 100, by default the page holding the reader.
    Computed from the same per-day aggregates as every team read: the ranking engine's precomputed totals
    (services/leaderboards.py, used for private leaderboards) cannot honour a member's privacy."""
    team = _team(user, kind, group_id, dashboard_id)
    end = today_in(user.effective_timezone)
    start = end - timedelta(days=LEADERBOARD_DAYS - 1)
    if page is not None and page < 1:
        raise InvalidInput("page must be a whole number from 1.")

    def build() -> bytes:
        totals = _team_totals(team, start, end)
        board = []
        for member in team.members:
            rows = [r for by_day in totals[member.id].values() for r in by_day]
            languages: dict[str, float] = defaultdict(float)
            for row in rows:
                languages[display_name("language", row.language)] += row.seconds
            seconds = languages.get(language, 0.0) if language else sum(languages.values())
            active = len({r.day for r in rows if r.seconds > 0})
            board.append((member, seconds, active, languages))
        board.sort(key=lambda item: (-item[1], item[0].username))
        ranked, rank = [], 0
        for position, (member, seconds, active, languages) in enumerate(board, start=1):
            if position == 1 or seconds != board[position - 2][1]:
                rank = position
            ranked.append(
                {"rank": rank, "running_total": _running_total(seconds, active, languages), "user": _member_ref(member)}
            )
        mine = next((r for r in ranked if r["user"]["user_id"] == str(user.id)), None)
        index = ranked.index(mine) if mine else 0
        shown = page or (index // LEADERBOARD_PAGE_SIZE + 1)
        size = LEADERBOARD_PAGE_SIZE
        return dumps(
            {
                "data": ranked[(shown - 1) * size : shown * size],
                "current_user": {**mine, "page": index // size + 1} if mine else None,
                "page": shown,
                "total": len(ranked),
                "total_pages": max(1, -(-len(ranked) // size)),
                "per_page": size,
                "language": language,
                "range": {
                    "start_date": start.isoformat(),
                    "start_text": fmt.day_text(start),
                    "end_date": end.isoformat(),
                    "end_text": fmt.day_text(end),
                    "name": "last_7_days",
                    "text": "Last 7 Days",
                },
            }
        )

    params = {"d": dashboard_id, "s": start, "e": end, "l": language, "p": page, "u": user.id}
    return cached_team(group_id, team.user_ids, "leaderboard", params, build)


def _running_total(seconds: float, active_days: int, languages: dict[str, float]) -> dict[str, Any]:
    average = seconds / active_days if active_days else 0.0
    items = sorted(((n, s) for n, s in languages.items() if s > 0), key=lambda kv: (-kv[1], kv[0]))
    return {
        "total_seconds": round(seconds, 6),
        "human_readable_total": fmt.human_text(seconds),
        "daily_average": round(average, 6),
        "human_readable_daily_average": fmt.human_text(average),
        "languages": [{"name": n, "total_seconds": round(s, 6)} for n, s in items],
    }
