"""Response models of the data-ownership routes: import, export, clear, delete."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field


class ImportOut(BaseModel):
    imported: int = Field(description="Heartbeats stored by this import")
    duplicates: int = Field(description="Heartbeats already stored (or repeated in the file): skipped")
    invalid: int = Field(description="Items that are not valid heartbeats: skipped")
    errors: list[dict[str, Any]] = Field(description="The first invalid items: their index in the file and errors")


class ImportResponse(BaseModel):
    data: ImportOut


class DeletionOut(BaseModel):
    deleted: str = Field(description="`account` or `data`")
    complete: bool = Field(description="False: the rest of the heartbeats are being deleted in the background")


class DeletionResponse(BaseModel):
    data: DeletionOut
