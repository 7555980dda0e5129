"""Every regex applied to user input runs in time linear in the input: worst-case shapes of the longest accepted
length finish within a generous bound (the bound is seconds; a catastrophic backtrack takes minutes to hours)."""

from __future__ import annotations

import pytest

from codetime.api.schemas.diagnostics import MAX_FIELD_CHARS
from codetime.domain.heartbeats import (
    MAX_ENTITY_LENGTH,
    MAX_KEY_BYTES,
    MAX_TEXT_LENGTH,
    MAX_USER_AGENT_LENGTH,
    HeartbeatErrors,
    RequestContext,
    normalize_heartbeat,
)
from codetime.domain.rules import extension_of
from codetime.domain.scrub import REDACTED, scrub
from codetime.domain.user_agents import parse_user_agent
from codetime.services.identity import looks_like_jwt
from harness import cpu_bound

BOUND_SECONDS = 5.0
NOW = 1_750_000_000.0

# Repeated units that defeat a backtracking pattern: runs of name characters around secret words, `\b` inside
# runs, openers without their closer, and a long tail that makes the last step fail.
UNITS = [
    "-pwd", "auth-", "x-token", "api_key", "-a", "a-", "a", "-", " ", "\t",
    "-eyJ", "eyJa", "eyJ.", "eyJa.b", "waka_", "waka_a-", "token ", "bearer ", "basic\t", "token a",
    "://a:", "://a:b", "://", "a:b", "AKIA", "AKIAAAAA", "0123abcd-", "aaaaaaaa-1111-",
    'pwd="', "pwd='", "'pwd'", '"pwd" ', "pwd :", "pwd= ", "pwd=a", "secret:\"'", "+/", "==", "a/b",
]  # fmt: skip


def _fill(unit: str, length: int) -> str:
    return (unit * (length // len(unit) + 1))[:length]


def _shapes(length: int) -> list[str]:
    shapes = [_fill(unit, length) for unit in UNITS]
    # One opener, then a long run that makes the end of the match fail.
    for head in ("pwd", "token", "://a:", "eyJ", 'pwd="', "waka_", "bearer"):
        shapes += [head + " " * (length - len(head)), head + "a" * (length - len(head)) + "!"]
    return shapes


def test_scrubbing_worst_case_fields_is_linear() -> None:
    shapes = _shapes(MAX_FIELD_CHARS)
    with cpu_bound(BOUND_SECONDS):
        for text in shapes:
            scrub(text)


def test_scrubbing_still_redacts_secrets_inside_hostile_text() -> None:
    noise = _fill("-pwd", 4000)
    out = scrub(f"{noise} password=hunter2hunter2 {noise} token=abc123def")
    assert "hunter2" not in out and "abc123def" not in out and out.count(REDACTED) >= 2
    # A name that holds no secret word does not swallow the secret pair after it.
    assert scrub("foo=password=hunter2") == f"foo=password={REDACTED}"


def test_user_agent_parsing_of_hostile_agents_is_linear() -> None:
    agents = [_fill(unit, MAX_USER_AGENT_LENGTH) for unit in ("a", "a-", "-wakatime/", "a-wakatime", "(", "/", " ")]
    agents += ["wakatime/1 " + _fill(unit, 64 * 1024) for unit in ("a-wakatime", "x/", "(;", "go1 ")]
    with cpu_bound(BOUND_SECONDS):
        for agent in agents:
            parse_user_agent(agent)


def test_extension_and_token_shapes_of_hostile_text_are_linear() -> None:
    entities = [_fill(unit, MAX_ENTITY_LENGTH) for unit in (".", "a.", "./", ".\\", "a", ".a/")]
    with cpu_bound(BOUND_SECONDS):
        for entity in entities:
            extension_of(entity)
        for credential in ("ey" + "a" * 64 * 1024, _fill("eya.", 64 * 1024), "ey" + "a." * 32 * 1024):
            looks_like_jwt(credential)


def test_heartbeat_validation_of_hostile_fields_is_linear() -> None:
    context = RequestContext(user_id="u", user_agent=_fill("a-wakatime", 64 * 1024))
    with cpu_bound(BOUND_SECONDS):
        for unit in ("a.", ".", "-pwd", "a-wakatime/"):
            raw = {
                "entity": _fill(unit, MAX_ENTITY_LENGTH), "time": NOW,
                "user_agent": _fill(unit, MAX_USER_AGENT_LENGTH),
                **{name: _fill(unit, MAX_TEXT_LENGTH) for name in ("project", "branch", "language", "category")},
                "dependencies": [_fill(unit, MAX_TEXT_LENGTH - 3) + f"{i:03}" for i in range(100)],
            }  # fmt: skip
            with pytest.raises(HeartbeatErrors):  # the same heartbeat with an invalid type
                normalize_heartbeat({**raw, "type": "nope"}, context, now=NOW, max_age_seconds=None)
            # The longest entity accepted with a full-length project: together they fit an index row.
            fitting = {**raw, "entity": _fill(unit, MAX_KEY_BYTES - MAX_TEXT_LENGTH), "type": "file"}
            normalize_heartbeat(fitting, context, now=NOW, max_age_seconds=None)


@pytest.mark.parametrize("when", [10**400, -(10**400), "1" * 400, "1e999", 1e308])
def test_heartbeat_time_beyond_any_float_is_a_field_error(when: object) -> None:
    with pytest.raises(HeartbeatErrors) as caught:
        normalize_heartbeat({"entity": "a.py", "time": when}, RequestContext("u"), now=NOW, max_age_seconds=None)
    assert "time" in caught.value.errors


def test_key_parts_are_bounded_in_bytes_not_characters() -> None:
    """1,024 characters of User-Agent can outgrow an index row (the writer keys user_agents by it): refused as a
    field error at ingestion, not by the writer later."""
    wide = "€"  # 3 bytes of UTF-8
    agent = {"entity": "a.py", "time": NOW, "user_agent": wide * MAX_USER_AGENT_LENGTH}
    with pytest.raises(HeartbeatErrors) as caught:
        normalize_heartbeat(agent, RequestContext("u"), now=NOW, max_age_seconds=None)
    assert set(caught.value.errors) == {"user_agent"}
    fits = wide * ((MAX_KEY_BYTES // 3) - 1)
    normalize_heartbeat({**agent, "user_agent": fits}, RequestContext("u"), now=NOW, max_age_seconds=None)
