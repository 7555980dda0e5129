"""Hostile requests on real TimescaleDB and Redis: every route answers a 4xx that names the problem, never a 500.

Routes and parameters are enumerated from the local app's OpenAPI schema, so a new route is covered without
editing this file."""

from __future__ import annotations

import importlib
import uuid
from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from codetime.api.app import create_local_app
from codetime.services.auth import authenticate_key
from codetime.services.keys import create_user
from harness import Response, basic, confirmed, http_event, invoke

pytestmark = pytest.mark.e2e
KEY = "waka_cccccccc-1111-4222-8333-444444444444"
# A valid value for each path parameter and for each required query parameter.
PATH_VALUES = {"user": "current", "range": "last_7_days", "type": "languages"}
# A date well inside the accepted range whatever today is (the suite may run on a pinned clock).
RECENT = (date.today() - timedelta(days=30)).isoformat()
REQUIRED_QUERY = {"date": RECENT}
BOUND_SECONDS = 20.0


def _operations() -> list[tuple[str, str, list[dict[str, Any]], bool]]:
    schema = create_local_app().openapi()
    return [
        (method.upper(), path, op.get("parameters", []), "requestBody" in op)
        for path, ops in schema["paths"].items()
        for method, op in ops.items()
    ]


def _is_string(schema: dict[str, Any]) -> bool:
    types = schema.get("type") or [s.get("type") for s in schema.get("anyOf", [])]
    return "string" in (types if isinstance(types, list) else [types])


def _url(path: str) -> str:
    teams = ("org", "board", "dashboard", "member", "board_member", "invite", "board_invite", "invitation")
    for name in ("goal_id", "report_id", "key_id", "rule_id", *teams):
        path = path.replace(f"{{{name}}}", str(uuid.uuid4()))
    return path.format(**PATH_VALUES)


OPERATIONS = _operations()
STRING_QUERY_CASES = [
    pytest.param(method, path, param["name"], id=f"{method} {path} ?{param['name']}")
    for method, path, params, _ in OPERATIONS
    for param in params
    if param["in"] == "query" and _is_string(param["schema"])
] + [pytest.param("GET", "/api/v1/users/{user}/statusbar/today", "api_key", id="undeclared api_key")]
PATH_CASES = [
    pytest.param(method, path, name, id=f"{method} {path} {{{name}}}")
    for method, path, params, _ in OPERATIONS
    for name in [p["name"] for p in params if p["in"] == "path" and p["name"] in PATH_VALUES]
]


@pytest.fixture
def client(redis_env, monkeypatch) -> Iterator[TestClient]:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("CODETIME_RATE_LIMIT_READ", "off")
    monkeypatch.setenv("CODETIME_RATE_LIMIT_INGEST", "off")
    create_user(email="hostile@example.com", username="hostile", timezone="UTC", api_key=KEY)
    with TestClient(create_local_app(), raise_server_exceptions=False, headers=basic(KEY)) as test_client:
        yield test_client


def test_every_string_query_parameter_is_enumerated() -> None:
    names = {case.values[2] for case in STRING_QUERY_CASES}
    assert {"project", "category", "date", "from", "to", "start", "end", "q", "confirm"} <= names


@pytest.mark.parametrize(("method", "path", "name"), STRING_QUERY_CASES)
def test_a_nul_in_any_string_query_parameter_is_a_400_naming_it(client, method, path, name) -> None:  # type: ignore[no-untyped-def]
    query = {**{k: v for k, v in REQUIRED_QUERY.items() if f"{{{k}}}" not in path}, name: "a\x00b"}
    response = client.request(method, _url(path), params=query)
    assert response.status_code == 400, response.text
    assert response.json()["errors"] == {name: ["Must not contain NUL characters."]}


@pytest.mark.parametrize(("method", "path", "name"), PATH_CASES)
def test_a_nul_in_a_path_parameter_is_a_400_naming_it(client, method, path, name) -> None:  # type: ignore[no-untyped-def]
    url = _url(path.replace(f"{{{name}}}", "%00"))
    response = client.request(method, url, params=REQUIRED_QUERY if "heartbeats" in path and method == "GET" else {})
    assert response.status_code == 400, response.text
    assert name in response.json()["errors"]


