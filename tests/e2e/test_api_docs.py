"""/docs (Swagger UI) and /redoc work offline: every asset is served by the local app from the pinned npm packages,
no page or script of ours names another host, and the Lambda apps no longer point at a CDN."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

from codetime.api import docs_pages
from codetime.api.app import create_lambda_app

pytestmark = pytest.mark.e2e
ROOT = Path(__file__).resolve().parents[2]
# Any absolute or protocol-relative URL: a page served from elsewhere than this server.
EXTERNAL = re.compile(r"""(?:https?:)?//[A-Za-z0-9.-]+""")


class _References(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.urls += [value for name, value in attrs if name in ("src", "href") and value]


def _references(html: str) -> list[str]:
    parser = _References()
    parser.feed(html)
    return parser.urls


@pytest.mark.parametrize(("page", "expected"), [("/docs", "swagger-ui-bundle.js"), ("/redoc", "redoc.standalone.js")])
def test_docs_pages_reference_only_our_own_assets_and_each_answers(live_server, page: str, expected: str) -> None:  # type: ignore[no-untyped-def]
    with httpx.Client(base_url=live_server.base_url, timeout=10) as http:
        answer = http.get(page)
        assert answer.status_code == 200 and answer.headers["content-type"].startswith("text/html")
        assert not EXTERNAL.search(answer.text), EXTERNAL.search(answer.text)
        urls = _references(answer.text)
        assert any(url.endswith(expected) for url in urls) and len(urls) >= 3
        for url in urls:
            assert url.startswith("/"), url
            asset = http.get(url)
            assert asset.status_code == 200, url
            assert len(asset.content) > 100 or url.endswith("-init.js"), url
            if url.endswith("-init.js"):  # our own scripts: no host named at all
                assert not EXTERNAL.search(asset.text), url
        assert "openapi.json" in answer.text
        schema = http.get("/openapi.json")
        assert schema.status_code == 200 and schema.json()["info"]["title"] == "CodeTime"


def test_the_viewers_call_no_third_party() -> None:
    # Swagger UI's default validatorUrl is an external service; our initializer turns it off. ReDoc 2's sidebar logo
    # comes from Redocly's CDN; scripts/docs-assets.sh points it at nothing. (Checked in Chromium by hand with every
    # non-local request recorded: none. The dashboard's browser tests run in tests/browser.)
    assert "validatorUrl: null" in (docs_pages.SITE_DIR / "swagger-init.js").read_text()
    assert "cdn.redoc.ly" not in (docs_pages.VENDOR_DIR / "redoc.standalone.js").read_text()


def test_vendor_files_are_the_versions_pinned_in_package_lock() -> None:
    lock = json.loads((ROOT / "package-lock.json").read_text())["packages"]
    installed = json.loads((docs_pages.VENDOR_DIR / "versions.json").read_text())
    assert installed == {name: lock[f"node_modules/{name}"]["version"] for name in ("swagger-ui-dist", "redoc")}
    assert docs_pages.missing_assets() == []
    package = json.loads((ROOT / "package.json").read_text())["devDependencies"]
    assert package["swagger-ui-dist"] == installed["swagger-ui-dist"] and package["redoc"] == installed["redoc"]


def test_missing_assets_are_said_in_words(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from codetime.api.app import create_local_app

    monkeypatch.setattr(docs_pages, "VENDOR_DIR", tmp_path / "nothing")
    with TestClient(create_local_app()) as client:
        answer = client.get("/docs")
    assert answer.status_code == 503 and "make install" in answer.text


@pytest.mark.parametrize("function", ["ingestion", "summary", "keys", "ops"])
def test_lambda_apps_do_not_serve_cdn_docs(function: str) -> None:
    # API Gateway routes only the API's own paths; FastAPI's CDN-loading pages are off in every app.
    with TestClient(create_lambda_app(function)) as client:
        assert client.get("/docs").status_code == 404
        assert client.get("/redoc").status_code == 404
