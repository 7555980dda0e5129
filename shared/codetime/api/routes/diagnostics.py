"""POST /api/v1/plugins/errors: plugin diagnostics (wakatime-cli sends them), logged without secrets."""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import APIRouter, Request
from pydantic import ValidationError

from codetime.api.deps import FullAccessUser
from codetime.api.limits import PLUGIN_ERRORS_MAX_BYTES as MAX_BODY_BYTES
from codetime.api.paths import PLUGIN_ERRORS_PATH
from codetime.api.rate_limits import RATE_LIMITED, IngestLimit
from codetime.api.schemas.common import ErrorResponse
from codetime.api.schemas.diagnostics import PluginError, PluginErrorAccepted
from codetime.domain.errors import InvalidInput
from codetime.domain.json_bodies import TooDeeplyNested, parse_json
from codetime.domain.scrub import scrub
from codetime.logs import logger

router = APIRouter(tags=["diagnostics"], dependencies=[IngestLimit], responses=RATE_LIMITED)

PATH = PLUGIN_ERRORS_PATH


@router.post(
    PATH, status_code=201, summary="Report a plugin error (diagnostics)",
    operation_id="plugin_errors", response_model=PluginErrorAccepted,
    responses={
        400: {"model": ErrorResponse, "description": "Not a JSON object"},
        401: {"model": ErrorResponse, "description": "Missing or invalid API key"},
        403: {"model": ErrorResponse, "description": "Read-only key"},
        413: {"model": ErrorResponse, "description": f"Body over {MAX_BODY_BYTES} bytes"},
    },
    openapi_extra={
        "requestBody": {"required": True, "content": {"application/json": {"schema": PluginError.model_json_schema()}}}
    },
)  # fmt: skip
async def plugin_errors(request: Request, user: FullAccessUser) -> Any:
    body = await request.body()
    try:
        report = PluginError.model_validate(parse_json(body))
    except TooDeeplyNested:
        raise
    except (ValueError, ValidationError) as exc:
        raise InvalidInput("Body must be a JSON object of strings.") from exc
    entry = str(uuid.uuid4())
    fields = {
        name: scrub(value) if isinstance(value, str) else value
        for name, value in report.model_dump(exclude_none=True).items()
    }
    logger.warning("plugin error", extra={"plugin_error_id": entry, "user_id": str(user.id), **fields})
    return {"data": {"id": entry}}
