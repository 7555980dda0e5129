"""The FastAPI app factory: one app per Lambda (its own routers) or all routers for the local server."""

from __future__ import annotations

from fastapi import APIRouter, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from codetime.api.deps import Forbidden
from codetime.domain.errors import InvalidInput
from codetime.queue import QueueUnavailable
from codetime.services.auth import NotAuthenticated
from codetime.services.goals import GoalNotFound
from codetime.services.ingestion import TooManyHeartbeats
from codetime.services.keys import KeyNotFound
from codetime.services.rate_limit import RateLimited


def _error(status: int, message: str, **extra: object) -> JSONResponse:
    return JSONResponse({"error": message, **extra}, status_code=status)


# The only place where service exceptions become HTTP status codes (most specific class wins).
_STATUS: dict[type[Exception], int] = {
    NotAuthenticated: 401,
    Forbidden: 403,
    KeyNotFound: 404,
    GoalNotFound: 404,
    InvalidInput: 400,
    TooManyHeartbeats: 413,
}


def create_app(*routers: APIRouter, title: str = "CodeTime") -> FastAPI:
    """An app serving the given routers, with CodeTime's error shapes."""
    app = FastAPI(title=title, version="0.1.0", description="WakaTime-compatible coding-activity API")
    for router in routers:
        app.include_router(router)

    for exc_type, status in _STATUS.items():

        def handler(_: Request, exc: Exception, status: int = status) -> JSONResponse:
            response = _error(status, str(exc))
            if status == 401:
                response.headers["WWW-Authenticate"] = 'Basic realm="CodeTime"'
            return response

        app.add_exception_handler(exc_type, handler)

    @app.exception_handler(QueueUnavailable)
    def queue_unavailable(_: Request, exc: QueueUnavailable) -> JSONResponse:
        # 503 makes plugins keep the batch in their offline queue and retry: nothing is lost.
        response = _error(503, "Heartbeats could not be queued; retry later.")
        response.headers["Retry-After"] = "30"
        return response

    @app.exception_handler(RateLimited)
    def rate_limited(_: Request, exc: RateLimited) -> JSONResponse:
        # A bulk post answered 429 as a whole: wakatime-cli keeps the batch in its offline queue and retries.
        response = _error(429, str(exc), retry_after=exc.retry_after)
        response.headers["Retry-After"] = str(exc.retry_after)
        return response

    @app.exception_handler(RequestValidationError)
    def invalid_request(_: Request, exc: RequestValidationError) -> JSONResponse:
        errors: dict[str, list[str]] = {}
        for err in exc.errors():
            field = ".".join(str(part) for part in err["loc"][1:]) or str(err["loc"][0])
            errors.setdefault(field, []).append(err["msg"])
        return _error(400, "Invalid request.", errors=errors)

    return app


def create_local_app() -> FastAPI:
    """Every router in one app: what `codetime dev` serves."""
    from codetime.api.routes import diagnostics, goals, ingestion, keys, stats, summaries

    return create_app(ingestion.router, diagnostics.router, summaries.router, stats.router, goals.router, keys.router)
