"""The FastAPI app factory: one app per Lambda (its own routers) or all routers for the local server."""

from __future__ import annotations

from importlib import import_module
from typing import Any

import psycopg
from fastapi import APIRouter, Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.utils import get_openapi
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import WebSocketRoute

from codetime.api.limits import BodyLimitMiddleware
from codetime.api.schemas.common import ErrorResponse
from codetime.config import get_settings
from codetime.db import statement_timeout
from codetime.domain.errors import (
    Conflict,
    Forbidden,
    InvalidFields,
    InvalidInput,
    NotAuthenticated,
    NotFound,
    RateLimited,
    TooLarge,
)
from codetime.domain.json_bodies import TOO_DEEP
from codetime.logs import logger
from codetime.queue import QueueUnavailable


def _error(status: int, message: str, **extra: object) -> JSONResponse:
    return JSONResponse({"error": message, **extra}, status_code=status)


# The only place where errors become HTTP status codes: by family (domain/errors.py; most specific class wins).
_STATUS: dict[type[Exception], int] = {
    InvalidInput: 400,
    NotAuthenticated: 401,
    Forbidden: 403,
    NotFound: 404,
    Conflict: 409,
    TooLarge: 413,
}


def _single_valued_query(request: Request) -> None:
    # Every query parameter of this API takes one value; `?project=a&project=b` is ambiguous, not "the last one".
    keys = [key for key, _ in request.query_params.multi_items()]
    if len(keys) != len(set(keys)):
        raise InvalidInput("A query parameter was given more than once.")


def _no_nul_parameters(request: Request) -> None:
    # The rule JSON text fields follow (schemas.common.Text), for every query and path parameter of every route,
    # declared or not (`api_key`): PostgreSQL text cannot hold a NUL, so it is a 400 naming the parameter, not a 500.
    errors = {
        name: ["Must not contain NUL characters."]
        for items in (request.query_params.multi_items(), request.path_params.items())
        for name, value in items
        if isinstance(value, str) and ("\x00" in value or "\x00" in name)
    }
    if errors:
        raise InvalidFields(errors)


