"""The public leaderboard, WakaTime's `GET /api/v1/leaders`: anyone may read it (no key); a key or token adds the
caller's own place (`current_user`) and, without `page`, starts at the page holding it."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response
from starlette.concurrency import run_in_threadpool

from codetime.api.deps import OptionalPrincipal
from codetime.api.rate_limits import RATE_LIMITED
from codetime.api.schemas.common import NO_NUL, error_response
from codetime.api.schemas.leaders import LeadersResponse
from codetime.services import leaderboards as service
from codetime.services.cache_keys import dumps
from codetime.services.rate_limit import check, check_client

router = APIRouter(tags=["leaderboards"], responses=RATE_LIMITED)


@router.get(
    "/api/v1/leaders", response_model=LeadersResponse, summary="Public leaderboard (last 7 days)",
    responses={400: error_response("Invalid parameter"), 401: error_response("An invalid API key or token")},
)  # fmt: skip
async def leaders(
    request: Request,
    principal: OptionalPrincipal,
    language: Annotated[str | None, Query(max_length=service.MAX_LANGUAGE_LENGTH, pattern=NO_NUL,
                                          description="Rank by time in this language, e.g. Python")] = None,
    country_code: Annotated[str | None, Query(max_length=2, pattern=NO_NUL,
                                              description="ISO 3166-1 alpha-2 country code, e.g. DE")] = None,
    page: Annotated[int | None, Query(ge=1, le=1_000_000, description="1-based; default: the caller's own page "
                                                                      "when they are on the board, else 1")] = None,
) -> Response:  # fmt: skip
    if principal is not None:
        await run_in_threadpool(check, "read", principal.user.id, principal.key_id)
    else:
        await run_in_threadpool(check_client, request.client.host if request.client else "unknown")
    board = await run_in_threadpool(
        service.ranking, None, language=language, country_code=country_code, page=page,
        current_user=principal.user if principal else None,
    )  # fmt: skip
    # Built by the service in the declared shape: sent as it is (validating 100 leaders again costs milliseconds).
    return Response(dumps(board), media_type="application/json")
