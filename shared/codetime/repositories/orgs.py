"""Organizations, private leaderboards (the same groups, `kind` 'leaderboard'), members, invites and dashboards."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

import psycopg
from psycopg.rows import class_row

from codetime.repositories.users import User, user_columns


@dataclass(slots=True)
class Group:
    id: uuid.UUID
    kind: str
    name: str
    patterns: list[str]
    created_at: datetime
    modified_at: datetime | None


@dataclass(slots=True)
class Membership:
    """A group with the caller's membership in it."""

    group: Group
    member_id: uuid.UUID
    role: str
    privacy: str
    joined_at: datetime


@dataclass(slots=True)
class Member:
    id: uuid.UUID
    org_id: uuid.UUID
    user_id: uuid.UUID
    role: str
    privacy: str
    joined_at: datetime
    username: str
    display_name: str | None
    email: str | None


@dataclass(slots=True)
class Invite:
    id: uuid.UUID
    org_id: uuid.UUID
    email: str | None
    role: str
    max_uses: int
    uses: int
    expires_at: datetime
    created_at: datetime


@dataclass(slots=True)
class Dashboard:
    id: uuid.UUID
    org_id: uuid.UUID
    name: str
    created_at: datetime
    members_count: int


_GROUP = "o.id, o.kind, o.name, o.patterns, o.created_at, o.modified_at"
_MEMBER = "m.id, m.org_id, m.user_id, m.role, m.privacy, m.joined_at, u.username, u.display_name, u.email"
_INVITE = "id, org_id, email, role, max_uses, uses, expires_at, created_at"
_DASHBOARD = (
    "d.id, d.org_id, d.name, d.created_at, "
    "(SELECT count(*) FROM org_dashboard_members dm WHERE dm.dashboard_id = d.id)::int AS members_count"
)


def _membership(row: tuple) -> Membership:
    return Membership(Group(*row[:6]), *row[6:])


