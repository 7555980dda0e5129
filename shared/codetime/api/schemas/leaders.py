"""The public leaderboard (WakaTime's `GET /api/v1/leaders`): response models."""

from __future__ import annotations

from pydantic import BaseModel, Field


class LeaderLanguage(BaseModel):
    name: str
    total_seconds: float


class RunningTotal(BaseModel):
    total_seconds: float = Field(description="Seconds over the last 7 days (in the language asked for, if any)")
    human_readable_total: str
    daily_average: float = Field(description="total_seconds over the days with any coding in the window")
    human_readable_daily_average: str
    languages: list[LeaderLanguage] = Field(description="The user's languages over the window, most time first")


class LeaderCity(BaseModel):
    country_code: str
    country: str
    title: str


class LeaderUser(BaseModel):
    id: str
    username: str
    display_name: str
    full_name: str | None
    email: None = Field(description="Never shown on a leaderboard")
    is_email_public: bool
    photo: str | None
    photo_public: bool
    website: str | None
    human_readable_website: str | None
    is_hireable: bool
    city: LeaderCity | None = Field(description="The user's country, when they set one")


class Leader(BaseModel):
    rank: int = Field(description="Equal totals share a rank (1, 2, 2, 4)")
    running_total: RunningTotal
    user: LeaderUser


class CurrentUserUser(BaseModel):
    id: str
    username: str
    display_name: str


class CurrentLeader(BaseModel):
    rank: int | None = Field(description="The caller's rank; null when they are not on this board")
    page: int | None = Field(description="The page holding the caller's rank")
    running_total: RunningTotal | None
    user: LeaderUser | CurrentUserUser


class LeadersRange(BaseModel):
    start_date: str
    start_text: str
    end_date: str
    end_text: str
    name: str
    text: str


class LeadersResponse(BaseModel):
    data: list[Leader]
    current_user: CurrentLeader | None = Field(description="The caller's place, when a key or token was given")
    page: int
    total_pages: int
    total: int = Field(description="Users on the board")
    per_page: int
    language: str | None
    country_code: str | None
    is_hireable: bool | None
    range: LeadersRange
    modified_at: str | None = Field(description="When the board's totals were last refreshed")
