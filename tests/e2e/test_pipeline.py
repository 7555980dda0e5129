"""End to end through the real handlers: API Gateway v2 events -> ingestion -> moto SQS -> writer -> reads."""

from __future__ import annotations

import json
import time

import pytest

from codetime.db import get_pool
from codetime.services.keys import create_user
from functions import ingestion, keys, summary
from harness import FIXTURES, Response, basic, call_api, confirmed, invoke, load_event, start_of_today

pytestmark = pytest.mark.e2e

KEY = "waka_9f1f5a8e-3c2b-4d6e-8a7b-1c2d3e4f5a6b"


def _golden() -> tuple[list[dict], dict]:
    heartbeats = json.loads((FIXTURES / "wakatime-live/heartbeats-day.json").read_text())["data"]
    durations = json.loads((FIXTURES / "wakatime-live/durations-day.json").read_text())
    return heartbeats, durations


@pytest.fixture
def user(sqs):  # type: ignore[no-untyped-def]
    user, _ = create_user(email="dev@example.com", username="dev", timezone="Europe/Moscow", api_key=KEY)
    return user


@pytest.fixture
def golden_age(monkeypatch: pytest.MonkeyPatch) -> None:
    # The captured day is in 2026; allow it regardless of when the suite runs.
    monkeypatch.setenv("CODETIME_MAX_HEARTBEAT_AGE_DAYS", "36500")
    from codetime.config import get_settings

    get_settings.cache_clear()


def _get(path: str, **query: str) -> dict:
    response = call_api(summary.handler, "GET", path, headers=basic(KEY), query=query)
    assert response.status == 200, response
    return response.json


def _post_bulk(items: list, path: str = "/api/v1/users/current/heartbeats.bulk", **headers: str) -> Response:
    return call_api(ingestion.handler, "POST", path, headers={**basic(KEY), **headers}, body=items)


