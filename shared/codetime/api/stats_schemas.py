"""Response models of the read API (WakaTime's shapes), for OpenAPI and response validation."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field


class TotalItem(BaseModel):
    name: str
    total_seconds: float
    percent: float
    digital: str
    decimal: str
    text: str
    hours: int
    minutes: int
    seconds: int | None = None


class BestDay(BaseModel):
    date: str
    text: str
    total_seconds: float


class Stats(BaseModel):
    total_seconds: float = Field(description="Excluding time in no known language ('Other')")
    total_seconds_including_other_language: float
    human_readable_total: str
    human_readable_total_including_other_language: str
    daily_average: float
    daily_average_including_other_language: float
    human_readable_daily_average: str
    human_readable_daily_average_including_other_language: str
    categories: list[TotalItem]
    projects: list[TotalItem]
    languages: list[TotalItem]
    editors: list[TotalItem]
    operating_systems: list[TotalItem]
    machines: list[TotalItem]
    dependencies: list[TotalItem]
    branches: list[TotalItem] | None = Field(None, description="Only with a project filter")
    entities: list[TotalItem] | None = Field(None, description="Only with a project filter")
    best_day: BestDay | None
    range: str
    human_readable_range: str
    holidays: int
    days_including_holidays: int
    days_minus_holidays: int
    status: str
    percent_calculated: int
    is_up_to_date: bool
    is_including_today: bool
    start: str
    end: str
    timezone: str
    timeout: int
    writes_only: bool
    user_id: str
    username: str


class StatsResponse(BaseModel):
    data: Stats


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


class GrandTotal(BaseModel):
    hours: int
    minutes: int
    total_seconds: float
    digital: str
    decimal: str
    text: str


class DayRange(BaseModel):
    start: str
    end: str
    date: str
    text: str
    timezone: str


class SummaryDay(BaseModel):
    grand_total: GrandTotal
    categories: list[TotalItem]
    editors: list[TotalItem]
    languages: list[TotalItem]
    machines: list[TotalItem]
    operating_systems: list[TotalItem]
    projects: list[TotalItem]
    dependencies: list[TotalItem]
    branches: list[TotalItem] | None = Field(None, description="Only with a project filter")
    entities: list[TotalItem] | None = Field(None, description="Only with a project filter")
    range: DayRange


class StatusbarResponse(BaseModel):
    cached_at: str
    data: SummaryDay
    has_team_features: bool


class CumulativeTotal(BaseModel):
    seconds: float
    text: str
    digital: str
    decimal: str


class DailyAverage(BaseModel):
    holidays: int
    days_minus_holidays: int
    days_including_holidays: int
    seconds: float
    seconds_including_other_language: float
    text: str
    text_including_other_language: str


class SummariesResponse(BaseModel):
    data: list[SummaryDay]
    start: str
    end: str
    cumulative_total: CumulativeTotal
    daily_average: DailyAverage
    timezone: str


class Duration(BaseModel):
    time: float
    project: str
    duration: float
    color: str | None


class DurationsResponse(BaseModel):
    data: list[Duration]
    start: str
    end: str
    timezone: str


class KeyTotal(BaseModel):
    key: str
    total: float


class DashboardSummary(BaseModel):
    user_id: str
    from_: str = Field(alias="from")
    to: str
    timezone: str
    total_seconds: float
    projects: list[KeyTotal]
    languages: list[KeyTotal]
    editors: list[KeyTotal]
    operating_systems: list[KeyTotal]
    machines: list[KeyTotal]
    branches: list[KeyTotal]
    categories: list[KeyTotal]
