"""What differs on Wakapi's paths (`/api/compat/wakatime/v1/...`): the same reads, in Wakapi's words."""

from __future__ import annotations

import gzip
import json

from fastapi import Request

from codetime.domain.wakapi_format import with_wakapi_texts
from codetime.services.summaries import JsonPayload

WAKAPI_PREFIX = "/api/compat/wakatime/v1/users/{user}"
# The reads whose duration texts Wakapi writes as "0 hrs 2 mins" (its helpers.FmtWakatimeDuration).
_WAKAPI_TEXT_ROUTES = frozenset(
    WAKAPI_PREFIX + suffix for suffix in ("/statusbar/today", "/summaries", "/stats", "/stats/{range}",
                                          "/all_time_since_today")
)  # fmt: skip


def route_path(request: Request) -> str:
    """The matched route's template (`.../users/{user}/...`), whatever the mount or stage prefix."""
    return str(getattr(request.scope.get("route"), "path", ""))


def on_wakapi_path(request: Request) -> bool:
    return route_path(request).startswith(WAKAPI_PREFIX)


def in_wakapi_words(payload: JsonPayload, request: Request) -> JsonPayload:
    """The payload with Wakapi's duration texts on the reads Wakapi writes them in; unchanged anywhere else
    (WakaTime's paths keep WakaTime's texts exactly)."""
    if route_path(request) not in _WAKAPI_TEXT_ROUTES:
        return payload
    body = with_wakapi_texts(json.loads(payload.json_bytes()))
    return JsonPayload(gzip.compress(json.dumps(body, separators=(",", ":")).encode(), compresslevel=1, mtime=0))
