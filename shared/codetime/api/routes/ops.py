"""Operations: liveness, dependency health, dead-letter inspection and replay (administrators only)."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi.responses import JSONResponse

from codetime.api.deps import AdminUser
from codetime.services import ops as service

router = APIRouter(tags=["ops"])


@router.get("/health", summary="Liveness (no authentication, touches nothing)")
def liveness() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/api/v1/ops/health", summary="Database, Redis, queue, dead letters and writer (administrators)")
def health(_: AdminUser) -> JSONResponse:
    result = service.health()
    return JSONResponse(result, status_code=200 if result["status"] == "ok" else 503)


@router.get("/api/v1/ops/dlq", summary="Dead-lettered messages, summarised (administrators)")
def dead_letters(_: AdminUser, limit: Annotated[int, Query(ge=1, le=500)] = 50) -> dict[str, Any]:
    letters = service.list_dead_letters(limit)
    return {"data": [asdict(letter) for letter in letters], "count": len(letters)}


@router.post("/api/v1/ops/dlq/replay", summary="Move dead letters back to the main queue (administrators)")
def replay(_: AdminUser, limit: Annotated[int, Query(ge=1, le=10000)] = 1000) -> dict[str, int]:
    return service.replay_dead_letters(limit)