class _BoundedStatements:
    """ASGI middleware: the database statements of a request are cancelled after the API's statement timeout, so
    no query outlives the Lambda that asked for it (the writer and maintenance run outside it, unbounded)."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        # Set here, in the request's task: the thread a sync endpoint runs in copies this context.
        with statement_timeout(get_settings().api_statement_timeout_ms if scope["type"] == "http" else None):
            await self.app(scope, receive, send)


def create_app(*routers: APIRouter, title: str = "CodeTime") -> FastAPI:
    """An app serving the given routers, with CodeTime's error shapes."""
    # FastAPI's own /docs and /redoc load their scripts from a CDN: off; the local app serves them on pinned assets
    # (routes/docs.py), the stack from the dashboard's bucket.
    app = FastAPI(
        title=title, version="0.1.0", description="WakaTime-compatible coding-activity API",
        dependencies=[Depends(_single_valued_query), Depends(_no_nul_parameters)], docs_url=None, redoc_url=None,
    )  # fmt: skip
    for router in routers:
        app.include_router(router)
    app.add_middleware(BodyLimitMiddleware)

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

    @app.exception_handler(psycopg.OperationalError)
    def database_unavailable(_: Request, exc: psycopg.OperationalError) -> JSONResponse:
        # The database is down, restarting, out of connections (PoolTimeout) or cancelled a statement that ran
        # past the API's statement timeout (QueryCanceled): a 503 that clients retry, never a 500. Only the class
        # and SQLSTATE are logged: psycopg's messages can name the host and user of the DSN.
        logger.warning("database unavailable", extra={"error": type(exc).__name__, "sqlstate": exc.sqlstate})
        if isinstance(exc, psycopg.errors.QueryCanceled):
            response = _error(503, "The query took longer than the API's statement timeout and was cancelled; "
                                   "retry later or ask for a shorter range.")  # fmt: skip
        else:
            response = _error(503, "The database is unavailable; retry later.")
        response.headers["Retry-After"] = "5"
        return response

    @app.exception_handler(RateLimited)
    def rate_limited(_: Request, exc: RateLimited) -> JSONResponse:
        # A bulk post answered 429 as a whole: wakatime-cli keeps the batch in its offline queue and retries.
        response = _error(429, str(exc), retry_after=exc.retry_after)
        response.headers["Retry-After"] = str(exc.retry_after)
        return response

    @app.exception_handler(StarletteHTTPException)
    def http_error(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        # Starlette's own errors (unknown path, wrong method, unparseable JSON body) in CodeTime's error shape.
        if isinstance(exc.__cause__, RecursionError):  # FastAPI parsing a request body model's JSON
            return _error(400, TOO_DEEP)
        return JSONResponse({"error": str(exc.detail)}, status_code=exc.status_code, headers=exc.headers)

    @app.exception_handler(InvalidFields)
    def invalid_fields(_: Request, exc: InvalidFields) -> JSONResponse:
        return _error(400, "Invalid request.", errors=exc.errors)

    @app.exception_handler(RequestValidationError)
    def invalid_request(_: Request, exc: RequestValidationError) -> JSONResponse:
        errors: dict[str, list[str]] = {}
        for err in exc.errors():
            field = ".".join(str(part) for part in err["loc"][1:]) or str(err["loc"][0])
            errors.setdefault(field, []).append(err["msg"])
        return _error(400, "Invalid request.", errors=errors)

    app.add_middleware(_BoundedStatements)
    app.openapi = lambda: _openapi(app)  # type: ignore[method-assign]
    return app


def _openapi(app: FastAPI) -> dict:
    """FastAPI's schema, with what this app really does: validation errors are 400 (not 422) in the error shape,
    and the ways an API key is accepted."""
    if app.openapi_schema:
        return app.openapi_schema
    schema = get_openapi(title=app.title, version=app.version, description=app.description, routes=app.routes)
    components = schema.setdefault("components", {})
    components.setdefault("schemas", {})["ErrorResponse"] = ErrorResponse.model_json_schema()
    components.get("schemas", {}).pop("HTTPValidationError", None)
    components.get("schemas", {}).pop("ValidationError", None)
    error = {"description": "Invalid parameter or body", "content": {
        "application/json": {"schema": {"$ref": "#/components/schemas/ErrorResponse"}}}}  # fmt: skip
    for path in schema.get("paths", {}).values():
        for operation in path.values():
            responses = operation.get("responses", {})
            if responses.pop("422", None) is not None:
                responses.setdefault("400", error)
    components["securitySchemes"] = {
        "basic": {"type": "http", "scheme": "basic", "description": "base64(key), as WakaTime plugins send it"},
        "bearer": {"type": "http", "scheme": "bearer", "description": "the key, or base64(key) as Wakapi's clients"},
        "query": {"type": "apiKey", "in": "query", "name": "api_key"},
    }
    schema["security"] = [{"basic": []}, {"bearer": []}, {"query": []}]
    app.openapi_schema = schema
    return schema


# The routers each API Lambda serves (modules of codetime.api.routes), by its entry module in functions/: the one
# list the entry modules, the local app and the CDK routes are built from. A Lambda imports only its own routers.
LAMBDA_ROUTERS: dict[str, tuple[str, ...]] = {
    "ingestion": ("ingestion", "diagnostics"),
    "summary": (
        "summaries",
        "stats",
        "public_stats",
        "goals",
        "reports",
        "metrics",
        "orgs",
        "leaders",
        "meta",
        "badges",
        "insights",
    ),
    "keys": ("keys", "settings", "accounts", "org_admin"),
    "ops": ("ops",),
}
LAMBDA_TITLES = {
    "ingestion": "CodeTime ingestion", "summary": "CodeTime summaries", "keys": "CodeTime keys and account",
    "ops": "CodeTime ops",
}  # fmt: skip


def routers_of(function: str) -> tuple[APIRouter, ...]:
    """The routers of one API Lambda, imported on demand."""
    return tuple(import_module(f"codetime.api.routes.{name}").router for name in LAMBDA_ROUTERS[function])


def lambda_routers() -> dict[str, tuple[APIRouter, ...]]:
    """Every API Lambda's routers, by its module in functions/ (the local app and the CDK routes)."""
    return {function: routers_of(function) for function in LAMBDA_ROUTERS}


def create_lambda_app(function: str) -> FastAPI:
    """The app one API Lambda serves: its own routers only (a short cold start)."""
    return create_app(*routers_of(function), title=LAMBDA_TITLES[function])


def create_local_app() -> FastAPI:
    """Every Lambda's routers in one app, the dev OIDC issuer, the API docs and the live WebSocket: what
    `codetime dev` serves."""
    from fastapi.staticfiles import StaticFiles

    from codetime.api import docs_pages
    from codetime.api.routes import dev_oidc, docs, live

    app = create_app(*(r for routers in lambda_routers().values() for r in routers), dev_oidc.router, docs.router)
    app.mount(docs_pages.ASSETS_URL, StaticFiles(directory=docs_pages.SITE_DIR, check_dir=False), name="docs-assets")
    # On AWS the live endpoint is its own WebSocket API (functions/live.py); locally the same protocol is here.
    # A plain Starlette route: the app's HTTP dependencies (query checks on a Request) do not apply to a WebSocket.
    app.router.routes.append(WebSocketRoute(live.LIVE_PATH, live.live_socket))
    return app
