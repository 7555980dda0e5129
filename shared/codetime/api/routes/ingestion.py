"""Heartbeat ingestion under every path WakaTime and Wakapi clients are configured with."""

from __future__ import annotations

from typing import Any
from urllib.parse import unquote

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from codetime.api.deps import OWNER, FullAccessPrincipal, FullAccessUser
from codetime.api.paths import HEARTBEAT_BULK_PATHS, HEARTBEAT_FLEXIBLE_PATHS, WAKAPI_HEARTBEAT_PATHS
from codetime.api.rate_limits import RATE_LIMITED, IngestLimit
from codetime.api.schemas.common import ErrorResponse
from codetime.api.schemas.ingestion import BulkResponse, HeartbeatBadRequest, HeartbeatIn, SingleResponse
from codetime.domain.heartbeats import RequestContext, request_context
from codetime.services.ingestion import ItemResult, Outcome, ingest, parse_body
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

# WakaTime's paths answer as WakaTime does: 202 {"responses": [[body, 201|202|400], ...]} for a bulk post.
# WakaTime's own answer for a heartbeat repeated within one request.
DUPLICATE_RESPONSE = {"id": "00000000-0000-4000-a000-000000000000", "skip": "Too many duplicate heartbeats."}
WAKAPI_SUCCESS: dict[str, Any] = {"data": None, "error": None}
WAKAPI_INVALID = "invalid heartbeat object"
WAKAPI_NONE_VALID = "no valid heartbeat object given"


def _context(request: Request, user_id: str) -> RequestContext:
    machine = request.headers.get("x-machine-name")  # wakatime-cli URL-encodes it
    return request_context(
        user_id, user_agent=request.headers.get("user-agent"), machine=unquote(machine) if machine else None
    )


def _wakatime_item(result: ItemResult) -> list[Any]:
    if result.outcome is Outcome.INVALID:
        return [{"errors": result.errors}, 400]
    if result.outcome is Outcome.DUPLICATE:
        return [DUPLICATE_RESPONSE, 202]
    return [{"id": result.heartbeat.id if result.heartbeat else None}, 201]


def _wakapi_item(result: ItemResult) -> list[Any]:
    # Wakapi stores a repeat once and answers it as a success; it does not name the fields, we do.
    if result.outcome is not Outcome.INVALID:
        return [WAKAPI_SUCCESS, 201]
    return [{"data": None, "error": f"{WAKAPI_INVALID}: {_describe(result.errors or {})}"}, 400]


def _describe(errors: dict[str, list[str]]) -> str:
    return "; ".join(f"{name}: {' '.join(messages)}" for name, messages in errors.items())


async def _accept(
    request: Request, user: FullAccessUser, principal: FullAccessPrincipal
) -> tuple[list[ItemResult], bool]:
    """Read, validate and queue a post; the results and whether the body was one object (the body's size is bounded
    by api/limits.py before it is read)."""
    items, single = parse_body(await request.body())
    context = _context(request, str(user.id))
    results = await run_in_threadpool(ingest, user, items, context, request.headers.get("timezone"))
    plugin = next((r.heartbeat.plugin for r in results if r.heartbeat), None)
    if principal.key_id is not None:  # a signed-in person posting (a dashboard) has no key to touch
        await run_in_threadpool(touch_key_usage, principal.key_id, plugin)
    return results, single


async def _post_wakatime(
    request: Request, user: FullAccessUser, principal: FullAccessPrincipal, bulk: bool
) -> JSONResponse:
    results, single = await _accept(request, user, principal)
    if single and not bulk:
        body, status = _wakatime_item(results[0])
        return JSONResponse(body if status == 400 else {"data": body}, status_code=status)
    return JSONResponse({"responses": [_wakatime_item(r) for r in results]}, status_code=202)


async def _post_wakapi(request: Request, user: FullAccessUser, principal: FullAccessPrincipal) -> JSONResponse:
    results, single = await _accept(request, user, principal)
    if single and results[0].outcome is Outcome.INVALID:
        # Wakapi's 400 for nothing valid; its plain-text body becomes JSON naming the fields.
        return JSONResponse({"error": WAKAPI_NONE_VALID, "errors": results[0].errors}, status_code=400)
    # An array with nothing valid stays 201 with a 400 per item (Wakapi: a top-level 400). A top-level 400 makes
    # wakatime-cli keep the batch and resend it forever, and Wakapi's own clients give up on it (README).
    return JSONResponse({"responses": [_wakapi_item(r) for r in results]}, status_code=201)


for _path in HEARTBEAT_BULK_PATHS:

    @router.post(
        _path, status_code=202, response_model=BulkResponse, responses=_ERRORS, openapi_extra=_BODY,
        summary="Post heartbeats (bulk)", operation_id=f"post_heartbeats_bulk_{_path}",
        dependencies=OWNER if "{user}" in _path else [],
    )  # fmt: skip
    async def post_bulk(request: Request, user: FullAccessUser, principal: FullAccessPrincipal) -> JSONResponse:
        return await _post_wakatime(request, user, principal, bulk=True)


for _path in HEARTBEAT_FLEXIBLE_PATHS:

    @router.post(
        _path, status_code=201, response_model=SingleResponse,
        responses={**_ERRORS, 202: {"model": BulkResponse, "description": "An array: answered as a bulk post"}},
        openapi_extra=_BODY, summary="Post one heartbeat (201) or an array (202)",
        operation_id=f"post_heartbeats_{_path}", dependencies=OWNER if "{user}" in _path else [],
    )  # fmt: skip
    async def post_flexible(request: Request, user: FullAccessUser, principal: FullAccessPrincipal) -> JSONResponse:
        return await _post_wakatime(request, user, principal, bulk=False)


for _path in WAKAPI_HEARTBEAT_PATHS:

    @router.post(
        _path, status_code=201, response_model=BulkResponse,
        responses={**_ERRORS, 400: {"model": HeartbeatBadRequest,
                                    "description": "Unparseable body, or one invalid heartbeat object posted alone"}},
        openapi_extra=_BODY, summary="Post heartbeats, answered as Wakapi does (201)",
        operation_id=f"post_heartbeats_wakapi_{_path}", dependencies=OWNER if "{user}" in _path else [],
    )  # fmt: skip
    async def post_wakapi(request: Request, user: FullAccessUser, principal: FullAccessPrincipal) -> JSONResponse:
        return await _post_wakapi(request, user, principal)
