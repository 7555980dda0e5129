"""Insights: `GET /api/v1/users/{user}/insights/{type}/{range}` in WakaTime's shapes. The owner (key or token)
reads all of theirs; anyone else (no key) only what the user shares publicly, as the public stats."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Request, Response
from starlette.concurrency import run_in_threadpool

from codetime.api.rate_limits import RATE_LIMITED
from codetime.api.responses import json_payload
from codetime.api.routes.public_stats import Reader
from codetime.api.routes.stats import RangeName
from codetime.api.schemas.common import USER_ROUTE_ERRORS, error_response
from codetime.services import insights as service

router = APIRouter(tags=["stats"], responses={
    **RATE_LIMITED, **USER_ROUTE_ERRORS,
    403: error_response("Another user's insight that they do not share publicly (or no such user), or that range"),
})  # fmt: skip
InsightType = Annotated[str, Path(description="The insight", json_schema_extra={"enum": list(service.INSIGHT_TYPES)})]


@router.get("/api/v1/users/{user}/insights/{type}/{range}", summary="Insight over a named range (WakaTime's shapes)")
async def insight(reader: Reader, request: Request, type: InsightType, range: RangeName) -> Response:
    payload = await run_in_threadpool(service.insight, reader.user, type, range, public=reader.public)
    return json_payload(payload, request)
