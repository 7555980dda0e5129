"""Settings and rules: request and response models."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, Literal

from pydantic import AliasChoices, BaseModel, ConfigDict, Field, StrictBool, StrictInt

from codetime.api.schemas.common import Text
from codetime.domain.sharing import MAX_SHARED_DAYS


class SettingsPatch(BaseModel):
    """Only the fields given change; WakaTime's `weekday_start` is accepted for `week_start`."""

    model_config = ConfigDict(extra="forbid")

    display_name: Text | None = Field(None, max_length=100)
    timezone: Text | None = Field(None, max_length=64, description="IANA timezone, e.g. Europe/Berlin")
    timeout: StrictInt | None = Field(None, ge=1, le=60, description="Keystroke timeout in minutes (1-60)")
    week_start: StrictInt | None = Field(
        None, ge=0, le=6, validation_alias=AliasChoices("week_start", "weekday_start"),
        description="First day of the week: 0 Sunday ... 6 Saturday",
    )  # fmt: skip
    public_profile: StrictBool | None = Field(None, description="Opt in to a public profile")
    public_leaderboard: StrictBool | None = Field(
        None, description="Appear on the public leaderboard (GET /api/v1/leaders) with display name and country"
    )
    country_code: Text | None = Field(
        None, max_length=2, description="ISO 3166-1 alpha-2 country for leaderboards (e.g. DE); null or '' clears"
    )
    share_data_max_days: StrictInt | None = Field(
        None, ge=-1, le=MAX_SHARED_DAYS,
        description="Stats anyone may read without a key: 0 none (default), -1 any range, N ranges of at most N days",
    )  # fmt: skip
    share_projects: StrictBool | None = Field(None, description="Public stats list projects")
    share_languages: StrictBool | None = Field(None, description="Public stats list languages")
    share_editors: StrictBool | None = Field(None, description="Public stats list editors")
    share_operating_systems: StrictBool | None = Field(None, description="Public stats list operating systems")
    share_machines: StrictBool | None = Field(None, description="Public stats list machines")
    share_categories: StrictBool | None = Field(None, description="Public stats list categories")

    def changes(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in self.model_fields_set}


class SettingsOut(BaseModel):
    display_name: str | None
    timezone: str
    timeout: int = Field(description="Keystroke timeout in minutes")
    week_start: int
    public_profile: bool
    public_leaderboard: bool
    country_code: str | None
    share_data_max_days: int = Field(description="0 nothing public, -1 any range, N ranges of at most N days")
    share_projects: bool
    share_languages: bool
    share_editors: bool
    share_operating_systems: bool
    share_machines: bool
    share_categories: bool
    is_up_to_date: bool = Field(description="False while aggregates are recomputed after a change")


class SettingsResponse(BaseModel):
    data: SettingsOut


class RuleIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kind: Literal["project", "language", "extension"] = Field(
        description="project: rename/merge a project; language: rename a language; extension: files ending in "
        ".pattern get the language `replacement`"
    )
    pattern: Text = Field(min_length=1, max_length=255)
    replacement: Text = Field(min_length=1, max_length=255)


class RulePatch(BaseModel):
    model_config = ConfigDict(extra="forbid")

    pattern: Text | None = Field(None, min_length=1, max_length=255)
    replacement: Text | None = Field(None, min_length=1, max_length=255)


class RuleOut(BaseModel):
    id: uuid.UUID
    kind: str
    pattern: str
    replacement: str
    created_at: datetime


class RuleResponse(BaseModel):
    data: RuleOut
    is_up_to_date: bool


class RuleList(BaseModel):
    data: list[RuleOut]
    is_up_to_date: bool
