"""Badges for READMEs, read without a key: a user's total time over a range (or one project's) as an SVG image or
as shields.io's endpoint JSON, only for what the user shares publicly (403 otherwise, as the public stats)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Request, Response
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from codetime.api.rate_limits import RATE_LIMITED
from codetime.api.routes.stats import RangeName
from codetime.api.schemas.badges import ShieldsEndpoint
from codetime.api.schemas.common import NO_NUL, error_response
from codetime.services import badges as service
from codetime.services.rate_limit import check_client

router = APIRouter(tags=["badges"], responses={
    **RATE_LIMITED, 400: error_response("Unknown range or invalid parameter"),
    403: error_response("Not shared publicly (or no such user), or a longer range than shared"),
})  # fmt: skip
_BADGE = "/api/v1/users/{user}/badge/{range}"
# Embedded in READMEs and proxied by GitHub's camo: cached for a while, by any cache (only public data).
_HEADERS = {"Cache-Control": f"public, max-age={service.CACHE_SECONDS}"}
User = Annotated[str, Path(description="The user's username or id", max_length=255)]
Project = Annotated[str | None, Query(max_length=255, pattern=NO_NUL,
                                      description="One project's time (needs shared projects)")]  # fmt: skip


async def _badge(request: Request, user: str, range_name: str, project: str | None) -> service.Badge:
    await run_in_threadpool(check_client, request.client.host if request.client else "unknown")
    return await run_in_threadpool(service.badge, user, range_name, project)


@router.get(_BADGE, summary="SVG badge of a user's (or a project's) time over a range",
            response_class=Response, responses={200: {"content": {"image/svg+xml": {}}}})  # fmt: skip
async def svg_badge(request: Request, user: User, range: RangeName, project: Project = None) -> Response:
    found = await _badge(request, user, range, project)
    return Response(service.svg(found), media_type="image/svg+xml", headers=_HEADERS)


@router.get(f"{_BADGE}/shields", response_model=ShieldsEndpoint,
            summary="shields.io endpoint JSON of a user's (or a project's) time over a range")  # fmt: skip
async def shields_badge(request: Request, user: User, range: RangeName, project: Project = None) -> JSONResponse:
    found = await _badge(request, user, range, project)
    return JSONResponse(service.shields(found), headers=_HEADERS)
