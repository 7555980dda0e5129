"""Team reads (WakaTime's org API): organizations, dashboards, members and their summaries/durations, the team's
totals, dashboard and private leaderboards. A read key is enough; a group the caller is not in is 404."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response

from codetime.api.deps import OWNER, CurrentUser
from codetime.api.rate_limits import RATE_LIMITED, ReadLimit
from codetime.api.responses import json_payload
from codetime.api.routes.summaries import PREFIXES
from codetime.api.schemas import orgs as schemas
from codetime.api.schemas.common import USER_ROUTE_ERRORS, not_found
from codetime.domain.ranges import parse_date
from codetime.services import orgs as service
from codetime.services.cache_keys import dumps

router = APIRouter(
    tags=["organizations"],
    dependencies=[ReadLimit],
    responses={**USER_ROUTE_ERRORS, **RATE_LIMITED, **not_found("organization, dashboard or member")},
)

Org = Annotated[uuid.UUID, "organization id"]
# Optional in the schema: a missing one is a 400 after the membership check (an outsider gets the same 404 always).
Start = Annotated[str | None, Query(description="First day, YYYY-MM-DD (inclusive); required")]
End = Annotated[str | None, Query(description="Last day, YYYY-MM-DD (inclusive); required")]
Page = Annotated[int | None, Query(ge=1, le=100000, description="Page, from 1; default the caller's own page")]
Language = Annotated[str | None, Query(max_length=100, description="Rank by time in this language")]


def _dates(user: CurrentUser, start: str | None, end: str | None) -> tuple[date | None, date | None]:
    tz = user.effective_timezone
    return (parse_date(start, tz, "start") if start else None, parse_date(end, tz, "end") if end else None)


def _ok(model: type) -> dict[int | str, dict[str, Any]]:
    return {200: {"model": model, "description": "OK"}}


for _prefix in PREFIXES:
    _id = "compat_" if "compat" in _prefix else ""
    _dash = f"{_prefix}/orgs/{{org}}/dashboards/{{dashboard}}"

    @router.get(
        f"{_prefix}/orgs",
        dependencies=OWNER,
        operation_id=f"{_id}list_orgs",
        summary="The caller's organizations",
        response_model=schemas.OrganizationList,
    )
    def list_orgs(user: CurrentUser) -> dict[str, Any]:
        return service.paged(service.list_groups(user, service.ORG))

    @router.get(
        f"{_prefix}/orgs/{{org}}/members",
        dependencies=OWNER,
        operation_id=f"{_id}list_org_members",
        summary="An organization's members (e-mails for its owner and admins)",
        response_model=schemas.MemberList,
    )
    def list_org_members(user: CurrentUser, org: uuid.UUID) -> dict[str, Any]:
        return service.paged(service.members(user, service.ORG, org))

    @router.get(
        f"{_prefix}/orgs/{{org}}/dashboards",
        dependencies=OWNER,
        operation_id=f"{_id}list_dashboards",
        summary="The organization's dashboards the caller may see",
        response_model=schemas.DashboardList,
    )
    def list_dashboards(user: CurrentUser, org: uuid.UUID) -> dict[str, Any]:
        return service.paged(service.dashboards(user, org))

    @router.get(
        f"{_dash}/members",
        dependencies=OWNER,
        operation_id=f"{_id}list_dashboard_members",
        summary="A dashboard's members",
        response_model=schemas.MemberList,
    )
    def list_dashboard_members(user: CurrentUser, org: uuid.UUID, dashboard: uuid.UUID) -> dict[str, Any]:
        return service.paged(service.dashboard_members(user, org, dashboard))

    @router.get(
        f"{_dash}/members/{{member}}/summaries",
        dependencies=OWNER,
        operation_id=f"{_id}dashboard_member_summaries",
        summary="A member's per-day summaries, as they share",
        responses=_ok(schemas.MemberSummaries),
    )
    def member_summaries(
        user: CurrentUser,
        request: Request,
        org: uuid.UUID,
        dashboard: uuid.UUID,
        member: uuid.UUID,
        start: Start = None,
        end: End = None,
    ) -> Response:
        first, last = _dates(user, start, end)
        return json_payload(service.member_summaries(user, org, dashboard, member, first, last), request)

    @router.get(
        f"{_dash}/members/{{member}}/durations",
        dependencies=OWNER,
        operation_id=f"{_id}dashboard_member_durations",
        summary="A member's durations of one day",
        responses=_ok(schemas.MemberDurations),
    )
    def member_durations(
        user: CurrentUser,
        request: Request,
        org: uuid.UUID,
        dashboard: uuid.UUID,
        member: uuid.UUID,
        date: Annotated[str | None, Query(description="YYYY-MM-DD; default the member's today")] = None,
    ) -> Response:
        day = parse_date(date, user.effective_timezone, "date") if date else None
        return json_payload(service.member_durations(user, org, dashboard, member, day), request)

    @router.get(
        f"{_dash}/summaries",
        dependencies=OWNER,
        operation_id=f"{_id}dashboard_summaries",
        summary="The team's totals: per day and over the range, per member, project and language",
        responses=_ok(schemas.DashboardSummaries),
    )
    def dashboard_summaries(
        user: CurrentUser, request: Request, org: uuid.UUID, dashboard: uuid.UUID, start: Start = None, end: End = None
    ) -> Response:
        first, last = _dates(user, start, end)
        return json_payload(service.dashboard_summaries(user, org, dashboard, first, last), request)

    @router.get(
        f"{_dash}/leaderboard",
        dependencies=OWNER,
        operation_id=f"{_id}dashboard_leaderboard",
        summary="The dashboard's leaderboard (last 7 days)",
        responses=_ok(schemas.Leaders),
    )
    def dashboard_leaderboard(
        user: CurrentUser,
        request: Request,
        org: uuid.UUID,
        dashboard: uuid.UUID,
        language: Language = None,
        page: Page = None,
    ) -> Response:
        return json_payload(service.dashboard_leaderboard(user, org, dashboard, language=language, page=page), request)

    @router.get(
        f"{_prefix}/leaderboards",
        dependencies=OWNER,
        operation_id=f"{_id}list_leaderboards",
        summary="The caller's private leaderboards",
        response_model=schemas.OrganizationList,
    )
    def list_leaderboards(user: CurrentUser) -> dict[str, Any]:
        return service.paged(service.list_groups(user, service.BOARD))

    @router.get(
        f"{_prefix}/leaderboards/{{board}}",
        dependencies=OWNER,
        operation_id=f"{_id}get_leaderboard",
        summary="A private leaderboard's ranking (last 7 days)",
        responses=_ok(schemas.Leaders),
    )
    def get_leaderboard(
        user: CurrentUser, request: Request, board: uuid.UUID, language: Language = None, page: Page = None
    ) -> Response:
        board_ranking = service.board_leaderboard(user, board, language=language, page=page)
        return Response(dumps(board_ranking), media_type="application/json")

    @router.get(
        f"{_prefix}/leaderboards/{{board}}/members",
        dependencies=OWNER,
        operation_id=f"{_id}list_leaderboard_members",
        summary="A private leaderboard's members",
        response_model=schemas.MemberList,
    )
    def list_leaderboard_members(user: CurrentUser, board: uuid.UUID) -> dict[str, Any]:
        return service.paged(service.members(user, service.BOARD, board))

    @router.get(
        f"{_prefix}/invitations",
        dependencies=OWNER,
        operation_id=f"{_id}list_invitations",
        summary="Invitations to the caller's e-mail address, to accept",
    )
    def list_invitations(user: CurrentUser) -> dict[str, Any]:
        return {"data": service.invitations(user)}


@router.get(
    "/api/v1/organization",
    summary="The caller's current organization, with members and dashboards",
    response_model=schemas.OrganizationDetailsOut,
)
def organization(
    user: CurrentUser,
    org: Annotated[
        str | None,
        Query(
            max_length=36, description="An organization id; default the one the caller joined or created most recently"
        ),
    ] = None,
) -> dict[str, Any]:
    return {"data": service.organization_details(user, org)}
