"""Response models of the operations routes."""

from __future__ import annotations

from datetime import date, datetime
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


class JobOut(BaseModel):
    id: str
    user_id: str
    username: str
    kind: str
    reason: str | None
    status: Literal["pending", "running", "done", "superseded", "failed"]
    first_day: date | None
    last_day: date | None
    next_day: date | None = Field(description="The first day still to recompute (null when not started or done)")
    attempts: int
    error: str | None
    created_at: datetime
    updated_at: datetime
    finished_at: datetime | None


class JobList(BaseModel):
    data: list[JobOut]
    total: int
    total_pages: int
    page: int
    prev_page: int | None
    next_page: int | None
