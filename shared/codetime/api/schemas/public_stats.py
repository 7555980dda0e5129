"""Stats over a range (WakaTime's shape): the owner's, or what another user shares."""

from __future__ import annotations

from pydantic import BaseModel, Field

from codetime.api.schemas.summaries import AiFigures, TotalItem


class BestDay(BaseModel):
    date: str
    text: str
    total_seconds: float


class Stats(AiFigures):  # the AI keys: the owner's stats only, never public ones
    ai_line_changes_total: int | None = None
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
