"""Data ownership: import a history, export it, clear it, delete the account."""

from __future__ import annotations

import io
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import JSONResponse, StreamingResponse
from starlette.concurrency import run_in_threadpool

from codetime.api.deps import OWNER, ConfirmedUser, CurrentUser, FullAccessUser
from codetime.api.paths import IMPORT_PATH  # its body limit is CODETIME_MAX_IMPORT_BYTES (api/limits.py)
from codetime.api.rate_limits import RATE_LIMITED, ReadLimit
from codetime.api.schemas.accounts import DeletionOut, DeletionResponse, ImportOut, ImportResponse
from codetime.api.schemas.common import USER_ROUTE_ERRORS, ErrorResponse, not_found
from codetime.config import get_settings
from codetime.services import accounts, exports, imports

router = APIRouter(
    tags=["account data"], dependencies=[ReadLimit, *OWNER], responses={**USER_ROUTE_ERRORS, **RATE_LIMITED}
)
USER = "/api/v1/users/{user}"
Confirm = Annotated[str | None, Query(description="Your username: confirms the deletion")]


@router.post(
    IMPORT_PATH, response_model=ImportResponse, summary="Import a WakaTime data dump or a heartbeat array",
    openapi_extra={"requestBody": {"content": {"application/json": {"schema": {"type": ["object", "array"]}}}}},
    responses={413: {"model": ErrorResponse, "description": "Body over CODETIME_MAX_IMPORT_BYTES"}},
)  # fmt: skip
async def import_file(user: FullAccessUser, request: Request) -> ImportResponse:
    body = await request.body()
    result = await run_in_threadpool(imports.import_heartbeats, user, io.BytesIO(body))
    return ImportResponse(
        data=ImportOut(
            imported=result.imported, duplicates=result.duplicates, invalid=result.invalid, errors=result.errors
        )  # fmt: skip
    )


@router.get(f"{USER}/export", summary="All heartbeats, in WakaTime's data-dump format (streamed)")
def export(user: CurrentUser, request: Request) -> StreamingResponse:
    disposition = f'attachment; filename="{exports.export_filename(user)}"'
    headers = {"Content-Disposition": disposition, "Vary": "Accept-Encoding"}
    chunks = exports.export_chunks(user)
    if "gzip" in request.headers.get("accept-encoding", ""):
        chunks = exports.gzipped(chunks)
        headers["Content-Encoding"] = "gzip"
    return StreamingResponse(chunks, media_type="application/json", headers=headers)


def _deletion(what: str, status: accounts.PurgeStatus) -> Response:
    body = DeletionResponse(data=DeletionOut(deleted=what, complete=status.complete))
    return JSONResponse(body.model_dump(), status_code=200 if status.complete else 202)


@router.delete(
    USER, response_model=DeletionResponse, summary="Delete the account and all its data (?confirm=<username>)",
    responses={202: {"model": DeletionResponse, "description": "Deleted; the rest of the heartbeats follow"},
               **not_found("user (deleted meanwhile)")},
)  # fmt: skip
def delete_account(user: ConfirmedUser, confirm: Confirm = None) -> Response:
    accounts.check_confirmation(user, confirm)
    budget = get_settings().purge_budget_seconds
    return _deletion("account", accounts.delete_account(user.id, budget_seconds=budget))


@router.delete(
    f"{USER}/data", response_model=DeletionResponse,
    summary="Delete all heartbeats and summaries, keep the account, keys and settings (?confirm=<username>)",
    responses={202: {"model": DeletionResponse, "description": "Cleared; the rest of the heartbeats follow"},
               **not_found("user (deleted meanwhile)")},
)  # fmt: skip
def clear_data(user: ConfirmedUser, confirm: Confirm = None) -> Response:
    accounts.check_confirmation(user, confirm)
    budget = get_settings().purge_budget_seconds
    return _deletion("data", accounts.clear_data(user.id, budget_seconds=budget))