def test_golden_day_through_the_whole_pipeline(user, sqs, golden_age) -> None:  # type: ignore[no-untyped-def]
    heartbeats, expected = _golden()
    for start in range(0, len(heartbeats), 25):  # as wakatime-cli sends them
        response = _post_bulk(heartbeats[start : start + 25])
        assert response.status == 202, response
        # 201 each, except the capture's exact repeats within one request: WakaTime's 202 skip.
        assert all(status in (201, 202) for _, status in response.json["responses"]), response
    sqs.drain()
    assert sqs.depth() == 0

    got = call_api(summary.handler, "GET", "/api/v1/users/current/durations",
                   headers=basic(KEY), query={"date": "2026-08-18"})  # fmt: skip
    assert got.status == 200, got
    assert got.json["timezone"] == "Europe/Moscow"
    assert len(got.json["data"]) == len(expected["data"]) == 62
    for mine, theirs in zip(got.json["data"], expected["data"], strict=True):
        assert mine["project"] == theirs["project"]
        assert mine["time"] == pytest.approx(theirs["time"], abs=1e-6)
        assert mine["duration"] == pytest.approx(theirs["duration"], abs=5e-4)
    assert sum(d["duration"] for d in got.json["data"]) == pytest.approx(21839.291, abs=1e-3)

    summaries = call_api(summary.handler, "GET", "/api/v1/users/current/summaries",
                         headers=basic(KEY), query={"start": "2026-08-18", "end": "2026-08-18"}).json  # fmt: skip
    day = summaries["data"][0]
    assert day["grand_total"]["total_seconds"] == pytest.approx(21839.291, abs=1e-3)
    assert day["grand_total"]["text"] == "6 hrs 3 mins"
    assert summaries["cumulative_total"]["seconds"] == pytest.approx(21839.291, abs=1e-3)
    # Per-language totals equal WakaTime's (names are scrubbed differently in the two captures).
    reference = json.loads((FIXTURES / "wakatime-live/summaries-one-day.json").read_text())["data"][0]
    assert sorted(round(x["total_seconds"], 3) for x in day["languages"]) == sorted(
        round(x["total_seconds"], 3) for x in reference["languages"]
    )
    assert [x["percent"] for x in day["languages"]] == [x["percent"] for x in reference["languages"]]
    # Summary totals for a day equal the durations of that day, in every dimension.
    for key in ("projects", "categories", "editors", "operating_systems", "machines"):
        assert sum(x["total_seconds"] for x in day[key]) == pytest.approx(21839.291, abs=1e-3), key

    # The computed paths (another timezone, a project filter) agree with the stored per-day summaries.
    utc = _get("/api/v1/users/current/summaries", start="2026-08-18", end="2026-08-18", timezone="UTC")
    assert utc["data"][0]["grand_total"]["total_seconds"] == pytest.approx(21839.291, abs=1e-3)
    assert utc["data"][0]["range"]["timezone"] == "UTC"
    per_project = 0.0
    for item in day["projects"]:
        filtered = _get("/api/v1/users/current/summaries", start="2026-08-18", end="2026-08-18", project=item["name"])
        assert filtered["data"][0]["grand_total"]["total_seconds"] == pytest.approx(item["total_seconds"], abs=1e-3)
        assert sum(e["total_seconds"] for e in filtered["data"][0]["entities"]) == pytest.approx(
            item["total_seconds"], abs=1e-3
        )
        assert filtered["data"][0]["branches"]
        per_project += filtered["cumulative_total"]["seconds"]
    assert per_project == pytest.approx(21839.291, abs=1e-3)
    dashboard = _get("/api/v1/summary", **{"from": "2026-08-18", "to": "2026-08-18"})
    assert dashboard["total_seconds"] == pytest.approx(21839.291, abs=1e-3)
    assert {x["key"]: round(x["total"], 3) for x in dashboard["languages"]} == {
        x["name"]: round(x["total_seconds"], 3) for x in day["languages"]
    }
    week = _get("/api/v1/users/current/summaries", start="2026-08-12", end="2026-08-18")
    assert len(week["data"]) == 7 and week["daily_average"]["days_minus_holidays"] == 1
    assert week["data"][0]["grand_total"]["total_seconds"] == 0.0
    assert week["start"] == "2026-08-11T21:00:00Z" and week["end"] == "2026-08-18T20:59:59Z"  # as WakaTime's capture

    # Redelivery of everything (SQS at-least-once, client retries) changes nothing.
    for start in range(0, len(heartbeats), 100):
        _post_bulk(heartbeats[start : start + 100])
    sqs.drain()
    again = call_api(summary.handler, "GET", "/api/v1/users/current/summaries",
                     headers=basic(KEY), query={"start": "2026-08-18", "end": "2026-08-18"}).json  # fmt: skip
    assert again["data"][0]["grand_total"]["total_seconds"] == pytest.approx(21839.291, abs=1e-3)


def test_invalid_items_fail_alone_and_valid_neighbours_are_queued(user, sqs) -> None:  # type: ignore[no-untyped-def]
    now = max(start_of_today("Europe/Moscow") + 60, time.time())  # today's for the user, at any hour
    items = [
        {"entity": "a.py", "type": "file", "time": now - 60, "project": "p", "language": "Python"},
        {"type": "file", "time": now - 50},  # no entity
        {"entity": "b.py", "type": "file", "time": "not a time"},
        {"entity": "c\u0000.py", "type": "file", "time": now - 40},
        {"entity": "d.py", "type": "bogus", "time": now - 30},
        {"entity": "e.py", "type": "file", "time": now + 3 * 86400},
        {"entity": "f.py", "type": "file", "time": now - 400 * 86400},
        {"entity": "x" * 5000, "type": "file", "time": now - 20},
        {
            "entity": "a.py",
            "type": "file",
            "time": now - 60,
            "project": "p",
            "language": "Python",
        },  # duplicate
        {"entity": "g.py", "type": "file", "time": str(now - 10), "category": None, "project": None},
        "not an object",
    ]
    response = _post_bulk(items)
    assert response.status == 202
    statuses = [status for _, status in response.json["responses"]]
    assert statuses == [201, 400, 400, 400, 400, 400, 400, 400, 202, 201, 400]
    bodies = [body for body, _ in response.json["responses"]]
    assert bodies[1] == {"errors": {"entity": ["This field is required."]}}
    assert "time" in bodies[2]["errors"] and "entity" in bodies[3]["errors"] and "type" in bodies[4]["errors"]
    assert bodies[8] == {
        "id": "00000000-0000-4000-a000-000000000000",
        "skip": "Too many duplicate heartbeats.",
    }
    assert bodies[0]["id"] != bodies[9]["id"]
    sqs.drain()
    today = call_api(summary.handler, "GET", "/api/v1/users/current/statusbar/today", headers=basic(KEY)).json
    # a.py -> g.py is 50 s; the project-less heartbeat stays visible as "Unknown Project".
    assert today["data"]["grand_total"]["total_seconds"] == pytest.approx(50, abs=1e-3)
    projects = {p["name"]: p["total_seconds"] for p in today["data"]["projects"]}
    assert projects == {"p": 50.0, "Unknown Project": 0.0}  # listed with 0 s, as WakaTime lists such items
    assert today["data"]["categories"][0]["name"] == "Coding"


