"""Heartbeat ingestion under every path WakaTime and Wakapi clients are configured with."""

from __future__ import annotations

from typing import Any
from urllib.parse import unquote

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from codetime.api.deps import OWNER, FullAccessPrincipal, FullAccessUser
from codetime.api.rate_limits import RATE_LIMITED, IngestLimit
from codetime.api.schemas import BulkResponse, ErrorResponse, HeartbeatBadRequest, HeartbeatIn, SingleResponse
from codetime.domain.heartbeats import RequestContext
from codetime.services.ingestion import ingest, parse_body
from codetime.services.keys import touch_key_usage

router = APIRouter(tags=["heartbeats"], dependencies=[IngestLimit], responses=RATE_LIMITED)

_ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"model": HeartbeatBadRequest, "description": "Unparseable body, or one invalid heartbeat posted alone"},
    401: {"model": ErrorResponse, "description": "Missing or invalid API key"},
    403: {"model": ErrorResponse, "description": "Read-only key, or another user's path"},
    413: {"model": ErrorResponse, "description": "Body or heartbeat count over the limit"},
    503: {"model": ErrorResponse, "description": "Queue unavailable; the client should retry"},
}
_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {
                "schema": {
                    "oneOf": [
                        HeartbeatIn.model_json_schema(),
                        {"type": "array", "items": HeartbeatIn.model_json_schema()},
                    ]
                }
            }
        },
    }
}

BULK_PATHS = (
    "/api/v1/users/{user}/heartbeats.bulk",
    "/api/users/{user}/heartbeats.bulk",
    "/api/compat/wakatime/v1/users/{user}/heartbeats.bulk",
    "/api/v1/heartbeats",
    "/api/heartbeats",
    # The legacy Python CLI posts to its api_url verbatim, so the printed `api_url = .../api/v1` lands here.
    "/api/v1",
)
FLEXIBLE_PATHS = (
    "/api/v1/users/{user}/heartbeats",
    "/api/users/{user}/heartbeats",
    "/api/compat/wakatime/v1/users/{user}/heartbeats",
    "/api/heartbeat",
)


def _context(request: Request, user_id: str) -> RequestContext:
    machine = request.headers.get("x-machine-name")
    return RequestContext(
        user_id=user_id,
        user_agent=request.headers.get("user-agent"),
        machine=unquote(machine)[:255] if machine else None,
    )


async def _post(request: Request, user: FullAccessUser, principal: FullAccessPrincipal, bulk: bool) -> JSONResponse:
    items, single = parse_body(await request.body())
    context = _context(request, str(user.id))
    results = await run_in_threadpool(ingest, user, items, context, request.headers.get("timezone"))
    plugin = next((r.heartbeat.plugin for r in results if r.heartbeat), None)
    if principal.key_id is not None:  # a signed-in person posting (a dashboard) has no key to touch
        await run_in_threadpool(touch_key_usage, principal.key_id, plugin)
    if single and not bulk:
        only = results[0]
        if only.status == 400:
            return JSONResponse(only.body, status_code=400)
        return JSONResponse({"data": only.body}, status_code=201 if only.status == 201 else 202)
    return JSONResponse({"responses": [[r.body, r.status] for r in results]}, status_code=202)


for _path in BULK_PATHS:

    @router.post(
        _path, status_code=202, response_model=BulkResponse, responses=_ERRORS, openapi_extra=_BODY,
        summary="Post heartbeats (bulk)", operation_id=f"post_heartbeats_bulk_{_path}",
        dependencies=OWNER if "{user}" in _path else [],
    )  # fmt: skip
    async def post_bulk(request: Request, user: FullAccessUser, principal: FullAccessPrincipal) -> JSONResponse:
        return await _post(request, user, principal, bulk=True)


for _path in FLEXIBLE_PATHS:

    @router.post(
        _path, status_code=201, response_model=SingleResponse,
        responses={**_ERRORS, 202: {"model": BulkResponse, "description": "An array: answered as a bulk post"}},
        openapi_extra=_BODY, summary="Post one heartbeat (201) or an array (202)",
        operation_id=f"post_heartbeats_{_path}", dependencies=OWNER if "{user}" in _path else [],
    )  # fmt: skip
    async def post_flexible(request: Request, user: FullAccessUser, principal: FullAccessPrincipal) -> JSONResponse:
        return await _post(request, user, principal, bulk=False)
