"""WakaTime's meta routes: response models."""

from __future__ import annotations

from pydantic import BaseModel


class Ips(BaseModel):
    api: list[str]
    website: list[str]
    worker: list[str]
    descriptions: dict[str, str]


class MetaData(BaseModel):
    ips: Ips
    name: str


class MetaResponse(BaseModel):
    data: MetaData


class ProgramLanguage(BaseModel):
    id: str
    name: str
    color: str | None
    is_verified: bool


class ProgramLanguages(BaseModel):
    data: list[ProgramLanguage]
    total: int
    total_pages: int


class Editor(BaseModel):
    id: str
    name: str
    slug: str
    website: str | None
    color: str | None
    version: str | None
    released_at: str | None
    is_verified: bool


class Editors(BaseModel):
    data: list[Editor]
    total: int
    total_pages: int