def test_body_forms_and_single_object(user, sqs) -> None:  # type: ignore[no-untyped-def]
    now = time.time()
    hb = {"entity": "https://github.com", "type": "domain", "time": str(now), "category": "browsing"}
    single = call_api(ingestion.handler, "POST", "/api/v1/users/current/heartbeats",
                      query={"api_key": KEY}, body=hb)  # fmt: skip
    assert single.status == 201 and set(single.json) == {"data"} and single.json["data"]["id"]
    double = call_api(ingestion.handler, "POST", "/api/v1/users/current/heartbeats.bulk",
                      headers={**basic(KEY), "content-type": ""}, raw_body=json.dumps(json.dumps([hb])))  # fmt: skip
    assert double.status == 202 and double.json["responses"][0][1] == 201
    invalid = call_api(ingestion.handler, "POST", "/api/v1/users/current/heartbeats", headers=basic(KEY),
                       body={"type": "file", "time": now})  # fmt: skip
    assert invalid.status == 400 and invalid.json == {"errors": {"entity": ["This field is required."]}}
    garbage = call_api(ingestion.handler, "POST", "/api/v1/users/current/heartbeats.bulk",
                       headers=basic(KEY), raw_body="{not json")  # fmt: skip
    assert garbage.status == 400 and "error" in garbage.json
    too_many = _post_bulk([hb] * 1001)
    assert too_many.status == 413


WAKATIME_PATHS = ("/api/v1/users/current/heartbeats.bulk", "/api/v1/users/current/heartbeats", "/api/v1/heartbeats",
                  "/api/v1/users/dev/heartbeats.bulk", "/api/v1")  # fmt: skip
WAKAPI_PATHS = ("/api/heartbeat", "/api/heartbeats", "/api/users/current/heartbeats", "/api/users/dev/heartbeats.bulk",
                "/api/compat/wakatime/v1/users/current/heartbeats",
                "/api/compat/wakatime/v1/users/current/heartbeats.bulk")  # fmt: skip


@pytest.mark.parametrize("path", WAKATIME_PATHS + WAKAPI_PATHS)
def test_every_ingestion_alias(user, sqs, path: str) -> None:  # type: ignore[no-untyped-def]
    response = _post_bulk([{"entity": "a.py", "type": "file", "time": time.time()}], path=path)
    # WakaTime's paths answer WakaTime's 202; Wakapi's answer Wakapi's 201 (its clients take nothing else).
    assert response.status == (202 if path in WAKATIME_PATHS else 201), response
    assert response.json["responses"][0][1] == 201
    assert sqs.depth() == 1


