"""Read endpoints: statusbar, summaries, durations (WakaTime shapes) and the dashboard summary."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response

from codetime.api.deps import OWNER, CurrentUser
from codetime.api.rate_limits import RATE_LIMITED, ReadLimit
from codetime.api.responses import json_payload
from codetime.api.schemas import summaries as schemas
from codetime.api.schemas.common import NO_NUL, USER_ROUTE_ERRORS
from codetime.domain.ranges import parse_date, resolve_range, today_in
from codetime.services import summaries as service
from codetime.services.keys import validate_timezone

router = APIRouter(tags=["summaries"], dependencies=[ReadLimit], responses={**USER_ROUTE_ERRORS, **RATE_LIMITED})

# WakaTime's own prefix, and Wakapi's compat prefix so a Wakapi user changes only the host.
PREFIXES = ("/api/v1/users/{user}", "/api/compat/wakatime/v1/users/{user}")


# Filter values: no NUL (PostgreSQL text cannot hold it).
NamePattern = NO_NUL


def _ok(model: type) -> dict[int | str, dict[str, Any]]:
    return {200: {"model": model, "description": "OK"}}


def timezone_param(value: str | None) -> str | None:
    return validate_timezone(value) if value else None


for _prefix in PREFIXES:
    _id = "compat_" if "compat" in _prefix else ""

    @router.get(
        f"{_prefix}/statusbar/today",
        operation_id=f"{_id}statusbar_today",
        dependencies=OWNER,
        summary="Today's total",
        responses=_ok(schemas.StatusbarResponse),
    )
    def statusbar_today(user: CurrentUser, request: Request) -> Response:
        return json_payload(service.statusbar_today(user), request)

    # GET {_prefix}/summaries: routes/public_stats.py (the owner, or anyone for what the user shares).

    @router.get(
        f"{_prefix}/durations",
        operation_id=f"{_id}durations",
        dependencies=OWNER,
        summary="One day's durations",
        responses=_ok(schemas.DurationsResponse),
    )
    def durations(
        user: CurrentUser,
        request: Request,
        date: Annotated[str | None, Query(description="YYYY-MM-DD; default today")] = None,
        slice_by: Annotated[
            str, Query(description="project, entity, language, dependencies, os, editor, category, machine")
        ] = "project",  # noqa: E501
        project: Annotated[str | None, Query(max_length=255, pattern=NamePattern)] = None,
        timezone: Annotated[str | None, Query()] = None,
    ) -> Response:
        tz = timezone_param(timezone) or user.effective_timezone
        day = parse_date(date, tz) if date else today_in(tz)
        return json_payload(service.durations(user, day, slice_by=slice_by, project=project, tz=tz), request)


@router.get(
    "/api/v1/summary",
    summary="Dashboard summary over a range (totals per dimension)",
    responses=_ok(schemas.DashboardSummary),
)
def dashboard_summary(
    user: CurrentUser,
    request: Request,
    interval: Annotated[str | None, Query(description="today, yesterday, week, month, year, last_7_days, ...")] = None,
    from_: Annotated[str | None, Query(alias="from", description="First day, YYYY-MM-DD")] = None,
    to: Annotated[str | None, Query(description="Last day, YYYY-MM-DD (inclusive)")] = None,
    project: str | None = None,
    language: str | None = None,
    editor: str | None = None,
    operating_system: str | None = None,
    machine: str | None = None,
    branch: str | None = None,
    category: str | None = None,
) -> Response:
    tz = user.effective_timezone
    if from_ or to:
        first: date = parse_date(from_, tz, "from") if from_ else today_in(tz)
        last: date = parse_date(to, tz, "to") if to else today_in(tz)
    else:
        first, last = resolve_range(interval or "today", tz, week_start=user.iso_week_start)
    filters = {
        name: value
        for name, value in {
            "project": project, "language": language, "editor": editor, "operating_system": operating_system,
            "machine": machine, "branch": branch, "category": category.lower() if category else None,
        }.items()
        if value is not None
    }  # fmt: skip
    return json_payload(service.dashboard_summary(user, first, last, filters), request)
