"""Pure parts of rules, job messages and token shapes."""

from __future__ import annotations

import uuid

import pytest

from codetime.domain.rules import InvalidRule, RuleSet, extension_of, normalize
from codetime.queue_messages import PoisonMessage, decode_job_message, decode_message, encode_job_message
from codetime.repositories.rules import Rule
from codetime.services.identity import looks_like_jwt


@pytest.mark.parametrize(
    ("entity", "extension"),
    [
        ("/src/a.py", "py"),
        ("/src/B.TPL", "tpl"),
        ("C:\\src\\main.RS", "rs"),
        ("/src/d.v1/README", None),
        ("/src/.bashrc", "bashrc"),
        ("Makefile", None),
        ("/src/archive.tar.gz", "gz"),
        (None, None),
    ],
)
def test_extension_of(entity: str | None, extension: str | None) -> None:
    assert extension_of(entity) == extension


def _rules(*triples: tuple[str, str, str]) -> RuleSet:
    return RuleSet.of(Rule(uuid.uuid4(), kind, pattern, repl, None) for kind, pattern, repl in triples)  # type: ignore[arg-type]


def test_rules_rename_merge_and_chain() -> None:
    rules = _rules(("project", "old", "new"), ("extension", "h", "C++"), ("language", "C++", "C/C++"))
    hb = {"project": "old", "language": "C", "entity": "/x/y.h", "time": 1.0}
    assert rules.apply(hb) == {"project": "new", "language": "C/C++", "entity": "/x/y.h", "time": 1.0}
    assert hb["project"] == "old"  # the raw row is not changed
    assert rules.apply({"project": None, "language": None, "entity": "a.txt"}) == {
        "project": None, "language": None, "entity": "a.txt",
    }  # fmt: skip
    assert not RuleSet() and RuleSet().apply(hb) is hb


def test_rule_validation() -> None:
    assert normalize("extension", " .TPL ", " Jinja ") == ("extension", "tpl", "Jinja")
    for args in (("x", "a", "b"), ("project", "a", "a"), ("project", " ", "b"), ("extension", "tar.gz", "x"),
                 ("language", "a" * 256, "b")):  # fmt: skip
        with pytest.raises(InvalidRule):
            normalize(*args)


def test_job_messages_round_trip_and_never_pass_as_heartbeats() -> None:
    job_id = uuid.uuid4()
    body = encode_job_message(job_id)
    assert decode_job_message(body) == job_id
    assert decode_job_message('{"v":1,"heartbeats":[]}') is None
    with pytest.raises(PoisonMessage):
        decode_job_message('{"v":1,"job":"not-a-uuid"}')
    with pytest.raises(PoisonMessage):
        decode_message(body)


def test_token_shape_never_matches_an_api_key() -> None:
    assert looks_like_jwt("eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln")
    for value in ("waka_9f1f5a8e-3c2b-4d6e-8a7b-1c2d3e4f5a6b", "9f1f5a8e-3c2b-4d6e-8a7b-1c2d3e4f5a6b", "", None,
                  "eyJ.only-two"):  # fmt: skip
        assert not looks_like_jwt(value)
