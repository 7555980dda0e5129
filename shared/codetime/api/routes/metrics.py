"""Per-user Prometheus metrics (Wakapi's names), for scraping into Grafana with the user's API key."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import PlainTextResponse

from codetime.api.deps import OWNER, CurrentUser
from codetime.api.rate_limits import RATE_LIMITED, ReadLimit
from codetime.api.schemas.common import USER_ROUTE_ERRORS
from codetime.services.ops import prometheus_metrics

router = APIRouter(tags=["metrics"], dependencies=[ReadLimit, *OWNER], responses={**USER_ROUTE_ERRORS, **RATE_LIMITED})


@router.get(
    "/api/v1/users/{user}/metrics", summary="Coding time as Prometheus text (today and all time)",
    response_class=PlainTextResponse,
)  # fmt: skip
def user_metrics(user: CurrentUser) -> PlainTextResponse:
    return PlainTextResponse(prometheus_metrics(user), media_type="text/plain; version=0.0.4; charset=utf-8")