@pytest.mark.parametrize("path", WAKAPI_PATHS)
def test_wakapi_paths_answer_as_wakapi(user, sqs, path: str) -> None:  # type: ignore[no-untyped-def]
    """Wakapi's routes/api/heartbeat.go: 201 {"responses": [[{"data": null, "error": ...}, status], ...]} for an
    array or one object; 400 when one object is invalid; an all-invalid array stays 201 (README)."""
    now = time.time()
    good = {"entity": "a.py", "type": "file", "time": now - 10}
    bad = {"type": "file", "time": now}
    mixed = _post_bulk([good, bad, good], path=path)
    assert mixed.status == 201, mixed
    ok, invalid, repeat = mixed.json["responses"]
    assert ok == [{"data": None, "error": None}, 201] and repeat == ok  # a repeat is stored once, answered 201
    assert invalid[1] == 400 and invalid[0]["data"] is None
    assert invalid[0]["error"] == "invalid heartbeat object: entity: This field is required."
    later = {**good, "entity": "b.py", "time": now - 5}
    single = call_api(ingestion.handler, "POST", path, headers=basic(KEY), body=later)
    assert single.status == 201 and single.json == {"responses": [[{"data": None, "error": None}, 201]]}, single
    alone = call_api(ingestion.handler, "POST", path, headers=basic(KEY), body=bad)
    assert alone.status == 400, alone
    assert alone.json == {"error": "no valid heartbeat object given", "errors": {"entity": ["This field is required."]}}
    none_valid = _post_bulk([bad, "x"], path=path)
    assert none_valid.status == 201 and [s for _, s in none_valid.json["responses"]] == [400, 400], none_valid
    sqs.drain()
    with get_pool().connection() as conn:
        entities = conn.execute("SELECT entity FROM heartbeats ORDER BY time").fetchall()
    assert entities == [("a.py",), ("b.py",)]


def test_authentication_forms(user, sqs) -> None:  # type: ignore[no-untyped-def]
    import base64

    body = [{"entity": "a.py", "type": "file", "time": time.time()}]
    bare = KEY.removeprefix("waka_")
    accepted = [
        {"authorization": "Basic " + base64.b64encode(KEY.encode()).decode()},
        {"authorization": "Basic " + base64.b64encode((KEY + ":").encode()).decode()},
        {"authorization": "Basic " + base64.b64encode(bare.encode()).decode()},
        {"authorization": f"Basic {KEY}"},
        {"authorization": f"Bearer {KEY}"},
        {"authorization": f"Bearer {bare}"},
    ]
    for headers in accepted:
        assert call_api(ingestion.handler, "POST", "/api/v1/users/current/heartbeats.bulk",
                        headers=headers, body=body).status == 202, headers  # fmt: skip
    other = "waka_11111111-2222-4333-8444-555555555555"
    for headers in ({}, {"authorization": f"Bearer {other}"}, {"authorization": "Bearer nonsense"},
                    {"authorization": "Basic !!!"}):  # fmt: skip
        response = call_api(ingestion.handler, "POST", "/api/v1/users/current/heartbeats.bulk",
                            headers={"authorization": None, **headers}, body=body)  # fmt: skip
        assert response.status == 401 and "error" in response.json
        assert KEY not in response.text and other not in response.text
    forbidden = call_api(ingestion.handler, "POST", "/api/v1/users/someone-else/heartbeats.bulk",
                         headers=basic(KEY), body=body)  # fmt: skip
    assert forbidden.status == 403


