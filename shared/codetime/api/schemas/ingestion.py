"""Heartbeat posts: the heartbeat WakaTime's plugins send and WakaTime's answers to it."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, RootModel

from codetime.api.schemas.common import ErrorResponse


class HeartbeatIn(BaseModel):
    """A heartbeat as WakaTime plugins send it. Unknown keys are ignored; `null` means "not known"."""

    model_config = ConfigDict(extra="allow")

    entity: str = Field(max_length=4096, description="File path, domain or app name")
    type: str | None = Field(None, description="file | domain | url | app (default file)")
    category: str | None = Field(None, description="coding (default), debugging, building, ai coding, ...")
    time: float | str = Field(description="Epoch seconds; a numeric string is accepted")
    project: str | None = None
    branch: str | None = None
    language: str | None = None
    dependencies: list[str] | None = None
    lines: int | None = None
    lineno: int | None = None
    cursorpos: int | None = None
    line_additions: int | None = None
    line_deletions: int | None = None
    project_root_count: int | None = None
    is_write: bool | None = None
    user_agent: str | None = None


class BulkResponse(BaseModel):
    responses: list[Annotated[list[dict[str, Any] | int], Field(min_length=2, max_length=2)]] = Field(
        description="One [body, status] per heartbeat, in request order: 201 accepted, 202 duplicate, 400 invalid"
    )


class SingleResponse(BaseModel):
    data: dict[str, Any]


class InvalidHeartbeat(BaseModel):
    """WakaTime's answer to one invalid heartbeat: the messages per field."""

    errors: dict[str, list[str]]


class HeartbeatBadRequest(RootModel[ErrorResponse | InvalidHeartbeat]):
    """An unparseable body (`error`), or one invalid heartbeat posted alone (`errors`)."""
