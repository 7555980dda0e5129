"""Reads: WakaTime shapes, user isolation, Redis caching with invalidation, and service without Redis."""

from __future__ import annotations

import json
import time

import pytest

from codetime.domain import ai
from codetime.services.keys import create_user
from functions import ingestion, summary
from harness import FIXTURES, basic, call_api, start_of_today

pytestmark = pytest.mark.e2e
ALICE = "waka_aaaaaaaa-1111-4222-8333-444444444444"
BOB = "waka_bbbbbbbb-1111-4222-8333-444444444444"


def _post(key: str, times: list[float], project: str) -> None:
    beats = [{"entity": f"{project}.py", "type": "file", "time": t, "project": project} for t in times]
    response = call_api(
        ingestion.handler, "POST", "/api/v1/users/current/heartbeats.bulk", headers=basic(key), body=beats
    )
    assert response.status == 202, response


def _today(key: str) -> dict:
    response = call_api(summary.handler, "GET", "/api/v1/users/current/statusbar/today", headers=basic(key))
    assert response.status == 200, response
    return response.json


def _keys(value: object) -> object:
    if isinstance(value, dict):
        return {k: _keys(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_keys(value[0])] if value else []
    return type(value).__name__


@pytest.fixture
def users(sqs):  # type: ignore[no-untyped-def]
    create_user(email="alice@example.com", username="alice", timezone="UTC", api_key=ALICE)
    create_user(email="bob@example.com", username="bob", timezone="UTC", api_key=BOB)
    return sqs


def test_statusbar_has_wakatime_cli_shape(users) -> None:  # type: ignore[no-untyped-def]
    now = max(start_of_today() + 300, time.time())  # today's, at any hour
    _post(ALICE, [now - 300, now - 200], "alpha")
    users.drain()
    mine = _today(ALICE)
    reference = json.loads((FIXTURES / "wakatime-cli/pkg_api_testdata_api_statusbar_today_response.json").read_text())
    assert set(mine) == set(reference) | {"has_team_features"}
    assert set(mine["data"]) >= set(reference["data"])
    # Live WakaTime (wakatime-live/summaries-one-day.json) adds its AI keys to grand_total (and, on days with AI
    # activity, to projects and editors); wakatime-cli's older fixture predates them.
    ai_keys = set(ai.summary_keys(ai.figures(())))
    for key in ("categories", "languages", "projects", "editors", "operating_systems", "machines"):
        assert set(mine["data"][key][0]) == set(reference["data"]["categories"][0]), key
    assert set(mine["data"]["grand_total"]) == set(reference["data"]["grand_total"]) | ai_keys
    assert mine["data"]["range"]["text"] == "Today"
    assert mine["data"]["grand_total"]["text"] == "1 min"


def test_users_only_see_their_own_data(users) -> None:  # type: ignore[no-untyped-def]
    now = max(start_of_today() + 600, time.time())  # today's, at any hour
    _post(ALICE, [now - 300, now - 200], "alpha")
    _post(BOB, [now - 600, now - 30], "bravo")
    users.drain()
    assert [p["name"] for p in _today(ALICE)["data"]["projects"]] == ["alpha"]
    assert [p["name"] for p in _today(BOB)["data"]["projects"]] == ["bravo"]
    for path in ("/api/v1/users/bob/statusbar/today", "/api/v1/users/bob/durations", "/api/v1/users/bob/summaries"):
        response = call_api(summary.handler, "GET", path, headers=basic(ALICE), query={"range": "today"})
        assert response.status == 403 and "bravo" not in response.text
    own = call_api(summary.handler, "GET", "/api/v1/users/alice/statusbar/today", headers=basic(ALICE))
    assert own.status == 200


def test_cached_reads_are_invalidated_by_the_writer(users, redis_env) -> None:  # type: ignore[no-untyped-def]
    import redis

    client = redis.Redis.from_url(redis_env)
    now = max(start_of_today() + 300, time.time())  # today's, at any hour
    _post(ALICE, [now - 300, now - 200], "alpha")
    users.drain()
    first = _today(ALICE)
    assert first["data"]["grand_total"]["total_seconds"] == 100
    assert list(client.scan_iter("ct:r:*")), "the read was not cached in Redis"
    assert _today(ALICE)["cached_at"] == first["cached_at"]  # served from the cache
    _post(ALICE, [now - 100], "alpha")
    users.drain()
    assert _today(ALICE)["data"]["grand_total"]["total_seconds"] == 200


def test_everything_answers_while_redis_is_down(users, redis_env, redis_server) -> None:  # type: ignore[no-untyped-def]
    now = max(start_of_today() + 300, time.time())  # today's, at any hour
    _post(ALICE, [now - 300], "alpha")
    redis_server.stop()
    try:
        _post(ALICE, [now - 200], "alpha")  # key lookup falls back to the database
        users.drain()
        assert _today(ALICE)["data"]["grand_total"]["total_seconds"] == 100
    finally:
        redis_server.start()


def test_body_over_the_byte_limit_is_413(users) -> None:  # type: ignore[no-untyped-def]
    big = [{"entity": "x" * 4000, "type": "file", "time": time.time()}] * 600  # ~2.4 MB
    response = call_api(
        ingestion.handler, "POST", "/api/v1/users/current/heartbeats.bulk", headers=basic(ALICE), body=big
    )
    assert response.status == 413 and "error" in response.json
    assert users.depth() == 0


def test_poison_message_reaches_the_dlq_after_max_receives(users) -> None:  # type: ignore[no-untyped-def]
    users.client.send_message(QueueUrl=users.queue_url, MessageBody='{"v": 1, "heartbeats": "nope"}')
    _post(ALICE, [max(start_of_today(), time.time())], "alpha")  # read as today's below
    deliveries, dead = 0, []
    deadline = time.monotonic() + 30  # the test queue's visibility timeout is 1 s
    while not dead and time.monotonic() < deadline:
        for response in users.drain(max_rounds=1):
            deliveries += len(response["batchItemFailures"])
        time.sleep(0.3)
        dead = users.receive(users.dlq_url)
    assert [m["Body"] for m in dead] == ['{"v": 1, "heartbeats": "nope"}']
    assert deliveries == 3  # the queue's maxReceiveCount: then SQS's redrive moves it to the DLQ
    assert users.depth() == 0
    assert _today(ALICE)["data"]["projects"][0]["name"] == "alpha"  # its neighbour was written


def test_reads_are_gzipped_only_for_clients_that_accept_it(users) -> None:  # type: ignore[no-untyped-def]
    from harness import http_event, invoke

    _post(ALICE, [time.time() - 60, time.time()], "alpha")
    users.drain()
    path = "/api/v1/users/current/summaries"
    query = {"range": "last_7_days"}
    plain = invoke(
        summary.handler, http_event("GET", path, headers={**basic(ALICE), "accept-encoding": None}, query=query)
    )
    assert not plain["isBase64Encoded"] and "content-encoding" not in plain["headers"]
    zipped = call_api(
        summary.handler, "GET", path, headers={**basic(ALICE), "accept-encoding": "gzip, deflate"}, query=query
    )
    assert zipped.headers["content-encoding"] == "gzip"
    assert zipped.json == json.loads(plain["body"])
