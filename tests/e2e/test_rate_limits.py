"""Rate limits: token buckets per user and per key in Redis (Lua), 429 + Retry-After, served when Redis is down."""

from __future__ import annotations

import time
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest

from codetime.services.keys import create_key, create_user
from functions import ingestion, summary
from harness import basic, call_api

pytestmark = pytest.mark.e2e
ALICE = "waka_aaaaaaaa-1111-4222-8333-444444444444"
BOB = "waka_bbbbbbbb-1111-4222-8333-444444444444"
BULK = "/api/v1/users/current/heartbeats.bulk"


def _bulk(key: str):  # type: ignore[no-untyped-def]
    beats = [{"entity": "a.py", "type": "file", "time": time.time() - 10}]
    return call_api(ingestion.handler, "POST", BULK, headers=basic(key), body=beats)


def _read(key: str):  # type: ignore[no-untyped-def]
    return call_api(summary.handler, "GET", "/api/v1/users/current/statusbar/today", headers=basic(key))


@pytest.fixture
def limited(sqs, redis_env, monkeypatch):  # type: ignore[no-untyped-def]
    # Bursts of 3 ingestion requests (a token per 2 s) and 2 reads (a token per 4 s): slow refills, so a loaded
    # test machine cannot refill a bucket between the requests of one assertion.
    monkeypatch.setenv("CODETIME_RATE_LIMIT_INGEST", "0.5/6")
    monkeypatch.setenv("CODETIME_RATE_LIMIT_READ", "0.25/8")
    alice, _ = create_user(email="alice@example.com", username="alice", api_key=ALICE)
    create_user(email="bob@example.com", username="bob", api_key=BOB)
    return alice


def test_bulk_over_the_limit_is_a_top_level_429_and_queues_nothing(limited, sqs) -> None:  # type: ignore[no-untyped-def]
    assert [_bulk(ALICE).status for _ in range(3)] == [202, 202, 202]
    depth = sqs.depth()
    refused = _bulk(ALICE)
    assert refused.status == 429 and "Rate limit" in refused.json["error"]
    assert refused.headers["retry-after"] in ("1", "2") and refused.json["retry_after"] == int(
        refused.headers["retry-after"]
    )
    assert sqs.depth() == depth  # the client keeps the batch; nothing was half-accepted
    assert _bulk(BOB).status == 202  # another user has their own bucket
    assert _read(ALICE).status == 200  # reads have a separate limit
    time.sleep(2.1)  # one token refilled
    assert _bulk(ALICE).status == 202 and _bulk(ALICE).status == 429


def test_reads_have_their_own_limit_and_a_users_keys_share_it(limited) -> None:  # type: ignore[no-untyped-def]
    second = create_key(limited, "laptop").plaintext
    assert _read(ALICE).status == 200 and _read(second).status == 200
    refused = _read(ALICE)
    assert refused.status == 429 and int(refused.headers["retry-after"]) >= 1
    assert _read(second).status == 429  # the user's bucket is empty, whichever key
    assert _read(BOB).status == 200
    assert call_api(summary.handler, "GET", "/api/v1/users/current/statusbar/today").status == 401  # auth first


def test_the_script_is_atomic_under_concurrency(limited, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from codetime.services.rate_limit import RateLimited, check

    monkeypatch.setenv("CODETIME_RATE_LIMIT_READ", "0.001/10000")  # 10 tokens, practically no refill
    user_id, key_id = uuid.uuid4(), uuid.uuid4()

    def attempt(_: int) -> bool:
        try:
            check("read", user_id, key_id)
        except RateLimited:
            return False
        return True

    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(attempt, range(60)))
    assert sum(results) == 10


def test_requests_are_served_while_redis_is_down(limited, redis_server) -> None:  # type: ignore[no-untyped-def]
    for _ in range(3):
        assert _bulk(ALICE).status == 202
    assert _bulk(ALICE).status == 429
    redis_server.stop()
    try:
        # Fail open: no Redis, no limit (the policy in the README), and no error for the client.
        assert [_bulk(ALICE).status for _ in range(5)] == [202] * 5
        assert _read(ALICE).status == 200
    finally:
        redis_server.start()


def test_without_redis_the_limit_is_kept_in_process(sqs, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("CODETIME_RATE_LIMIT_INGEST", "0.25/8")
    create_user(email="alice@example.com", username="alice", api_key=ALICE)
    assert [_bulk(ALICE).status for _ in range(3)] == [202, 202, 429]


def test_limits_are_configurable_and_can_be_off(monkeypatch) -> None:
    from codetime.services.rate_limit import limit_for

    assert limit_for("ingest").capacity == 3000 and limit_for("ingest").rate == 10  # type: ignore[union-attr]
    monkeypatch.setenv("CODETIME_RATE_LIMIT_READ", "off")
    assert limit_for("read") is None
    monkeypatch.setenv("CODETIME_RATE_LIMIT_READ", "2.5/120")
    assert limit_for("read").capacity == 300  # type: ignore[union-attr]
    monkeypatch.setenv("CODETIME_RATE_LIMIT_READ", "ten per second")
    assert limit_for("read").capacity == 600  # type: ignore[union-attr]  # the default, logged as an error
