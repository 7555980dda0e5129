"""Stats, all-time totals, projects, the user object, raw heartbeats and user agents (WakaTime shapes)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request, Response
from starlette.concurrency import run_in_threadpool

from codetime.api.deps import OWNER, CurrentUser
from codetime.api.rate_limits import RATE_LIMITED, ReadLimit
from codetime.api.responses import json_payload
from codetime.api.routes.summaries import PREFIXES, NamePattern
from codetime.api.schemas import stats as schemas
from codetime.api.schemas.common import USER_ROUTE_ERRORS
from codetime.api.wakapi import on_wakapi_path
from codetime.domain.ranges import parse_date
from codetime.services import stats as service

router = APIRouter(tags=["stats"], dependencies=[ReadLimit], responses=RATE_LIMITED)

ERRORS = USER_ROUTE_ERRORS
Name = Annotated[str | None, Query(max_length=255, pattern=NamePattern)]
RangeName = Annotated[
    str,
    Path(
        description="WakaTime's range names, and Wakapi's (7_days, 30_days, 6_months, 12_months, any, ...)",
        json_schema_extra={"enum": list(service.RANGE_NAMES)},
    ),
]
Search = Annotated[
    str | None, Query(max_length=255, pattern=NamePattern, description="Case-insensitive part of the project name")
]


def stats_filters(
    project: Name = None, language: Name = None, editor: Name = None, operating_system: Name = None,
    machine: Name = None, category: Name = None, branch: Name = None,
) -> dict[str, str | None]:  # fmt: skip
    """Dimension filters; a placeholder name ("Unknown Project", "Other", ...) selects time without a value."""
    return {
        "project": project, "language": language, "editor": editor, "operating_system": operating_system,
        "machine": machine, "category": category, "branch": branch,
    }  # fmt: skip


Filters = Annotated[dict[str, str | None], Depends(stats_filters)]


def _ok(model: type) -> dict[int | str, dict[str, Any]]:
    return {200: {"model": model, "description": "OK"}, **ERRORS}


for _prefix in PREFIXES:
    _id = "compat_" if "compat" in _prefix else ""

    # GET {_prefix}/stats and /stats/{range}: routes/public_stats.py (the owner's, or what another user shares).

    @router.get(
        f"{_prefix}/all_time_since_today",
        dependencies=OWNER,
        operation_id=f"{_id}all_time_since_today",
        summary="Total since the first heartbeat",
        responses=_ok(schemas.AllTimeResponse),
    )
    def all_time_since_today(user: CurrentUser, request: Request, project: Name = None) -> Response:
        return json_payload(service.all_time_since_today(user, project), request)

    @router.get(
        f"{_prefix}/projects",
        dependencies=OWNER,
        operation_id=f"{_id}projects",
        summary="Projects, newest first",
        responses=_ok(schemas.ProjectsResponse),
    )
    def projects(user: CurrentUser, request: Request, q: Search = None) -> Response:
        return json_payload(service.projects(user, q or None), request)

    @router.get(
        f"{_prefix}/heartbeats",
        dependencies=OWNER,
        operation_id=f"{_id}heartbeats_of_day",
        summary="One day's raw heartbeats",
        response_model=schemas.HeartbeatsResponse,
        responses=ERRORS,
    )
    async def heartbeats(
        user: CurrentUser,
        date: Annotated[str, Query(description="YYYY-MM-DD, in the user's timezone")],
        page: Annotated[int, Query(ge=1, le=1_000_000, description="1-based; 1,000 heartbeats per page")] = 1,
    ) -> dict[str, Any]:
        day = parse_date(date, user.effective_timezone)
        return await run_in_threadpool(service.heartbeats, user, day, page)

    @router.get(
        f"{_prefix}/user_agents",
        dependencies=OWNER,
        operation_id=f"{_id}user_agents",
        summary="User-Agents the plugins sent",
        responses=_ok(schemas.UserAgentsResponse),
    )
    def user_agents(user: CurrentUser, request: Request) -> Response:
        return json_payload(service.user_agents(user), request)

    @router.get(
        _prefix,
        dependencies=OWNER,
        operation_id=f"{_id}user",
        summary="The user object",
        response_model=schemas.UserResponse,
        responses=ERRORS,
    )
    def user_object(user: CurrentUser, request: Request) -> dict[str, Any]:
        data = service.user_object(user)
        if on_wakapi_path(request):
            data["id"] = user.username  # Wakapi's users are their names (its `data.id`); both work as {user}
        return {"data": data}
