"""All-time totals, projects, the user object, raw heartbeats and user agents (WakaTime's shapes)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field


class AllTimeRange(BaseModel):
    start: str
    start_date: str
    start_text: str
    end: str
    end_date: str
    end_text: str
    timezone: str


class AllTime(BaseModel):
    is_up_to_date: bool
    range: AllTimeRange
    timeout: int
    total_seconds: float
    text: str
    decimal: str
    digital: str
    daily_average: float


class AllTimeResponse(BaseModel):
    data: AllTime


class Project(BaseModel):
    id: str
    name: str
    urlencoded_name: str
    color: str | None
    repository: Any
    badge: Any
    clients: list[Any]
    has_public_url: bool
    url: str
    first_heartbeat_at: str | None
    human_readable_first_heartbeat_at: str
    last_heartbeat_at: str | None
    human_readable_last_heartbeat_at: str
    created_at: str | None


class ProjectsResponse(BaseModel):
    data: list[Project]


class UserObject(BaseModel):
    id: str
    username: str
    display_name: str
    full_name: str | None
    email: str | None
    timezone: str
    timeout: int = Field(description="Keystroke timeout in minutes")
    writes_only: bool
    created_at: str | None
    last_heartbeat_at: str | None
    last_plugin: str | None
    last_plugin_name: str | None
    last_project: str | None
    last_branch: str | None
    last_language: str | None
    plan: str
    logged_time_public: bool = Field(description="Stats are public (share_data_max_days is not 0)")
    languages_used_public: bool
    editors_used_public: bool
    categories_used_public: bool
    os_used_public: bool


class UserResponse(BaseModel):
    data: UserObject


class StoredHeartbeat(BaseModel):
    id: str
    time: float
    entity: str
    type: str
    category: str
    project: str | None
    branch: str | None
    language: str | None
    dependencies: list[str] | None
    lines: int | None
    lineno: int | None
    cursorpos: int | None
    is_write: bool
    editor: str | None
    operating_system: str | None
    machine_name: str | None
    user_agent: str | None
    created_at: str | None
    user_id: str


class HeartbeatsResponse(BaseModel):
    data: list[StoredHeartbeat]
    start: str
    end: str
    timezone: str
    total: int
    total_pages: int
    page: int
    prev_page: int | None
    next_page: int | None


class UserAgent(BaseModel):
    id: str
    value: str
    editor: str | None
    os: str | None
    is_browser_extension: bool
    first_seen_at: str | None
    last_seen_at: str | None


class UserAgentsResponse(BaseModel):
    data: list[UserAgent]
    total_pages: int
