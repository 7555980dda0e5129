"""Goal requests and responses (WakaTime's goal object)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictBool, field_validator

from codetime.api.schemas.common import Text
from codetime.domain.errors import InvalidFields
from codetime.domain.ranges import check_date

Name = Annotated[Text, Field(min_length=1, max_length=255)]
Names = Annotated[list[Name], Field(max_length=50)]
Weekday = Literal["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]


class GoalPatch(BaseModel):
    """Fields to change; omitted fields keep their value."""

    model_config = ConfigDict(extra="forbid")

    title: Text | None = Field(None, max_length=255, description="Custom title")
    delta: Literal["day", "week"] | None = None
    seconds: Annotated[int, Field(ge=60, le=604800)] | None = Field(None, description="Target per delta")
    languages: Names | None = None
    projects: Names | None = None
    editors: Names | None = None
    categories: Names | None = None
    ignore_days: Annotated[list[Weekday], Field(max_length=7)] | None = None
    ignore_zero_days: StrictBool | None = None
    is_inverse: StrictBool | None = Field(None, description="Stay under `seconds` instead of reaching it")
    is_enabled: StrictBool | None = None
    snooze_until: datetime | None = Field(None, description="ISO 8601 date-time")

    @field_validator("snooze_until", mode="before")
    @classmethod
    def _iso_string(cls, value: object) -> object:
        # pydantic would also take epoch numbers; the schema (and WakaTime) says an ISO 8601 string.
        if value is not None and not isinstance(value, str):
            raise ValueError("must be an ISO 8601 date-time string")
        return value

    @field_validator("snooze_until")
    @classmethod
    def _representable(cls, value: datetime | None) -> datetime | None:
        # The same date range as every date parameter (a year-1 or year-9999 instant overflows when converted).
        if value is not None:
            try:
                check_date(value.date(), "snooze_until", "UTC")
            except InvalidFields as exc:
                raise ValueError(exc.errors["snooze_until"][0]) from None
        return value


class GoalCreate(GoalPatch):
    delta: Literal["day", "week"] = "day"
    seconds: Annotated[int, Field(ge=60, le=604800)] = Field(description="Target per delta, e.g. 7200 for 2 hrs")
    type: Literal["coding"] = "coding"


class GoalRange(BaseModel):
    date: str
    start: str
    end: str
    text: str
    timezone: str


class ChartItem(BaseModel):
    actual_seconds: float
    actual_seconds_text: str
    goal_seconds: int
    goal_seconds_text: str
    range: GoalRange
    range_status: Literal["success", "fail", "pending", "ignored"]
    range_status_reason: str
    range_status_reason_short: str


class GoalOut(BaseModel):
    id: str
    title: str
    custom_title: str | None
    type: str
    delta: str
    seconds: int
    languages: list[str]
    projects: list[str]
    editors: list[str]
    categories: list[str]
    ignore_days: list[str]
    ignore_zero_days: bool
    is_enabled: bool
    is_inverse: bool
    is_snoozed: bool
    snooze_until: str | None
    owner: dict[str, Any]
    status: str
    average_status: str
    cumulative_status: str
    range_text: str
    chart_data: list[ChartItem]
    created_at: str
    modified_at: str | None


class GoalResponse(BaseModel):
    data: GoalOut


class CachedGoalResponse(GoalResponse):
    cached_at: str


class GoalList(BaseModel):
    data: list[GoalOut]
    total: int
    total_pages: int
