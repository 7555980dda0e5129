"""Report settings and the reports a user has been sent."""

from __future__ import annotations

import uuid
from dataclasses import asdict
from typing import Annotated, Literal

from fastapi import APIRouter, Query
from fastapi.responses import HTMLResponse, PlainTextResponse

from codetime.api.deps import OWNER, ConfirmedUser, CurrentPrincipal, CurrentUser
from codetime.api.rate_limits import RATE_LIMITED, ReadLimit
from codetime.api.schemas.common import USER_ROUTE_ERRORS, not_found
from codetime.api.schemas.reports import (
    DeliveryOut,
    ReportList,
    ReportOut,
    ReportResponse,
    ReportSettingsIn,
    ReportSettingsOut,
    ReportSettingsResponse,
    ReportSummaryOut,
)
from codetime.domain import reports as model
from codetime.repositories.reports import ReportSettings
from codetime.services import reports as service

router = APIRouter(tags=["reports"], dependencies=[ReadLimit, *OWNER], responses={**USER_ROUTE_ERRORS, **RATE_LIMITED})
PREFIX = "/api/v1/users/{user}/reports"


def _settings_out(user: CurrentUser, settings: ReportSettings, reveal: bool) -> ReportSettingsResponse:
    # Webhook URLs are secrets (their path is the Slack/Discord token): in full only to a signed-in person, so a
    # leaked plugin key cannot read them.
    data = asdict(settings)
    data["webhooks"] = [
        {**hook, "url": hook["url"] if reveal else model.masked_webhook_url(hook["url"])}
        for hook in data["webhooks"] or []
    ]
    return ReportSettingsResponse(data=ReportSettingsOut(**data, timezone=user.effective_timezone))


@router.get(f"{PREFIX}/settings", summary="Report settings (defaults until changed); webhook URLs masked for keys")
def get_settings(user: CurrentUser, principal: CurrentPrincipal) -> ReportSettingsResponse:
    return _settings_out(user, service.get_settings(user), principal.is_person)


@router.put(
    f"{PREFIX}/settings",
    summary="Replace the report settings (a person, or a key with a confirmation code: webhooks outlive keys)",
)
def put_settings(user: ConfirmedUser, principal: CurrentPrincipal, body: ReportSettingsIn) -> ReportSettingsResponse:
    settings = ReportSettings(**{**body.model_dump(), "webhooks": [w.model_dump() for w in body.webhooks]})
    return _settings_out(user, service.save_settings(user, settings), principal.is_person)


def _summary(stored, deliveries) -> dict:  # type: ignore[no-untyped-def]
    return {
        "id": stored.id, "cadence": stored.cadence, "start": stored.period_start, "end": stored.period_end,
        "timezone": stored.timezone, "total_seconds": stored.body["total_seconds"], "created_at": stored.created_at,
        "deliveries": [DeliveryOut(**asdict(d)) for d in deliveries],
    }  # fmt: skip


@router.get(PREFIX, summary="Reports generated for the user, newest first")
def list_reports(user: CurrentUser, limit: Annotated[int, Query(ge=1, le=100)] = 20) -> ReportList:
    return ReportList(data=[ReportSummaryOut(**_summary(s, d)) for s, d in service.list_reports(user, limit)])


@router.get(
    f"{PREFIX}/{{report_id}}",
    summary="One report: JSON (default), or as sent with format=html or format=text",
    response_model=ReportResponse,
    responses={
        200: {"content": {"text/html": {"schema": {"type": "string"}}, "text/plain": {"schema": {"type": "string"}}}},
        **not_found("report"),
    },
)
def get_report(
    user: CurrentUser, report_id: uuid.UUID, format: Literal["json", "html", "text"] = "json"
) -> ReportResponse | HTMLResponse | PlainTextResponse:
    stored, deliveries = service.get_report(user, report_id)
    report = model.Report.model_validate(stored.body)
    if format == "html":
        return HTMLResponse(model.render_html(report))
    if format == "text":
        return PlainTextResponse(model.render_text(report))
    return ReportResponse(
        data=ReportOut(**_summary(stored, deliveries), report=stored.body, text=model.render_text(report))
    )
