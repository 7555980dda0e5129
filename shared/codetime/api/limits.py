"""Request body limits: every route reads at most its limit, and a body over it is a 413 naming the limit.

One ASGI middleware enforces them for every route (a new route gets the default without doing anything): a declared
Content-Length over the limit is answered before any of the body is read, and a body that grows past it while
streaming (chunked, or a lying Content-Length) is cut off as soon as it does. Either way the 413 goes through the
app's HTTPException handler, so it has the usual error shape."""

from __future__ import annotations

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from codetime.api.paths import HEARTBEAT_PATHS, IMPORT_PATH, PLUGIN_ERRORS_PATH
from codetime.config import get_settings

# JSON bodies of settings, rules, goals, keys and report settings: usually a few hundred bytes; the largest valid one
# (a goal naming 4 x 50 names of 255 characters, each \u-escaped) is about 600 KiB.
DEFAULT_BODY_BYTES = 1024 * 1024
# wakatime-cli's diagnostics body (a stack trace and logs).
PLUGIN_ERRORS_MAX_BYTES = 64 * 1024


def body_limit(path_template: str) -> tuple[int, str]:
    """(bytes, error message) for the route with this path template (settings are read at request time)."""
    settings = get_settings()
    if path_template == IMPORT_PATH:
        limit = settings.max_import_bytes
        return limit, f"Import bodies are limited to {limit} bytes; bigger files: `codetime import`."
    if path_template in HEARTBEAT_PATHS:
        limit = settings.max_body_bytes
    elif path_template == PLUGIN_ERRORS_PATH:
        limit = PLUGIN_ERRORS_MAX_BYTES
    else:
        limit = DEFAULT_BODY_BYTES
    return limit, f"Request body over {limit} bytes."


class BodyTooLarge(HTTPException):
    """Raised from `receive` while the body streams in; an HTTPException so FastAPI's body parsing passes it on."""

    def __init__(self, message: str) -> None:
        super().__init__(status_code=413, detail=message)


class BodyLimitMiddleware:
    """ASGI middleware applying `body_limit` to whatever reads the body of a request: checked at its first read,
    when routing has chosen the route (`scope["route"]`)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit: int | None = None
        message, received = "", 0

        async def limited_receive() -> Message:
            nonlocal limit, message, received
            if limit is None:
                limit, message = body_limit(str(getattr(scope.get("route"), "path", "")))
                declared = dict(scope["headers"]).get(b"content-length", b"")
                if declared.isdigit() and int(declared) > limit:
                    # Answered without reading the body. The server goes on reading (and dropping) the rest of it
                    # while the connection stays open, so a client still sending is not reset and reads the 413.
                    raise BodyTooLarge(message)
            event = await receive()
            received += len(event.get("body", b""))
            if received > limit:
                raise BodyTooLarge(message)
            return event

        await self.app(scope, limited_receive, send)
