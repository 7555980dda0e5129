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
    ai_line_changes: int | None = Field(None, description="Lines changed by AI since the last heartbeat (signed)")
    human_line_changes: int | None = Field(None, description="Lines changed by hand since the last heartbeat")
    ai_session: str | None = Field(None, max_length=255, description="The AI agent's session id")
    ai_model: str | None = Field(
        None, max_length=255, description="AI model; default: the model token of the User-Agent (opus/4.6)"
    )
    ai_subscription_plan: str | None = Field(None, max_length=255, description="e.g. max, pro")
    ai_input_tokens: int | None = Field(None, ge=0, description="AI input tokens (not cached) since the last one")
    ai_cached_input_tokens: int | None = Field(None, ge=0, description="AI cached input tokens")
    ai_output_tokens: int | None = Field(None, ge=0, description="AI output tokens")
    ai_prompt_length: int | None = Field(None, ge=0, description="Characters of the prompt this heartbeat records")


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