# Every date parameter, with the values around it that make the request valid.
DATE_CASES = [
    ("/api/v1/users/current/summaries", "start", {"end": RECENT}),
    ("/api/v1/users/current/summaries", "end", {"start": RECENT}),
    ("/api/compat/wakatime/v1/users/current/summaries", "start", {"end": RECENT}),
    ("/api/v1/users/current/durations", "date", {}),
    ("/api/compat/wakatime/v1/users/current/durations", "date", {}),
    ("/api/v1/users/current/heartbeats", "date", {}),
    ("/api/compat/wakatime/v1/users/current/heartbeats", "date", {}),
    ("/api/v1/summary", "from", {"to": RECENT}),
    ("/api/v1/summary", "to", {"from": RECENT}),
]
# Outside 1970-01-01 .. today + 1 year, whatever today is within decades; the user's timezone is UTC+14.
OUT_OF_RANGE = [
    "9999-12-31", "0001-01-01", "1969-12-31", "2200-01-01", "0001-01-01T00:00:00+14:00",
    "9999-12-31T23:59:59-12:00", "0001-01-01T00:00:00Z", "-1", "1e300", "253402300800",
]  # fmt: skip


@pytest.fixture
def east_client(client: TestClient) -> TestClient:
    assert client.patch("/api/v1/users/current/settings", json={"timezone": "Pacific/Kiritimati"}).status_code == 200
    return client


@pytest.mark.parametrize("value", OUT_OF_RANGE)
@pytest.mark.parametrize(("path", "name", "others"), DATE_CASES)
def test_a_date_outside_the_representable_range_is_a_400_naming_it(east_client, path, name, others, value) -> None:  # type: ignore[no-untyped-def]
    response = east_client.get(path, params={**others, name: value})
    assert response.status_code == 400, response.text
    assert list(response.json()["errors"]) == [name], response.json()


@pytest.mark.parametrize(("path", "name", "others"), DATE_CASES)
def test_a_date_inside_the_range_is_answered(east_client, path, name, others) -> None:  # type: ignore[no-untyped-def]
    assert east_client.get(path, params={**others, name: RECENT}).status_code == 200
    if not others:  # a single day: the first one of the range is answered too (its start is before the epoch in UTC)
        assert east_client.get(path, params={name: "1970-01-01"}).status_code == 200


@pytest.mark.parametrize("value", ["9999-12-31T23:59:59Z", "0001-01-01T00:00:00+14:00", "1969-12-31T00:00:00Z"])
def test_a_goal_snoozed_outside_the_range_is_a_400_naming_the_field(client, value) -> None:  # type: ignore[no-untyped-def]
    response = client.post("/api/v1/users/current/goals", json={"seconds": 3600, "snooze_until": value})
    assert response.status_code == 400, response.text
    assert "snooze_until" in response.json()["errors"]
    assert client.get("/api/v1/users/current/goals").json()["data"] == []


BODY_CASES = [pytest.param(method, path, id=f"{method} {path}") for method, path, _, has_body in OPERATIONS if has_body]
MIB = 1024 * 1024


def _limit(path: str) -> int:
    # The README's Limits: imports 5 MiB, heartbeat posts 2 MiB, plugin errors 64 KiB, every other JSON body 1 MiB.
    if path.endswith("/imports"):
        return 5 * MIB
    if "heartbeat" in path or path == "/api/v1":
        return 2 * MIB
    return 64 * 1024 if path.endswith("/plugins/errors") else MIB


def test_every_body_reading_route_is_enumerated() -> None:
    paths = {case.values[1] for case in BODY_CASES}
    assert {"/api/v1/users/{user}/imports", "/api/v1/plugins/errors", "/api/v1/heartbeats", "/api/v1"} <= paths
    assert len(BODY_CASES) >= 20


def _parses_its_own_body(path: str) -> bool:
    # Heartbeats, plugin errors and imports parse JSON themselves; the other routes' bodies are pydantic models.
    return _limit(path) != MIB


