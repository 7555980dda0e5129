"""The caller's settings (PATCH /users/current, /users/current/settings) and project/language rules."""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import APIRouter, Response

from codetime.api.deps import CurrentUser, FullAccessUser
from codetime.api.rate_limits import RATE_LIMITED, ReadLimit
from codetime.api.schemas.common import USER_ROUTE_ERRORS, not_found
from codetime.api.schemas.settings import (
    RuleIn,
    RuleList,
    RuleOut,
    RulePatch,
    RuleResponse,
    SettingsOut,
    SettingsPatch,
    SettingsResponse,
)
from codetime.api.schemas.stats import UserResponse
from codetime.services import user_settings as service
from codetime.services.aggregation import is_current as is_up_to_date
from codetime.services.stats import user_object

router = APIRouter(tags=["account"], dependencies=[ReadLimit], responses={**USER_ROUTE_ERRORS, **RATE_LIMITED})
_SETTINGS = "/api/v1/users/current/settings"
_RULES = "/api/v1/users/current/rules"


# GET /api/v1/users/{user} (WakaTime's user object) is served by the reads router; only the change lives here. Both
# answer the same object: services/stats.py `user_object`, declared by api/schemas/stats.py `UserResponse`.
@router.patch("/api/v1/users/current", response_model=UserResponse, summary="Change settings; answers the user")
def patch_user(user: FullAccessUser, body: SettingsPatch) -> dict[str, Any]:
    return {"data": user_object(service.update_settings(user, body.changes()))}


@router.get(_SETTINGS, response_model=SettingsResponse, summary="Settings")
def get_settings(user: CurrentUser) -> SettingsResponse:
    return SettingsResponse(data=SettingsOut(**service.settings_of(user)))


@router.patch(_SETTINGS, response_model=SettingsResponse, summary="Change settings (only the fields given)")
def patch_settings(user: FullAccessUser, body: SettingsPatch) -> SettingsResponse:
    return SettingsResponse(data=SettingsOut(**service.settings_of(service.update_settings(user, body.changes()))))


def _rule(rule: object) -> RuleOut:
    return RuleOut.model_validate(rule, from_attributes=True)


@router.get(_RULES, response_model=RuleList, summary="Project and language rules")
def list_rules(user: CurrentUser) -> RuleList:
    return RuleList(data=[_rule(r) for r in service.list_rules(user)], is_up_to_date=is_up_to_date(user))


@router.post(_RULES, status_code=201, response_model=RuleResponse, summary="Add a rule (recomputes in background)")
def add_rule(user: FullAccessUser, body: RuleIn) -> RuleResponse:
    rule = service.add_rule(user, body.kind, body.pattern, body.replacement)
    return RuleResponse(data=_rule(rule), is_up_to_date=is_up_to_date(user))


@router.patch(
    f"{_RULES}/{{rule_id}}", response_model=RuleResponse, summary="Change a rule", responses=not_found("rule")
)
def update_rule(user: FullAccessUser, rule_id: uuid.UUID, body: RulePatch) -> RuleResponse:
    rule = service.update_rule(user, rule_id, body.pattern, body.replacement)
    return RuleResponse(data=_rule(rule), is_up_to_date=is_up_to_date(user))


@router.delete(f"{_RULES}/{{rule_id}}", status_code=204, summary="Delete a rule", responses=not_found("rule"))
def delete_rule(user: FullAccessUser, rule_id: uuid.UUID) -> Response:
    service.delete_rule(user, rule_id)
    return Response(status_code=204)
