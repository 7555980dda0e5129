"""/docs (Swagger UI) and /redoc on the project's own pinned assets (local app; on AWS they are files in S3)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from codetime.api import docs_pages

router = APIRouter(include_in_schema=False)


def _page(html: str) -> HTMLResponse:
    missing = docs_pages.missing_assets()
    if missing:  # said in words rather than a blank page whose scripts answer 404
        return HTMLResponse(
            f"<!doctype html><title>API docs unavailable</title><p>The API docs' assets are not installed "
            f"({', '.join(missing)}): run <code>make install</code> (scripts/docs-assets.sh).</p>",
            status_code=503,
        )
    return HTMLResponse(html)


@router.get("/docs")
def swagger_ui(request: Request) -> HTMLResponse:
    return _page(docs_pages.swagger_page(request.app.openapi_url, request.app.title))


@router.get("/redoc")
def redoc(request: Request) -> HTMLResponse:
    return _page(docs_pages.redoc_page(request.app.openapi_url, request.app.title))
