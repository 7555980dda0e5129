"""Team reads: organizations, dashboards, members, their summaries and durations, leaderboards (WakaTime's shapes)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict


class _Open(BaseModel):
    # Answers carry WakaTime's fields plus ours; the schema names the main ones.
    model_config = ConfigDict(extra="allow")


class Organization(_Open):
    id: str
    name: str
    display_name: str
    role: str
    privacy: str
    joined_at: str | None
    can_manage: bool
    created_at: str | None
    modified_at: str | None


class Page(_Open):
    total: int
    total_pages: int
    page: int


class OrganizationList(Page):
    data: list[Organization]


class OrganizationOut(BaseModel):
    data: Organization


class OrganizationDetails(Organization):
    members: list[dict[str, Any]]
    dashboards: list[dict[str, Any]]


class OrganizationDetailsOut(BaseModel):
    data: OrganizationDetails


class Dashboard(_Open):
    id: str
    name: str
    members_count: int


class DashboardList(Page):
    data: list[Dashboard]


class MemberUser(_Open):
    id: str
    username: str
    display_name: str


class Member(_Open):
    id: str
    user: MemberUser
    role: str
    privacy: str


class MemberList(Page):
    data: list[Member]


class MemberSummaries(_Open):
    data: list[dict[str, Any]]
    cumulative_total: dict[str, Any]
    timezone: str


class MemberDurations(_Open):
    data: list[dict[str, Any]]
    timezone: str


class TeamTotals(_Open):
    grand_total: dict[str, Any]
    members: list[dict[str, Any]]
    projects: list[dict[str, Any]]
    languages: list[dict[str, Any]]


class DashboardSummaries(_Open):
    data: list[dict[str, Any]]
    total: TeamTotals
    cumulative_total: dict[str, Any]
    daily_average: dict[str, Any]


class Leaders(_Open):
    data: list[dict[str, Any]]
    current_user: dict[str, Any] | None
    page: int
    total_pages: int
