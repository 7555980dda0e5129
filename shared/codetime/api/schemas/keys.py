"""API keys: what a caller asks for, and a key as listed (its hint, never the key) or as issued (once, in full)."""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel, Field, StrictBool

from codetime.api.schemas.common import Text


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