@pytest.mark.parametrize("body", ["[" * 60000, '{"a":' * 12000, "[" * 65 + "]" * 65], ids=["arrays", "objects", "65"])
@pytest.mark.parametrize(("method", "path"), BODY_CASES)
def test_deeply_nested_json_is_a_400_on_every_body_reading_route(client, method, path, body) -> None:  # type: ignore[no-untyped-def]
    # With a one-time code, so take-over routes (keys, report settings) reach their body too.
    user = authenticate_key(KEY).user
    headers = confirmed({"content-type": "application/json"}, user)
    response = client.request(method, _url(path), content=body, headers=headers)
    assert response.status_code == 400, response.text
    # 65 levels are refused as such where the route parses JSON; a model's fields refuse them as a wrong type.
    expected = "JSON nested deeper than 64 levels."
    if path.endswith("/imports") and body.startswith("{"):
        expected = "The file is not valid JSON"  # the streaming parser skips an unknown key and meets the end first
    if len(body) > 1000 or _parses_its_own_body(path):
        assert response.json()["error"].startswith(expected), response.text


def _chunks(size: int, chunk: int = 64 * 1024) -> Iterator[bytes]:
    # A body without Content-Length (chunked transfer encoding): only streaming can tell it is too large.
    sent = 0
    while sent < size:
        yield b" " * min(chunk, size - sent)
        sent += chunk


@pytest.mark.parametrize(("method", "path"), BODY_CASES)
def test_an_oversized_body_is_a_413_with_the_limit_from_a_real_server(live_server, monkeypatch, method, path) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("CODETIME_RATE_LIMIT_READ", "off")
    monkeypatch.setenv("CODETIME_RATE_LIMIT_INGEST", "off")
    create_user(email="big@example.com", username="big", timezone="UTC", api_key=KEY)
    limit = _limit(path)
    headers = {**basic(KEY), "content-type": "application/json"}
    with httpx.Client(base_url=live_server.base_url, headers=headers, timeout=60) as http:
        for body in (b"[" + b" " * limit + b"]", _chunks(limit + 1)):
            response = http.request(method, _url(path), content=body)
            assert response.status_code == 413, response.text
            assert response.json() == {"error": response.json()["error"]} and str(limit) in response.json()["error"]
        # The connection is still good: a body at the limit is read (and answered by the route).
        assert http.request(method, _url(path), content=b" " * (limit - 2) + b"[]").status_code != 413


LAMBDA_CASES = [
    ("keys", "/api/v1/users/current/imports", 5 * MIB),
    ("ingestion", "/api/v1/users/current/heartbeats.bulk", 2 * MIB),
    ("ingestion", "/api/v1/plugins/errors", 64 * 1024),
    ("keys", "/api/v1/users/current/rules", MIB),
    ("summary", "/api/v1/users/current/goals", MIB),
]


@pytest.mark.parametrize(("handler", "path", "limit"), LAMBDA_CASES)
@pytest.mark.parametrize("declared", [True, False], ids=["content-length", "no content-length"])
def test_an_oversized_body_is_a_413_through_the_lambda_handler(sqs, handler, path, limit, declared) -> None:  # type: ignore[no-untyped-def]
    create_user(email="lambda@example.com", username="lambda", timezone="UTC", api_key=KEY)
    body = "[" + " " * limit + "]"
    headers = {**basic(KEY), "content-type": "application/json", "content-length": str(len(body)) if declared else None}
    event = http_event("POST", path, headers=headers, raw_body=body)
    response = Response(invoke(importlib.import_module(f"functions.{handler}").handler, event))
    assert response.status == 413, response
    assert str(limit) in response.json["error"]


def test_the_worst_case_plugin_error_is_scrubbed_quickly_by_a_real_server(live_server) -> None:  # type: ignore[no-untyped-def]
    # Each field at its 16 KiB maximum, a different adversarial shape in each, the body just under 64 KiB: minutes of
    # backtracking per field before the scrubber was linear. The bound is generous (seconds, the server is shared).
    create_user(email="diag@example.com", username="diag", timezone="UTC", api_key=KEY)
    shapes = ["-pwd", "auth-", "-eyJ", "a-", "://a:", "token a", 'pwd="', "waka_a-"]
    fields = ["logs", "stacktrace", "error_message", "editor", "plugin", "platform", "architecture", "cli_version"]
    for start in range(0, len(shapes), 3):
        report = {
            field: (shape * 16384)[:16300]
            for field, shape in zip(fields[start : start + 3], shapes[start : start + 3], strict=True)
        }
        response = httpx.post(
            f"{live_server.base_url}/api/v1/plugins/errors", json=report, headers=basic(KEY), timeout=BOUND_SECONDS
        )
        assert response.status_code == 201, response.text
