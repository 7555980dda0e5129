"""Goals: /users/{user}/goals (wakatime-cli --today-goal reads GET /users/current/goals/{id})."""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import APIRouter, Request, Response
from starlette.concurrency import run_in_threadpool

from codetime.api.deps import OWNER, CurrentUser, FullAccessUser
from codetime.api.rate_limits import RATE_LIMITED, ReadLimit
from codetime.api.responses import json_payload
from codetime.api.routes.stats import ERRORS
from codetime.api.routes.summaries import PREFIXES
from codetime.api.schemas import goals as schemas
from codetime.api.schemas.common import ErrorResponse
from codetime.services import goals as service

router = APIRouter(tags=["goals"], dependencies=[ReadLimit], responses=RATE_LIMITED)
_NOT_FOUND: dict[int | str, dict[str, Any]] = {404: {"model": ErrorResponse, "description": "No such goal"}}

for _prefix in PREFIXES:
    _id = "compat_" if "compat" in _prefix else ""

    @router.get(
        f"{_prefix}/goals",
        dependencies=OWNER,
        operation_id=f"{_id}list_goals",
        summary="Goals with their last 7 periods",
        response_model=schemas.GoalList,
        responses=ERRORS,
    )
    async def list_goals(user: CurrentUser) -> dict[str, Any]:
        return await run_in_threadpool(service.list_goals, user)

    @router.post(
        f"{_prefix}/goals",
        dependencies=OWNER,
        operation_id=f"{_id}create_goal",
        summary="Create a goal",
        status_code=201,
        response_model=schemas.GoalResponse,
        responses=ERRORS,
    )
    async def create_goal(user: FullAccessUser, body: schemas.GoalCreate) -> dict[str, Any]:
        values = body.model_dump(exclude_unset=True, exclude={"type"})
        values.setdefault("delta", body.delta)
        return {"data": await run_in_threadpool(service.create, user, values)}

    @router.get(
        f"{_prefix}/goals/{{goal_id}}",
        dependencies=OWNER,
        operation_id=f"{_id}get_goal",
        summary="One goal and its progress",
        responses={200: {"model": schemas.CachedGoalResponse, "description": "OK"}, **ERRORS, **_NOT_FOUND},
    )
    def get_goal(user: CurrentUser, request: Request, goal_id: uuid.UUID) -> Response:
        return json_payload(service.get(user, goal_id), request)

    @router.patch(
        f"{_prefix}/goals/{{goal_id}}",
        dependencies=OWNER,
        operation_id=f"{_id}update_goal",
        summary="Change a goal",
        response_model=schemas.GoalResponse,
        responses={**ERRORS, **_NOT_FOUND},
    )
    async def update_goal(user: FullAccessUser, goal_id: uuid.UUID, body: schemas.GoalPatch) -> dict[str, Any]:
        values = body.model_dump(exclude_unset=True)
        return {"data": await run_in_threadpool(service.update, user, goal_id, values)}

    @router.delete(
        f"{_prefix}/goals/{{goal_id}}",
        dependencies=OWNER,
        operation_id=f"{_id}delete_goal",
        summary="Delete a goal",
        status_code=204,
        responses={**ERRORS, **_NOT_FOUND},
    )
    async def delete_goal(user: FullAccessUser, goal_id: uuid.UUID) -> Response:
        await run_in_threadpool(service.delete, user, goal_id)
        return Response(status_code=204)
