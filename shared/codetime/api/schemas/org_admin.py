"""Managing organizations and private leaderboards: create, rename, invite, join, roles, privacy, dashboards."""

from __future__ import annotations

import uuid
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from codetime.api.schemas.common import Text
from codetime.api.schemas.orgs import Dashboard, Member, Organization

Name = Annotated[Text, Field(min_length=1, max_length=100)]
Pattern = Annotated[Text, Field(min_length=1, max_length=200)]
Patterns = Annotated[list[Pattern], Field(max_length=50, description="Project patterns, shell-style: `acme-*`")]


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class OrgCreate(_Body):
    name: Name
    project_patterns: Patterns = []


class OrgPatch(_Body):
    """Fields to change: the name (owner), the project patterns (owner or admin)."""

    name: Name | None = None
    project_patterns: Patterns | None = None


class BoardCreate(_Body):
    name: Name


class InviteCreate(_Body):
    """An e-mail invite (accepted by that person after signing in), or without `email` an invite code."""

    email: Annotated[Text, Field(min_length=3, max_length=254)] | None = None
    role: Literal["admin", "member", "viewer"] = "member"
    max_uses: Annotated[int, Field(ge=1, le=10000)] = Field(1, description="Uses of a code (an e-mail invite: 1)")
    expires_in_days: Annotated[int, Field(ge=1, le=90)] = 7


class MemberInvite(_Body):
    """`POST /api/v1/organization/members`: invite a person by e-mail."""

    email: Annotated[Text, Field(min_length=3, max_length=254)]
    role: Literal["admin", "member", "viewer"] = "member"


class JoinBody(_Body):
    code: Annotated[Text, Field(min_length=1, max_length=100)]


class PrivacyBody(_Body):
    privacy: Literal["all", "matching", "totals"] = Field(
        description="all projects; only projects matching the organization's patterns; totals only"
    )


class RoleBody(_Body):
    role: Literal["admin", "member", "viewer"]


class DashboardCreate(_Body):
    name: Name
    members: Annotated[list[uuid.UUID], Field(max_length=1000)] = []


class DashboardPatch(_Body):
    name: Name | None = None
    add_members: Annotated[list[uuid.UUID], Field(max_length=1000)] = []
    remove_members: Annotated[list[uuid.UUID], Field(max_length=1000)] = []


class DashboardMemberBody(_Body):
    member: uuid.UUID


class Invite(BaseModel):
    model_config = ConfigDict(extra="allow")

    id: str
    email: str | None
    role: str
    max_uses: int
    uses: int
    expires_at: str | None
    code: str | None = Field(None, description="The invite code: shown once, when made")


class InviteOut(BaseModel):
    data: Invite


class InviteList(BaseModel):
    data: list[Invite]


class OrganizationOut(BaseModel):
    data: Organization


class DashboardOut(BaseModel):
    data: Dashboard


class MemberOut(BaseModel):
    data: Member
