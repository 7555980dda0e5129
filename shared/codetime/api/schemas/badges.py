"""Badges: shields.io's endpoint badge JSON."""

from __future__ import annotations

from pydantic import BaseModel


class ShieldsEndpoint(BaseModel):
    schemaVersion: int  # noqa: N815 (shields.io's field name)
    label: str
    message: str
    color: str
    cacheSeconds: int  # noqa: N815
