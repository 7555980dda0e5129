"""How `codetime dev` serves the dashboard around the API: the app's files and pages, /config.json, and never an
API path, the API docs or the dev issuer's documents in their place."""

from __future__ import annotations

from pathlib import Path

import pytest
from starlette.testclient import TestClient

from codetime.api.app import create_local_app
from codetime.api.dashboard import Dashboard, dashboard_config

pytestmark = pytest.mark.e2e
INDEX = "<!doctype html><title>CodeTime</title><main id=main></main>"


@pytest.fixture
def dist(tmp_path: Path) -> Path:
    (tmp_path / "assets").mkdir()
    (tmp_path / "index.html").write_text(INDEX)
    (tmp_path / "assets" / "index-abc123.js").write_text("console.log('x');" * 200)
    (tmp_path.parent / "secret.txt").write_text("not for the web")
    return tmp_path


def _client(dist: Path, **config: object) -> TestClient:
    defaults: dict = {"oidc_issuer": "http://127.0.0.1:8000", "client_id": "codetime-dashboard", "live": False}
    settings = dashboard_config("http://127.0.0.1:8000", **{**defaults, **config})
    return TestClient(Dashboard(create_local_app(), settings, dist))


def test_pages_are_the_app_and_assets_are_cached_for_good(dist: Path) -> None:
    client = _client(dist)
    for path in ("/", "/goals", "/projects/my%20app", "/projects/codetime.io", "/callback?code=x&state=y", "/signin"):
        response = client.get(path)
        assert response.status_code == 200 and response.text == INDEX, path
        assert response.headers["cache-control"] == "no-cache"
        csp = response.headers["content-security-policy"]
        assert "script-src 'self';" in csp and "frame-ancestors 'none'" in csp
        assert "connect-src 'self' http://127.0.0.1:8000;" in csp  # the dev issuer's origin (token endpoint)
    asset = client.get("/assets/index-abc123.js", headers={"Accept-Encoding": "gzip"})
    assert asset.status_code == 200 and asset.headers["content-type"].startswith("text/javascript")
    assert asset.headers["cache-control"] == "public, max-age=31536000, immutable"
    assert asset.headers["content-encoding"] == "gzip"
    assert client.get("/assets/index-old.js").status_code == 404  # a missing file is not a page
    assert client.get("/../secret.txt").status_code == 404
    assert client.get("/%2e%2e/secret.txt").status_code == 404


def test_api_paths_docs_and_issuer_documents_are_never_shadowed(dist: Path) -> None:
    client = _client(dist)
    missing = client.get("/api/v1/no-such-thing")
    assert missing.status_code == 404 and missing.json() == {"error": "Not Found"}
    assert client.get("/api/v1/users/current/statusbar/today").status_code == 401
    assert client.get("/health").json() == {"status": "ok"}
    assert client.get("/openapi.json").json()["info"]["title"] == "CodeTime"
    assert "swagger" in client.get("/docs").text.lower()
    assert client.get("/.well-known/openid-configuration").json()["issuer"] == "http://testserver"
    # Other methods are the API's: a POST to a page path is not answered with the app.
    assert client.post("/goals").headers["content-type"].startswith("application/json")


def test_config_json_names_the_issuer_client_and_live_url(dist: Path) -> None:
    config = _client(dist, live=True).get("/config.json")
    assert config.headers["cache-control"] == "no-store"
    assert config.json() == {
        "oidc": {"issuer": "http://127.0.0.1:8000", "client_id": "codetime-dashboard", "scope": "openid email profile"},
        "live_url": "ws://127.0.0.1:8000/api/v1/live",
        "api_base": "/api/v1",
    }
    assert _client(dist, client_id=None).get("/config.json").json()["oidc"] is None  # an issuer without a client
    https = dashboard_config("https://codetime.example", oidc_issuer=None, client_id=None, live=True)
    assert https["live_url"] == "wss://codetime.example/api/v1/live"


def test_an_unbuilt_dashboard_says_how_to_build_it(tmp_path: Path) -> None:
    response = _client(tmp_path / "nothing").get("/")
    assert response.status_code == 503 and "make web" in response.text
    assert _client(tmp_path / "nothing").get("/api/v1/nope").status_code == 404
