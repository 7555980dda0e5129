"""WakaTime's meta routes, which clients call without a key: `GET /api/v1/meta`, `/program_languages`, `/editors`.
Nothing in them belongs to a user."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response
from starlette.concurrency import run_in_threadpool

from codetime.api.rate_limits import RATE_LIMITED
from codetime.api.schemas.common import NO_NUL
from codetime.api.schemas.meta import Editors, MetaResponse, ProgramLanguages
from codetime.services import meta as service
from codetime.services.rate_limit import check_client

router = APIRouter(tags=["meta"], responses=RATE_LIMITED)
# The same for everyone and rarely changing: shared caches may keep it for an hour.
_CACHE = {"Cache-Control": "public, max-age=3600"}


async def _limited(request: Request, response: Response) -> None:
    response.headers.update(_CACHE)
    await run_in_threadpool(check_client, request.client.host if request.client else "unknown")


@router.get("/api/v1/meta", response_model=MetaResponse, summary="Service meta (WakaTime's shape)")
async def meta(request: Request, response: Response) -> dict[str, Any]:
    await _limited(request, response)
    return service.meta()


@router.get("/api/v1/program_languages", response_model=ProgramLanguages, summary="Programming languages known")
async def program_languages(
    request: Request, response: Response,
    name: Annotated[str | None, Query(max_length=100, pattern=NO_NUL, description="Only this language")] = None,
) -> dict[str, Any]:  # fmt: skip
    await _limited(request, response)
    return service.program_languages(name)


@router.get("/api/v1/editors", response_model=Editors, summary="Editors whose plugins CodeTime recognises")
async def editors(request: Request, response: Response) -> dict[str, Any]:
    await _limited(request, response)
    return service.editors()
