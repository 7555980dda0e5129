"""Plugin diagnostics: wakatime-cli's body and the answer naming the log entry."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, StrictBool

from codetime.api.schemas.common import Text

MAX_FIELD_CHARS = 16384


class PluginError(BaseModel):
    """wakatime-cli's diagnostics body (pkg/api/diagnostics.go); unknown fields are ignored."""

    model_config = ConfigDict(extra="ignore")

    architecture: Text | None = Field(None, max_length=MAX_FIELD_CHARS)
    cli_version: Text | None = Field(None, max_length=MAX_FIELD_CHARS)
    editor: Text | None = Field(None, max_length=MAX_FIELD_CHARS)
    error_message: Text | None = Field(None, max_length=MAX_FIELD_CHARS)
    is_panic: StrictBool | None = None
    logs: Text | None = Field(None, max_length=MAX_FIELD_CHARS)
    platform: Text | None = Field(None, max_length=MAX_FIELD_CHARS)
    plugin: Text | None = Field(None, max_length=MAX_FIELD_CHARS)
    stacktrace: Text | None = Field(None, max_length=MAX_FIELD_CHARS)


class PluginErrorAccepted(BaseModel):
    data: dict[str, str] = Field(description='{"id": ...}: the id of the log entry')
