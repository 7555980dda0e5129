from __future__ import annotations

import json

import pytest

from codetime.domain.heartbeats import RequestContext, normalize_heartbeat
from codetime.domain.keys import (
    KEY_PATTERN,
    InvalidKeyFormat,
    canonical_key,
    generate_key,
    hash_key,
    key_hint,
)
from codetime.queue_messages import (
    MAX_BATCH_BYTES,
    MAX_BATCH_ENTRIES,
    MAX_MESSAGE_BYTES,
    PoisonMessage,
    batch_entries,
    decode_message,
    encode_messages,
)  # fmt: skip

PEPPER = b"pepper"


def test_generated_keys_match_what_wakatime_cli_accepts() -> None:
    for _ in range(50):
        key = generate_key()
        assert key.startswith("waka_") and KEY_PATTERN.match(key)


def test_prefixed_and_bare_keys_hash_alike_and_pepper_matters() -> None:
    key = generate_key()
    bare = key.removeprefix("waka_")
    assert hash_key(key, PEPPER) == hash_key(bare, PEPPER) == hash_key(key.upper(), PEPPER)
    assert hash_key(key, PEPPER) != hash_key(key, b"other")
    assert key not in key_hint(key) and key_hint(key).startswith("waka_")


@pytest.mark.parametrize(
    "bad",
    [
        "",
        "waka_",
        "not-a-key",
        "waka_9f1f5a8e-3c2b-1d6e-8a7b-1c2d3e4f5a6b",
        "9f1f5a8e3c2b4d6e8a7b1c2d3e4f5a6b",
        "waka_9f1f5a8e-3c2b-4d6e-8a7b-1c2d3e4f5a6",
    ],
)
def test_malformed_keys(bad: str) -> None:
    with pytest.raises(InvalidKeyFormat) as info:
        canonical_key(bad)
    assert "9f1f5a8e" not in str(info.value)


def _heartbeats(n: int, entity_size: int = 100) -> list:
    ctx = RequestContext(user_id="00000000-0000-4000-8000-000000000001")
    return [
        normalize_heartbeat({"entity": f"{i}" + "e" * entity_size, "time": 1_800_000_000 + i}, ctx,
                            now=1_800_000_000, max_age_seconds=10**9)
        for i in range(n)
    ]  # fmt: skip


def test_messages_respect_sqs_limits_and_round_trip() -> None:
    heartbeats = _heartbeats(3000, entity_size=2000)
    bodies = encode_messages(heartbeats)
    assert len(bodies) > 1
    assert all(len(b.encode()) <= MAX_MESSAGE_BYTES for b in bodies)
    decoded = [hb for body in bodies for hb in decode_message(body)]
    assert decoded == heartbeats
    batches = list(batch_entries(bodies))
    assert sum(len(b) for b in batches) == len(bodies)
    assert all(len(b) <= MAX_BATCH_ENTRIES and sum(len(x.encode()) for x in b) <= MAX_BATCH_BYTES for b in batches)


def test_small_requests_make_one_message() -> None:
    assert len(encode_messages(_heartbeats(25))) == 1


@pytest.mark.parametrize(
    "body",
    ["", "{", "[]", '{"v": 2, "heartbeats": []}', '{"v": 1}', '{"v": 1, "heartbeats": {}}',
     '{"v": 1, "heartbeats": [{"entity": "x"}]}', '{"v": 1, "heartbeats": [42]}'],
)  # fmt: skip
def test_poison_messages(body: str) -> None:
    with pytest.raises(PoisonMessage):
        decode_message(body)


def test_message_with_unknown_field_is_poison() -> None:
    message = json.loads(encode_messages(_heartbeats(1))[0])
    message["heartbeats"][0]["surprise"] = True
    with pytest.raises(PoisonMessage):
        decode_message(json.dumps(message))


def test_messages_carry_when_they_were_queued() -> None:
    bodies = encode_messages(_heartbeats(3), queued_at=1_800_000_123.5)
    assert json.loads(bodies[0])["t"] == 1_800_000_123.5
    assert {hb.queued_at for hb in decode_message(bodies[0])} == {1_800_000_123.5}
    assert "queued_at" not in json.loads(bodies[0])["heartbeats"][0]  # once per message, never per heartbeat
    legacy = json.loads(bodies[0])
    del legacy["t"]  # queued before the field existed: written without the clear check
    assert {hb.queued_at for hb in decode_message(json.dumps(legacy))} == {None}
    with pytest.raises(PoisonMessage):
        decode_message(json.dumps({**legacy, "t": "yesterday"}))


def test_purge_messages_are_told_apart_from_heartbeat_messages() -> None:
    import uuid

    from codetime.queue_messages import encode_purge, purge_target

    user_id = uuid.uuid4()
    assert purge_target(encode_purge(user_id)) == user_id
    assert purge_target(encode_messages(_heartbeats(1))[0]) is None
    with pytest.raises(PoisonMessage):
        purge_target('{"v": 1, "purge": "not-a-uuid"}')