def test_queue_failure_answers_503_and_nothing_is_accepted(user, sqs, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    sqs.client.delete_queue(QueueUrl=sqs.queue_url)
    response = _post_bulk([{"entity": "a.py", "type": "file", "time": time.time()}])
    assert response.status == 503
    assert "responses" not in (response.json or {})


def test_headers_set_machine_editor_and_timezone(sqs) -> None:  # type: ignore[no-untyped-def]
    create_user(email="tz@example.com", username="tz", api_key=KEY)  # no timezone yet
    now = max(start_of_today("Pacific/Auckland") + 30, time.time())  # today's in the header's timezone
    agent = "wakatime/v1.73.0 (linux-5.15.0-1051-azure-x86_64) go1.21.5 vscode/1.85.1 vscode-wakatime/24.4.0"
    response = _post_bulk(
        [{"entity": "a.py", "type": "file", "time": now - 30}, {"entity": "a.py", "type": "file", "time": now}],
        **{"x-machine-name": "my%20box", "timezone": "Pacific/Auckland", "user-agent": agent},
    )
    assert response.status == 202
    sqs.drain()
    today = call_api(summary.handler, "GET", "/api/v1/users/current/statusbar/today", headers=basic(KEY)).json
    assert today["data"]["range"]["timezone"] == "Pacific/Auckland"
    assert [m["name"] for m in today["data"]["machines"]] == ["my box"]
    assert [e["name"] for e in today["data"]["editors"]] == ["vscode"]
    assert [o["name"] for o in today["data"]["operating_systems"]] == ["Linux"]


@pytest.mark.parametrize("path", ["/api/v1/users/current/heartbeats.bulk", "/api/users/current/heartbeats.bulk"])
def test_a_nul_in_the_machine_header_is_cleaned_not_lost(user, sqs, path: str) -> None:  # type: ignore[no-untyped-def]
    """`X-Machine-Name: a%00` was answered 201 and then failed the writer, sending the request's heartbeats to
    the DLQ: the header is cleaned like a body field would be, and every heartbeat is stored."""
    now = time.time()
    body = [{"entity": "a.py", "type": "file", "time": now - 30}, {"entity": "b.py", "type": "file", "time": now}]
    response = _post_bulk(body, path=path, **{"x-machine-name": "a%00", "user-agent": "vim\u0000/9"})
    assert response.status in (201, 202) and [s for _, s in response.json["responses"]] == [201, 201], response
    assert sqs.drain() == [{"batchItemFailures": []}]
    assert sqs.depth(sqs.dlq_url) == 0
    with get_pool().connection() as conn:
        rows = conn.execute("SELECT entity, machine, user_agent FROM heartbeats ORDER BY time").fetchall()
    assert rows == [("a.py", "a", "vim/9"), ("b.py", "a", "vim/9")]


def test_sample_events_run_through_their_handlers(sqs) -> None:  # type: ignore[no-untyped-def]
    dev, _ = create_user(email="dev@example.com", username="dev", api_key=KEY)
    event = load_event("api_post_heartbeats_bulk.json")
    items = json.loads(event["body"])
    now = max(start_of_today("Europe/Moscow") + 100, time.time())  # today's in the events' timezone header
    for i, item in enumerate(items):
        item["time"] = now - 100 + i
    event["body"] = json.dumps(items)
    response = Response(invoke(ingestion.handler, event))
    assert [s for _, s in response.json["responses"]] == [201, 201, 400]
    (result,) = sqs.drain()
    assert result == {"batchItemFailures": []}
    mint = load_event("api_post_auth_key.json")  # a key mints a key only with a one-time code (README: Identity)
    mint["headers"] = confirmed(mint["headers"], dev)
    created = Response(invoke(keys.handler, mint))
    assert created.status == 201 and created.json["data"]["label"] == "laptop"
    assert created.json["data"]["key"].startswith("waka_")
    status = Response(invoke(summary.handler, load_event("api_get_statusbar_today.json")))
    assert status.status == 200 and status.json["data"]["grand_total"]["total_seconds"] > 0


def test_key_management_and_revocation_through_redis(user, sqs, redis_env) -> None:  # type: ignore[no-untyped-def]
    new = call_api(keys.handler, "POST", "/api/v1/auth/key", headers=confirmed(basic(KEY), user),
                   body={"label": "ci"}).json["data"]  # fmt: skip
    listed = call_api(keys.handler, "GET", "/api/v1/auth/keys", headers=basic(new["key"])).json["data"]
    assert {k["label"] for k in listed} == {"default", "ci"}
    assert all("key" not in k for k in listed) and new["key"] not in json.dumps(listed)
    # Warm the Redis key cache, then revoke: the key must stop working at once.
    body = [{"entity": "a.py", "type": "file", "time": time.time()}]
    assert _post_with(new["key"], body).status == 202
    assert call_api(keys.handler, "DELETE", f"/api/v1/auth/keys/{new['id']}", headers=basic(KEY)).status == 204
    assert _post_with(new["key"], body).status == 401
    rotated = call_api(keys.handler, "POST", f"/api/v1/auth/keys/{listed[0]['id']}/rotate",
                       headers=confirmed(basic(KEY), user))  # fmt: skip
    assert rotated.status == 201
    assert _post_with(KEY, body).status == 401
    assert _post_with(rotated.json["data"]["key"], body).status == 202
    assert call_api(keys.handler, "DELETE", f"/api/v1/auth/keys/{new['id']}",
                    headers=basic(rotated.json["data"]["key"])).status == 404  # fmt: skip


def _post_with(key: str, body: list) -> Response:
    return call_api(ingestion.handler, "POST", "/api/v1/users/current/heartbeats.bulk", headers=basic(key), body=body)
