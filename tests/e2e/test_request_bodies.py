"""JSON request bodies, on real TimescaleDB and Redis: a NUL character in any text field (PostgreSQL text cannot hold
it) and a wrongly typed boolean or integer are a 400 naming the field, and nothing is stored."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from codetime.api.app import create_local_app
from codetime.db import get_pool
from codetime.repositories.users import UserRepository
from codetime.services.keys import create_user
from harness import basic, confirmed

pytestmark = pytest.mark.e2e
KEY = "waka_bbbbbbbb-1111-4222-8333-444444444444"
ME = "/api/v1/users/current"
RULES = f"{ME}/rules"
GOALS = f"{ME}/goals"
COMPAT_GOALS = "/api/compat/wakatime/v1/users/current/goals"


@pytest.fixture
def client(redis_env, monkeypatch) -> Iterator[TestClient]:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("CODETIME_RATE_LIMIT_READ", "off")
    create_user(email="body@example.com", username="body", timezone="UTC", api_key=KEY)
    with TestClient(create_local_app(), raise_server_exceptions=True, headers=basic(KEY)) as test_client:
        yield test_client


def _state(client: TestClient) -> dict:
    paths = (ME, f"{ME}/settings", RULES, GOALS, f"{ME}/reports/settings", "/api/v1/auth/keys")
    return {path: client.get(path).json()["data"] for path in paths}


# (method, path, body, the field named in the error): every JSON request model with text, each text field once.
NUL_CASES = [
    ("PATCH", ME, {"display_name": "Ada\x00"}, "display_name"),
    ("PATCH", f"{ME}/settings", {"timezone": "Europe/Berlin\x00"}, "timezone"),
    ("PATCH", f"{ME}/settings", {"display_name": "\x00"}, "display_name"),
    ("POST", RULES, {"kind": "project", "pattern": "0", "replacement": "\x00"}, "replacement"),
    ("POST", RULES, {"kind": "language", "pattern": "Py\x00", "replacement": "Python"}, "pattern"),
    ("PATCH", f"{RULES}/{{rule}}", {"pattern": "a\x00b"}, "pattern"),
    ("PATCH", f"{RULES}/{{rule}}", {"replacement": "\x00"}, "replacement"),
    ("POST", GOALS, {"seconds": 3600, "title": "Focus\x00"}, "title"),
    ("POST", GOALS, {"seconds": 3600, "projects": ["ok", "\x00"]}, "projects.1"),
    ("POST", COMPAT_GOALS, {"seconds": 3600, "languages": ["Go\x00"]}, "languages.0"),
    ("PATCH", f"{GOALS}/{{goal}}", {"editors": ["\x00vim"]}, "editors.0"),
    ("PATCH", f"{GOALS}/{{goal}}", {"categories": ["coding\x00"]}, "categories.0"),
    ("PUT", f"{ME}/reports/settings", {"webhooks": [{"url": "https://example.com/\x00"}]}, "webhooks.0.url"),
    ("POST", "/api/v1/auth/key", {"label": "laptop\x00"}, "label"),
]

# Booleans and integers are JSON booleans and integers: 0, "5" or true are not silently converted.
TYPE_CASES = [
    ("POST", "/api/v1/auth/key", {"read_only": 0}, "read_only"),
    ("PATCH", f"{ME}/settings", {"timeout": "5"}, "timeout"),
    ("PATCH", f"{ME}/settings", {"week_start": True}, "week_start"),
    ("PATCH", f"{ME}/settings", {"public_profile": "yes"}, "public_profile"),
    ("PUT", f"{ME}/reports/settings", {"email": 0}, "email"),
    ("PUT", f"{ME}/reports/settings", {"hour": 9.0}, "hour"),
    ("PUT", f"{ME}/reports/settings", {"weekday": "1"}, "weekday"),
]


@pytest.mark.parametrize(("method", "path", "body", "field"), NUL_CASES + TYPE_CASES)
def test_invalid_body_is_a_400_naming_the_field_and_stores_nothing(client, method, path, body, field) -> None:  # type: ignore[no-untyped-def]
    rule = client.post(RULES, json={"kind": "project", "pattern": "a", "replacement": "b"}).json()["data"]["id"]
    goal = client.post(GOALS, json={"seconds": 3600}).json()["data"]["id"]
    before = _state(client)

    # Take-over routes (keys, report settings) take a key only with a one-time code: send one, so the answer is
    # about the body.
    with get_pool().connection() as conn:
        user = UserRepository(conn).find("body")
    response = client.request(method, path.format(rule=rule, goal=goal), json=body, headers=confirmed(basic(KEY), user))

    assert response.status_code == 400, response.text
    assert response.json()["error"] == "Invalid request."
    assert field in response.json()["errors"], response.json()
    assert _state(client) == before


def test_plugin_error_with_a_nul_is_rejected(client) -> None:  # type: ignore[no-untyped-def]
    response = client.post("/api/v1/plugins/errors", json={"error_message": "boom\x00"})
    assert response.status_code == 400
    assert client.post("/api/v1/plugins/errors", json={"error_message": "boom"}).status_code == 201


def test_text_without_nul_is_stored_as_given(client) -> None:  # type: ignore[no-untyped-def]
    name = "Ädä \t ☕ \u2028 line"
    assert client.patch(f"{ME}/settings", json={"display_name": name}).json()["data"]["display_name"] == name
    rule = client.post(RULES, json={"kind": "project", "pattern": "x\x01y", "replacement": name})
    assert rule.status_code == 201
    assert rule.json()["data"]["pattern"] == "x\x01y"
