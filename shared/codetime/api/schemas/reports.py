"""Request/response models of the report routes."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, Field, StrictBool, StrictInt

from codetime.api.schemas.common import Text


class WebhookIn(BaseModel):
    url: Text = Field(max_length=2048, description="https URL of a Slack/Discord incoming webhook or any JSON receiver")
    format: Literal["slack", "discord", "json"] = "json"


class ReportSettingsIn(BaseModel):
    daily: StrictBool = Field(False, description="Send a report of yesterday every day")
    weekly: StrictBool = Field(True, description="Send a report of the past 7 days on `weekday`")
    hour: StrictInt = Field(9, ge=0, le=23, description="Local hour (the user's timezone) reports are sent at")
    weekday: StrictInt = Field(0, ge=0, le=6, description="Day of the weekly report, 0 = Monday")
    email: StrictBool = Field(True, description="Send reports to the account's e-mail address")
    webhooks: list[WebhookIn] = Field(default_factory=list, max_length=5)


class ReportSettingsOut(ReportSettingsIn):
    timezone: str = Field(description="The timezone `hour` is read in (the user's)")


class ReportSettingsResponse(BaseModel):
    data: ReportSettingsOut


class DeliveryOut(BaseModel):
    channel: str
    kind: str
    status: Literal["pending", "sending", "delivered", "failed"]
    attempts: int
    last_error: str | None
    delivered_at: datetime | None


class ReportSummaryOut(BaseModel):
    id: uuid.UUID
    cadence: str
    start: date
    end: date
    timezone: str
    total_seconds: float
    created_at: datetime
    deliveries: list[DeliveryOut]


class ReportOut(ReportSummaryOut):
    report: dict[str, Any]
    text: str


class ReportList(BaseModel):
    data: list[ReportSummaryOut]


class ReportResponse(BaseModel):
    data: ReportOut
