"""Per-heartbeat validation, normalization and the request-body forms clients send."""

from __future__ import annotations

import json

import pytest

from codetime.domain.heartbeats import (
    MAX_ENTITY_LENGTH,
    Heartbeat,
    HeartbeatErrors,
    RequestContext,
    normalize_heartbeat,
    request_context,
)  # fmt: skip
from codetime.services.ingestion import UnparseableBody, parse_body
from harness import FIXTURES

NOW = 1_800_000_000.0
CTX = RequestContext(
    user_id="00000000-0000-4000-8000-000000000001",
    user_agent="wakatime/v1.73.0 (linux-5.15.0-x86_64) go1.21.5 vim/9.0 vim-wakatime/10.0.0",
    machine="box",
)  # noqa: E501


def norm(raw: object, **kwargs: object) -> Heartbeat:
    return normalize_heartbeat(raw, CTX, now=NOW, max_age_seconds=kwargs.pop("max_age", 365 * 86400))  # type: ignore[arg-type]


def errors_of(raw: object) -> dict[str, list[str]]:
    with pytest.raises(HeartbeatErrors) as info:
        norm(raw)
    return info.value.errors


def test_go_cli_request_fixture_normalizes() -> None:
    body = json.loads((FIXTURES / "wakatime-cli/pkg_api_testdata_api_heartbeats_request.json").read_text())
    for raw in body:
        hb = norm(raw, max_age=10**10)
        assert hb.entity == raw["entity"] and hb.category == raw["category"].lower()
        assert hb.user_agent == raw["user_agent"]  # the heartbeat's own user_agent wins over the header


def test_legacy_null_fields() -> None:
    raw = {"time": NOW, "entity": "/a.py", "type": "file", "category": None, "is_write": None, "project": None,
           "branch": None, "language": None, "dependencies": None, "lines": None, "lineno": None,
           "cursorpos": None, "user_agent": None}  # fmt: skip
    hb = norm(raw)
    assert hb.category == "coding" and hb.project is None and hb.is_write is False
    assert hb.editor == "vim" and hb.machine == "box"  # from the request headers


def test_time_as_string_and_unknown_keys() -> None:
    hb = norm({"entity": "x", "time": f"{NOW}", "type": "url", "plugin": "chrome", "ai_session": "s"})
    assert hb.time == NOW and hb.type == "url"


def test_heartbeat_user_agent_wins_over_header() -> None:
    hb = norm(
        {
            "entity": "x",
            "time": NOW,
            "user_agent": "wakatime/v1.73.0 (darwin-22.0-arm64) go1.21 vscode/1.85 vscode-wakatime/24.0.0",
        }
    )  # noqa: E501
    assert hb.editor == "vscode"


@pytest.mark.parametrize(
    ("raw", "field"),
    [
        ({"time": NOW}, "entity"),
        ({"entity": "", "time": NOW}, "entity"),
        ({"entity": "x" * (MAX_ENTITY_LENGTH + 1), "time": NOW}, "entity"),
        ({"entity": "a\x00b", "time": NOW}, "entity"),
        ({"entity": "x"}, "time"),
        ({"entity": "x", "time": "yesterday"}, "time"),
        ({"entity": "x", "time": NOW + 86400 * 2}, "time"),
        ({"entity": "x", "time": NOW - 366 * 86400}, "time"),
        ({"entity": "x", "time": float("nan")}, "time"),
        ({"entity": "x", "time": True}, "time"),
        ({"entity": "x", "time": NOW, "type": "spaceship"}, "type"),
        ({"entity": "x", "time": NOW, "project": "p" * 256}, "project"),
        ({"entity": "x", "time": NOW, "branch": "a\x00"}, "branch"),
        ({"entity": "x", "time": NOW, "lines": "many"}, "lines"),
        ({"entity": "x", "time": NOW, "lineno": 2**40}, "lineno"),
        ({"entity": "x", "time": NOW, "dependencies": ["a"] * 101}, "dependencies"),
        ({"entity": "x", "time": NOW, "is_write": "maybe"}, "is_write"),
        ({"entity": ["x"], "time": NOW}, "entity"),
        # What PostgreSQL could not store, so the writer would lose it after a 201:
        ({"entity": "a\ud800b", "time": NOW}, "entity"),  # a lone surrogate (JSON's "\ud800")
        ({"entity": "x", "time": NOW, "dependencies": ["\udfff"]}, "dependencies"),
        ({"entity": "\U0001f600" * 1000, "time": NOW}, "entity"),  # 1,000 characters, 4,000 bytes: no index row
        ({"entity": "x", "time": NOW, **{f: "\u4e00" * 255 for f in ("project", "language", "branch")}}, "heartbeat"),
    ],
)
def test_invalid_fields_are_named(raw: dict, field: str) -> None:
    assert field in errors_of(raw)


def test_header_values_are_cleaned_into_storable_fields() -> None:
    """Headers become stored fields too: NUL dropped, cut to the body limits, never refused and never raw."""
    ctx = request_context("u", user_agent="vim\x00" + "v" * 2000, machine="\x00a\x00 ")
    assert ctx.machine == "a" and ctx.user_agent == ("vim" + "v" * 2000)[:1024]
    assert request_context("u", user_agent="\x00", machine="m" * 300).machine == "m" * 255
    assert request_context("u", user_agent="\x00 ", machine=None) == RequestContext("u")


def test_every_problem_is_reported_at_once() -> None:
    assert set(errors_of({"type": "nope", "time": "x"})) == {"entity", "type", "time"}


def test_hash_is_stable_and_sensitive() -> None:
    base = {"entity": "a.py", "time": NOW, "project": "p"}
    assert norm(base).content_hash == norm(dict(base)).content_hash
    assert norm(base).id == norm(dict(base)).id
    assert norm(base).content_hash != norm({**base, "time": NOW + 0.001}).content_hash
    assert norm(base).content_hash != norm({**base, "project": "q"}).content_hash
    other_user = normalize_heartbeat(base, RequestContext(user_id="other"), now=NOW, max_age_seconds=10**9)
    assert other_user.content_hash != norm(base).content_hash


def test_message_round_trip_and_unknown_fields_rejected() -> None:
    hb = norm({"entity": "a.py", "time": NOW, "dependencies": ["x", "y"], "lines": 3})
    assert Heartbeat.from_message(hb.to_message()) == hb
    with pytest.raises(ValueError):
        Heartbeat.from_message({**hb.to_message(), "evil": 1})


@pytest.mark.parametrize(
    ("body", "count", "single"),
    [
        (b'[{"entity": "a"}, {"entity": "b"}]', 2, False),
        (b'{"entity": "a"}', 1, True),
        (json.dumps(json.dumps([{"entity": "a"}])).encode(), 1, False),  # vscode.dev double encoding
        (b"[]", 0, False),
    ],
)
def test_body_forms(body: bytes, count: int, single: bool) -> None:
    items, is_single = parse_body(body)
    assert len(items) == count and is_single is single


@pytest.mark.parametrize("body", [b"", b"{", b"42", b'"just a string"', b"\xff\xfe", b"null"])
def test_unparseable_bodies(body: bytes) -> None:
    with pytest.raises(UnparseableBody):
        parse_body(body)
