"""Operations: liveness, dependency health, dead-letter inspection and replay, background jobs (administrators)."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from fastapi.responses import JSONResponse

from codetime.api.deps import AdminUser
from codetime.api.schemas.common import ErrorResponse
from codetime.api.schemas.ops import DeadLetterList, HealthResponse, JobList, ReplayResult
from codetime.services import ops as service

router = APIRouter(tags=["ops"])
_ADMIN: dict[int | str, dict[str, Any]] = {
    401: {"model": ErrorResponse, "description": "Missing or invalid API key or token"},
    403: {"model": ErrorResponse, "description": "Not a signed-in administrator"},
}
_NO_DLQ: dict[int | str, dict[str, Any]] = {409: {"model": ErrorResponse, "description": "SQS_DLQ_URL is not set"}}


@router.get("/health", summary="Liveness (no authentication, touches nothing)")
def liveness() -> dict[str, str]:
    return {"status": "ok"}


@router.get(
    "/api/v1/ops/health", summary="Database, Redis, queue, dead letters and writer (administrators)",
    response_model=HealthResponse,
    responses={**_ADMIN, 503: {"model": HealthResponse, "description": "A dependency is failing (`degraded`)"}},
)  # fmt: skip
def health(_: AdminUser) -> JSONResponse:
    result = service.health()
    return JSONResponse(result, status_code=200 if result["status"] == "ok" else 503)


@router.get(
    "/api/v1/ops/dlq", summary="Dead-lettered messages, summarised (administrators)", response_model=DeadLetterList,
    responses={**_ADMIN, **_NO_DLQ},
)  # fmt: skip
def dead_letters(_: AdminUser, limit: Annotated[int, Query(ge=1, le=500)] = 50) -> dict[str, Any]:
    letters = service.list_dead_letters(limit)
    return {"data": [asdict(letter) for letter in letters], "count": len(letters)}


@router.post(
    "/api/v1/ops/dlq/replay", summary="Move dead letters back to the main queue (administrators)",
    response_model=ReplayResult, responses={**_ADMIN, **_NO_DLQ},
)  # fmt: skip
def replay(_: AdminUser, limit: Annotated[int, Query(ge=1, le=10000)] = 1000) -> dict[str, int]:
    return service.replay_dead_letters(limit)


JobFilter = Literal["all", "open", "pending", "running", "done", "failed", "superseded"]


@router.get(
    "/api/v1/ops/jobs", summary="Background recompute jobs, newest first (administrators)", response_model=JobList,
    responses=_ADMIN,
)  # fmt: skip
def jobs(
    _: AdminUser,
    status: Annotated[JobFilter, Query(description="`open`: pending or running")] = "all",
    page: Annotated[int, Query(ge=1, le=100000)] = 1,
    limit: Annotated[int, Query(ge=1, le=100, description="Jobs per page")] = 20,
) -> dict[str, Any]:
    return service.list_jobs(status, page, limit)