class OrgRepository:
    def __init__(self, conn: psycopg.Connection) -> None:
        self.conn = conn

    # ------------------------------------------------------------------------------------------- groups

    def create(self, kind: str, name: str, patterns: list[str], owner: uuid.UUID) -> Membership:
        group_id = uuid.uuid4()
        self.conn.execute(
            "INSERT INTO organizations (id, kind, name, patterns) VALUES (%s, %s, %s, %s)",
            (group_id, kind, name, patterns),
        )
        self.conn.execute(
            "INSERT INTO org_members (id, org_id, user_id, role) VALUES (%s, %s, %s, 'owner')",
            (uuid.uuid4(), group_id, owner),
        )
        found = self.membership(owner, group_id, kind)
        assert found is not None
        return found

    def count_for_user(self, user_id: uuid.UUID) -> int:
        return self.conn.execute("SELECT count(*) FROM org_members WHERE user_id = %s", (user_id,)).fetchone()[0]  # type: ignore[index]

    def memberships(self, user_id: uuid.UUID, kind: str) -> list[Membership]:
        """The user's groups of one kind, most recently joined first (the first is their 'current' one)."""
        rows = self.conn.execute(
            f"SELECT {_GROUP}, m.id, m.role, m.privacy, m.joined_at FROM org_members m "
            "JOIN organizations o ON o.id = m.org_id WHERE m.user_id = %s AND o.kind = %s "
            "ORDER BY m.joined_at DESC, o.id",
            (user_id, kind),
        ).fetchall()
        return [_membership(row) for row in rows]

    def membership(self, user_id: uuid.UUID, group_id: uuid.UUID, kind: str) -> Membership | None:
        row = self.conn.execute(
            f"SELECT {_GROUP}, m.id, m.role, m.privacy, m.joined_at FROM org_members m "
            "JOIN organizations o ON o.id = m.org_id WHERE m.user_id = %s AND o.id = %s AND o.kind = %s",
            (user_id, group_id, kind),
        ).fetchone()
        return _membership(row) if row else None

    def kind_of(self, group_id: uuid.UUID) -> str | None:
        row = self.conn.execute("SELECT kind FROM organizations WHERE id = %s", (group_id,)).fetchone()
        return row[0] if row else None

    def all_groups(self, kind: str) -> list[tuple[Group, int, str]]:
        rows = self.conn.execute(
            f"SELECT {_GROUP}, (SELECT count(*) FROM org_members m WHERE m.org_id = o.id)::int, "
            "coalesce((SELECT u.username FROM org_members m JOIN users u ON u.id = m.user_id "
            "WHERE m.org_id = o.id AND m.role = 'owner' LIMIT 1), '') FROM organizations o WHERE o.kind = %s "
            "ORDER BY o.created_at, o.id",
            (kind,),
        ).fetchall()
        return [(Group(*row[:6]), row[6], row[7]) for row in rows]

    def owner(self, group_id: uuid.UUID, kind: str) -> uuid.UUID | None:
        row = self.conn.execute(
            "SELECT m.user_id FROM org_members m JOIN organizations o ON o.id = m.org_id "
            "WHERE o.id = %s AND o.kind = %s AND m.role = 'owner' LIMIT 1",
            (group_id, kind),
        ).fetchone()
        return row[0] if row else None

    def update(self, group_id: uuid.UUID, changes: dict[str, object]) -> None:
        allowed = {"name", "patterns"}
        sets = [f"{column} = %({column})s" for column in changes if column in allowed]
        if sets:
            self.conn.execute(
                f"UPDATE organizations SET {', '.join(sets)}, modified_at = now() WHERE id = %(id)s",
                {**changes, "id": group_id},
            )

    def delete(self, group_id: uuid.UUID) -> None:
        self.conn.execute("DELETE FROM organizations WHERE id = %s", (group_id,))

    # ------------------------------------------------------------------------------------------- members

    def members(self, group_id: uuid.UUID) -> list[Member]:
        with self.conn.cursor(row_factory=class_row(Member)) as cur:
            return cur.execute(
                f"SELECT {_MEMBER} FROM org_members m JOIN users u ON u.id = m.user_id WHERE m.org_id = %s "
                "ORDER BY m.joined_at, m.id",
                (group_id,),
            ).fetchall()

    def member(self, group_id: uuid.UUID, member_id: uuid.UUID) -> Member | None:
        with self.conn.cursor(row_factory=class_row(Member)) as cur:
            return cur.execute(
                f"SELECT {_MEMBER} FROM org_members m JOIN users u ON u.id = m.user_id "
                "WHERE m.org_id = %s AND m.id = %s",
                (group_id, member_id),
            ).fetchone()

    def add_member(self, group_id: uuid.UUID, user_id: uuid.UUID, role: str) -> bool:
        """False when the user is a member already (their role and join time stay)."""
        return (
            self.conn.execute(
                "INSERT INTO org_members (id, org_id, user_id, role) VALUES (%s, %s, %s, %s) "
                "ON CONFLICT (org_id, user_id) DO NOTHING",
                (uuid.uuid4(), group_id, user_id, role),
            ).rowcount
            == 1
        )

    def count_members(self, group_id: uuid.UUID) -> int:
        return self.conn.execute("SELECT count(*) FROM org_members WHERE org_id = %s", (group_id,)).fetchone()[0]  # type: ignore[index]

    def set_member(self, member_id: uuid.UUID, changes: dict[str, str]) -> None:
        allowed = {"role", "privacy"}
        sets = [f"{column} = %({column})s" for column in changes if column in allowed]
        if sets:
            self.conn.execute(
                f"UPDATE org_members SET {', '.join(sets)} WHERE id = %(id)s", {**changes, "id": member_id}
            )

    def remove_member(self, member_id: uuid.UUID) -> None:
        self.conn.execute("DELETE FROM org_members WHERE id = %s", (member_id,))

    # ------------------------------------------------------------------------------------------- invites

    def add_invite(
        self,
        group_id: uuid.UUID,
        *,
        email: str | None,
        code_hash: bytes | None,
        role: str,
        max_uses: int,
        lifetime_seconds: int,
    ) -> Invite:
        with self.conn.cursor(row_factory=class_row(Invite)) as cur:
            return cur.execute(  # type: ignore[return-value]
                "INSERT INTO org_invites (id, org_id, email, code_hash, role, max_uses, expires_at) "
                "VALUES (%s, %s, %s, %s, %s, %s, now() + make_interval(secs => %s)) "
                f"RETURNING {_INVITE}",
                (uuid.uuid4(), group_id, email, code_hash, role, max_uses, lifetime_seconds),
            ).fetchone()

    def invites(self, group_id: uuid.UUID) -> list[Invite]:
        """Invites still usable (not expired, uses left)."""
        with self.conn.cursor(row_factory=class_row(Invite)) as cur:
            return cur.execute(
                f"SELECT {_INVITE} FROM org_invites WHERE org_id = %s AND expires_at > now() AND uses < max_uses "
                "ORDER BY created_at, id",
                (group_id,),
            ).fetchall()

    def delete_invite(self, group_id: uuid.UUID, invite_id: uuid.UUID) -> bool:
        return (
            self.conn.execute("DELETE FROM org_invites WHERE org_id = %s AND id = %s", (group_id, invite_id)).rowcount
            == 1
        )

    def invites_for_email(self, email: str) -> list[tuple[Invite, Group]]:
        """Usable e-mail invites addressed to this address, with their group."""
        rows = self.conn.execute(
            f"SELECT i.id, i.org_id, i.email, i.role, i.max_uses, i.uses, i.expires_at, i.created_at, {_GROUP} "
            "FROM org_invites i JOIN organizations o ON o.id = i.org_id "
            "WHERE lower(i.email) = lower(%s) AND i.expires_at > now() AND i.uses < i.max_uses "
            "ORDER BY i.created_at, i.id",
            (email,),
        ).fetchall()
        return [(Invite(*row[:8]), Group(*row[8:])) for row in rows]

    def use_invite(
        self, *, invite_id: uuid.UUID | None = None, code_hash: bytes | None = None, email: str | None = None
    ) -> Invite | None:
        """Count one use of a usable invite (by id for an e-mail invite of `email`, or by code); None if none."""
        with self.conn.cursor(row_factory=class_row(Invite)) as cur:
            return cur.execute(
                "UPDATE org_invites SET uses = uses + 1 WHERE expires_at > now() AND uses < max_uses AND ("
                "(id = %(id)s AND lower(email) = lower(%(email)s)) OR code_hash = %(code)s) "
                f"RETURNING {_INVITE}",
                {"id": invite_id, "email": email, "code": code_hash},
            ).fetchone()

    def delete_used_email_invite(self, invite_id: uuid.UUID) -> None:
        self.conn.execute("DELETE FROM org_invites WHERE id = %s AND email IS NOT NULL", (invite_id,))

    # ------------------------------------------------------------------------------------------- dashboards

    def dashboards(self, org_id: uuid.UUID, member_id: uuid.UUID | None = None) -> list[Dashboard]:
        """The organization's dashboards (only those `member_id` is on, when given)."""
        with self.conn.cursor(row_factory=class_row(Dashboard)) as cur:
            return cur.execute(
                f"SELECT {_DASHBOARD} FROM org_dashboards d WHERE d.org_id = %(org)s AND (%(member)s::uuid IS NULL "
                "OR EXISTS (SELECT 1 FROM org_dashboard_members dm WHERE dm.dashboard_id = d.id "
                "AND dm.member_id = %(member)s)) ORDER BY d.created_at, d.id",
                {"org": org_id, "member": member_id},
            ).fetchall()

    def dashboard(self, org_id: uuid.UUID, dashboard_id: uuid.UUID) -> Dashboard | None:
        with self.conn.cursor(row_factory=class_row(Dashboard)) as cur:
            return cur.execute(
                f"SELECT {_DASHBOARD} FROM org_dashboards d WHERE d.org_id = %s AND d.id = %s",
                (org_id, dashboard_id),
            ).fetchone()

    def count_dashboards(self, org_id: uuid.UUID) -> int:
        return self.conn.execute("SELECT count(*) FROM org_dashboards WHERE org_id = %s", (org_id,)).fetchone()[0]  # type: ignore[index]

    def add_dashboard(self, org_id: uuid.UUID, name: str) -> uuid.UUID | None:
        """None when the organization has a dashboard of that name."""
        row = self.conn.execute(
            "INSERT INTO org_dashboards (id, org_id, name) VALUES (%s, %s, %s) ON CONFLICT DO NOTHING RETURNING id",
            (uuid.uuid4(), org_id, name),
        ).fetchone()
        return row[0] if row else None

    def rename_dashboard(self, dashboard_id: uuid.UUID, name: str) -> bool:
        try:
            with self.conn.transaction():
                self.conn.execute("UPDATE org_dashboards SET name = %s WHERE id = %s", (name, dashboard_id))
        except psycopg.errors.UniqueViolation:
            return False
        return True

    def delete_dashboard(self, dashboard_id: uuid.UUID) -> None:
        self.conn.execute("DELETE FROM org_dashboards WHERE id = %s", (dashboard_id,))

    def dashboard_members(self, dashboard_id: uuid.UUID) -> list[Member]:
        with self.conn.cursor(row_factory=class_row(Member)) as cur:
            return cur.execute(
                f"SELECT {_MEMBER} FROM org_dashboard_members dm JOIN org_members m ON m.id = dm.member_id "
                "JOIN users u ON u.id = m.user_id WHERE dm.dashboard_id = %s ORDER BY m.joined_at, m.id",
                (dashboard_id,),
            ).fetchall()

    def dashboard_team(
        self, org_id: uuid.UUID, dashboard_id: uuid.UUID, reader: uuid.UUID
    ) -> tuple[bool, list[tuple[Member, User]]] | None:
        """A dashboard's members with their users, in one query (team reads), and whether member `reader` is on
        it; None when the organization has no such dashboard."""
        rows = self.conn.execute(
            f"SELECT EXISTS (SELECT 1 FROM org_dashboard_members r WHERE r.dashboard_id = d.id "
            f"AND r.member_id = %(reader)s), m.id IS NOT NULL, {_MEMBER}, {user_columns('u')} "
            "FROM org_dashboards d LEFT JOIN org_dashboard_members dm ON dm.dashboard_id = d.id "
            "LEFT JOIN org_members m ON m.id = dm.member_id LEFT JOIN users u ON u.id = m.user_id "
            "WHERE d.org_id = %(org)s AND d.id = %(dashboard)s ORDER BY m.joined_at, m.id",
            {"org": org_id, "dashboard": dashboard_id, "reader": reader},
        ).fetchall()
        if not rows:
            return None
        width = len(Member.__dataclass_fields__)
        members = [(Member(*row[2 : 2 + width]), User(*row[2 + width :])) for row in rows if row[1]]
        return rows[0][0], members

    def add_to_dashboard(self, dashboard_id: uuid.UUID, member_id: uuid.UUID) -> None:
        self.conn.execute(
            "INSERT INTO org_dashboard_members (dashboard_id, member_id) VALUES (%s, %s) ON CONFLICT DO NOTHING",
            (dashboard_id, member_id),
        )

    def remove_from_dashboard(self, dashboard_id: uuid.UUID, member_id: uuid.UUID) -> bool:
        return (
            self.conn.execute(
                "DELETE FROM org_dashboard_members WHERE dashboard_id = %s AND member_id = %s",
                (dashboard_id, member_id),
            ).rowcount
            == 1
        )
