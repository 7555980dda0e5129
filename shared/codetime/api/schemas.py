"""Request/response models: they document the API (OpenAPI) and shape key-management answers."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, RootModel, StrictBool

# No NUL character: PostgreSQL text cannot hold it. Every text field of a JSON request body (and every text query
# filter) uses this, so a NUL is a 400 naming the field, never a 500 from the database.
NO_NUL = r"^[^\x00]*$"
Text = Annotated[str, Field(pattern=NO_NUL)]


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


class ErrorResponse(BaseModel):
    error: str
    errors: dict[str, list[str]] | None = None


class InvalidHeartbeat(BaseModel):
    """WakaTime's answer to one invalid heartbeat: the messages per field."""

    errors: dict[str, list[str]]


class HeartbeatBadRequest(RootModel[ErrorResponse | InvalidHeartbeat]):
    """An unparseable body (`error`), or one invalid heartbeat posted alone (`errors`)."""


def error_response(description: str) -> dict[str, Any]:
    """An error's OpenAPI entry. Its content is spelled out (not `model`) so it stays JSON on routes whose success
    is text (FastAPI would give a `model` the route's media type)."""
    content = {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorResponse"}}}
    return {"description": description, "content": content}


# The errors every authenticated route can answer (for OpenAPI).
USER_ROUTE_ERRORS: dict[int | str, dict[str, Any]] = {
    400: error_response("Invalid parameter or body"),
    401: error_response("Missing or invalid API key or token"),
    403: error_response("Another user's data, or a change with a read-only key"),
}


def not_found(what: str) -> dict[int | str, dict[str, Any]]:
    return {404: error_response(f"No such {what}")}


class KeyCreate(BaseModel):
    label: Text | None = Field(None, max_length=100)
    read_only: StrictBool = Field(False, description="A read-only key can read but not post heartbeats or manage keys")


class KeyOut(BaseModel):
    id: uuid.UUID
    key_hint: str = Field(description="waka_ + first and last four characters; the key itself is never stored")
    label: str | None
    created_at: datetime
    last_used_at: datetime | None
    last_plugin: str | None
    revoked_at: datetime | None
    read_only: bool


class IssuedKeyOut(KeyOut):
    key: str = Field(description="The new API key. Shown only in this response.")


class KeyList(BaseModel):
    data: list[KeyOut]


class IssuedKeyResponse(BaseModel):
    data: IssuedKeyOut
