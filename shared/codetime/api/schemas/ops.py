"""Response models of the operations routes."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field


class HealthResponse(BaseModel):
    status: Literal["ok", "degraded"]
    checks: dict[str, dict[str, Any]] = Field(
        description="database, redis, queue, writer: each with `ok`, `latency_ms` and what it found (or `error`)"
    )


class DeadLetterOut(BaseModel):
    message_id: str
    sent_at: str | None
    receive_count: int
    bytes: int
    heartbeats: int | None = Field(description="null: the message cannot be decoded")
    users: dict[str, int] = Field(description="Heartbeats per user id")
    problem: str | None


class DeadLetterList(BaseModel):
    data: list[DeadLetterOut]
    count: int


class ReplayResult(BaseModel):
    replayed: int
    failed: int
