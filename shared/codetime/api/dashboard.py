"""The web dashboard under `codetime dev`: web/dist at `/` (the single-page app, with its fallback to index.html for
the app's own paths) and `/config.json`, wrapped around the API app so no API route, `/docs` or unknown API path is
ever shadowed. On AWS, CloudFront serves the same files from S3 and the deploy writes config.json."""

from __future__ import annotations

import json
import mimetypes
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from starlette.middleware.gzip import GZipMiddleware
from starlette.responses import FileResponse, HTMLResponse, Response
from starlette.types import ASGIApp, Receive, Scope, Send

# web/dist of this checkout (shared/codetime/api/dashboard.py -> repository root); CODETIME_WEB_DIST overrides it.
DEFAULT_DIST = Path(__file__).resolve().parents[3] / "web" / "dist"
DEV_CLIENT_ID = "codetime-dashboard"
_NOT_BUILT = (
    "<!doctype html><html lang=en><meta charset=utf-8><title>CodeTime</title><main><h1>CodeTime</h1>"
    "<p>The dashboard is not built: run <code>make web</code> (or <code>make dev</code>, which builds it).</p>"
    '<p>The API is up: <a href="/docs">API docs</a>.</p></main></html>'
)


def dist_dir() -> Path:
    return Path(os.environ.get("CODETIME_WEB_DIST") or DEFAULT_DIST)


def dashboard_config(base: str, *, oidc_issuer: str | None, client_id: str | None, live: bool) -> dict[str, Any]:
    """The app's /config.json (the shape h/webinfra writes on AWS): sign-in issuer and client, live URL, API base."""
    oidc = {"issuer": oidc_issuer, "client_id": client_id, "scope": "openid email profile"}
    live_url = base.replace("http://", "ws://", 1).replace("https://", "wss://", 1) + "/api/v1/live"
    return {"oidc": oidc if oidc_issuer and client_id else None, "live_url": live_url if live else None,
            "api_base": "/api/v1"}  # fmt: skip


def route_paths(routes: list[Any], prefix: str = "") -> Iterator[str]:
    """Every route's path, included routers' routes too."""
    for route in routes:
        if hasattr(route, "original_router"):  # FastAPI >= 0.165 keeps included routers as one entry each
            context = getattr(route, "include_context", None)
            yield from route_paths(route.original_router.routes, prefix + getattr(context, "prefix", ""))
        elif isinstance(getattr(route, "path", None), str):
            yield prefix + route.path


def content_security_policy(config: dict[str, Any]) -> str:
    """The app's CSP: its own origin only, plus the sign-in issuer and the live WebSocket it connects to."""
    connect = ["'self'"]
    if config.get("oidc"):
        connect.append(_origin(config["oidc"]["issuer"]))
    if config.get("live_url"):
        connect.append(config["live_url"])
    return (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; "
        f"connect-src {' '.join(dict.fromkeys(connect))}; object-src 'none'; base-uri 'self'; form-action 'self'; "
        "frame-ancestors 'none'"
    )


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def _first_segments(app: Any) -> frozenset[str]:
    # Every top-level path segment the API answers under ("api", "docs", "openapi.json", ".well-known", "health"):
    # requests there always go to the API, so an unknown API path is its JSON 404, never the app's index.html.
    segments = {"api", "docs", "redoc", "openapi.json"}
    for path in route_paths(getattr(app, "routes", [])):
        if path.startswith("/") and len(path) > 1:
            segments.add(path.split("/")[1].split("{")[0])
    return frozenset(s for s in segments if s)


class Dashboard:
    """ASGI wrapper: GET/HEAD of a non-API path is the dashboard (a built file, or index.html for the app's routes);
    everything else (API paths, other methods, WebSockets, lifespan) goes to the API app untouched."""

    def __init__(self, api: ASGIApp, config: dict[str, Any], dist: Path | None = None) -> None:
        self.api = api
        self.dist = (dist or dist_dir()).resolve()
        self.config = json.dumps(config).encode()
        self.csp = content_security_policy(config)
        self.reserved = _first_segments(api)
        self.static = GZipMiddleware(self._serve, minimum_size=1024)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in ("GET", "HEAD"):
            return await self.api(scope, receive, send)
        segment = scope["path"].split("/")[1] if scope["path"] != "/" else ""
        if segment in self.reserved:
            return await self.api(scope, receive, send)
        await self.static(scope, receive, send)

    async def _serve(self, scope: Scope, receive: Receive, send: Send) -> None:
        await self._response(scope["path"])(scope, receive, send)

    def _response(self, path: str) -> Response:
        if path == "/config.json":
            return Response(self.config, media_type="application/json", headers={"Cache-Control": "no-store"})
        index = self.dist / "index.html"
        if not index.is_file():
            return HTMLResponse(_NOT_BUILT, status_code=503, headers={"Cache-Control": "no-store"})
        wanted = (self.dist / path.lstrip("/")).resolve()
        if path != "/" and wanted.is_file() and wanted.is_relative_to(self.dist):
            # Vite's /assets/ names carry a content hash: they never change, so browsers keep them.
            immutable = wanted.parent.name == "assets"
            cache = "public, max-age=31536000, immutable" if immutable else "no-cache"
            media_type = mimetypes.guess_type(wanted.name)[0] or "application/octet-stream"
            return FileResponse(wanted, media_type=media_type, headers={"Cache-Control": cache})
        # A missing file (e.g. an old asset) or a way out of the build directory: not one of the app's pages.
        if is_file_path(path) or ".." in path.split("/"):
            return Response("Not Found", status_code=404, media_type="text/plain")
        # The same policy as CloudFront's on AWS (infra_cdk/dashboard.py), so the browser tests hold the app to it.
        headers = {
            "Cache-Control": "no-cache",
            "Content-Security-Policy": self.csp,
            "X-Content-Type-Options": "nosniff",
        }
        return FileResponse(index, media_type="text/html", headers=headers)


def is_file_path(path: str) -> bool:
    """Files are top-level names with a dot (/config.json) or live under /assets/, /docs/, /redoc/; any other path is
    one of the app's pages, dots included (/projects/codetime.io). CloudFront's rewrite (infra_cdk/dashboard.py)
    draws the same line."""
    top_level = path.count("/") == 1 and "." in path
    return top_level or path.startswith(("/assets/", "/docs/", "/redoc/"))
