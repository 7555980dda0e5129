"""The statusbar, summaries, durations (WakaTime's shapes) and the dashboard summary."""

from __future__ import annotations

from pydantic import BaseModel, Field


class AiModelShare(BaseModel):
    name: str = Field(description="Model family, e.g. Opus")
    lines: int
    cost: float


class AiFigures(BaseModel):
    """WakaTime's AI coding keys (README "AI coding analytics"): in grand_total, on project and editor items of days
    with AI activity, per duration (no breakdown or total cost there), and over a range."""

    ai_additions: int | None = None
    ai_deletions: int | None = None
    human_additions: int | None = None
    human_deletions: int | None = None
    ai_model_line_changes: dict[str, int] | None = None
    ai_input_tokens: int | None = None
    ai_cached_input_tokens: int | None = None
    ai_output_tokens: int | None = None
    ai_prompt_length_sum: int | None = None
    ai_prompt_events_total: int | None = None
    ai_sessions: int | None = None
    ai_model_costs: dict[str, float] | None = Field(None, description="USD, priced model families only")
    ai_model_breakdown: list[AiModelShare] | None = None
    ai_model_total_cost: float | None = None
    ai_prompt_length_avg: int | None = None
    ai_prompt_events_avg_per_session: int | None = None
    ai_prompt_events_median_per_session: int | None = None
    ai_prompt_length_avg_per_session: int | None = None
    ai_prompt_length_median_per_session: int | None = None


class TotalItem(AiFigures):
    name: str
    total_seconds: float
    percent: float
    digital: str
    decimal: str
    text: str
    hours: int
    minutes: int
    seconds: int | None = None


class GrandTotal(AiFigures):
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


class CumulativeTotal(AiFigures):
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


class Duration(AiFigures):
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
    ai: AiFigures | None = Field(None, description="The range's AI figures (no filter, or project/editor filters)")
