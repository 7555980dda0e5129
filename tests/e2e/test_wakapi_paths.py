"""Reads on Wakapi's paths answer in Wakapi's words (its duration texts, its user id); WakaTime's paths keep
WakaTime's exactly. Through the real handlers, both prefixes side by side."""

from __future__ import annotations

import time
import uuid

import pytest

from codetime.domain.wakapi_format import wakapi_duration
from codetime.domain.wakatime_format import human_text
from codetime.services.keys import create_user
from functions import ingestion, summary
from harness import basic, call_api, start_of_today

pytestmark = pytest.mark.e2e
KEY = "waka_aaaaaaaa-1111-4222-8333-444444444444"
WAKATIME, WAKAPI = "/api/v1/users/current", "/api/compat/wakatime/v1/users/current"


def _get(path: str, **query: str):  # type: ignore[no-untyped-def]
    response = call_api(summary.handler, "GET", path, headers=basic(KEY), query=query or None)
    assert response.status == 200, (path, response)
    return response.json


@pytest.fixture
def writeuser(sqs):  # type: ignore[no-untyped-def]
    user, _ = create_user(email="w@example.com", username="writeuser", timezone="UTC", api_key=KEY)
    # After today's local midnight (waiting one out that is under two minutes away): "today" holds them all.
    now = max(time.time(), start_of_today() + 600)
    # 170 s in alpha (Python), 30 s in beta: 200 s in all; whichever day they fall on, all-time holds them.
    beats = [{"entity": "a.py", "type": "file", "time": now - 400 + i * 50, "project": "alpha",
              "language": "Python"} for i in range(4)] + [
             {"entity": "b.go", "type": "file", "time": now - 230, "project": "beta", "language": "Go"},
             {"entity": "b.go", "type": "file", "time": now - 200, "project": "beta", "language": "Go"}]  # fmt: skip
    response = call_api(ingestion.handler, "POST", "/api/v1/users/current/heartbeats.bulk", headers=basic(KEY),
                        body=beats)  # fmt: skip
    assert response.status == 202, response
    sqs.drain()
    return user


def _texts(value: object, found: list[tuple[str, float, str]], seconds_key: str = "") -> list:
    """Every (field, seconds, text) duration text in a read, wherever it sits."""
    if isinstance(value, list):
        for item in value:
            _texts(item, found)
    elif isinstance(value, dict):
        source = "total_seconds" if "total_seconds" in value else "seconds"
        if "text" in value and isinstance(value.get(source), int | float):
            found.append(("text", value[source], value["text"]))
        for readable, seconds in (("human_readable_total", "total_seconds"),
                                  ("human_readable_daily_average", "daily_average")):  # fmt: skip
            if readable in value:
                found.append((readable, value[seconds], value[readable]))
        for item in value.values():
            _texts(item, found)
    return found


def test_duration_texts_follow_the_path(writeuser) -> None:  # type: ignore[no-untyped-def]
    wakatime = _get(f"{WAKATIME}/all_time_since_today")["data"]
    wakapi = _get(f"{WAKAPI}/all_time_since_today")["data"]
    assert (wakatime["total_seconds"], wakatime["text"], wakapi["text"]) == (200, "3 mins", "0 hrs 3 mins")
    assert {k: v for k, v in wakapi.items() if k != "text"} == {k: v for k, v in wakatime.items() if k != "text"}
    stats = _get(f"{WAKAPI}/stats/last_7_days")["data"]
    # Wakapi rounds to the minute (170 s: "0 hrs 3 mins"), WakaTime truncates ("2 mins").
    assert stats["human_readable_total"] == "0 hrs 3 mins" and stats["projects"][0]["text"] == "0 hrs 3 mins"
    assert _get(f"{WAKATIME}/stats/last_7_days")["data"]["projects"][0]["text"] == "2 mins"
    for read, query in (("statusbar/today", {}), ("summaries", {"range": "last_7_days"}), ("stats", {}),
                        ("stats/all_time", {}), ("all_time_since_today", {})):  # fmt: skip
        ours, theirs = _texts(_get(f"{WAKATIME}/{read}", **query), []), _texts(_get(f"{WAKAPI}/{read}", **query), [])
        assert ours and [(f, s) for f, s, _ in ours] == [(f, s) for f, s, _ in theirs], read
        assert all(text == human_text(seconds) for _, seconds, text in ours), read
        assert all(text == wakapi_duration(seconds) for _, seconds, text in theirs), read
    # Reads Wakapi writes no such text in are the same on both paths.
    assert _get(f"{WAKAPI}/projects")["data"] == _get(f"{WAKATIME}/projects")["data"]


def test_user_id_follows_the_path(writeuser) -> None:  # type: ignore[no-untyped-def]
    wakatime, wakapi = _get(WAKATIME)["data"], _get(WAKAPI)["data"]
    assert uuid.UUID(wakatime["id"]) == writeuser.id and wakapi["id"] == "writeuser"  # Wakapi's users are names
    assert {k: v for k, v in wakapi.items() if k != "id"} == {k: v for k, v in wakatime.items() if k != "id"}
    for prefix in ("/api/v1/users", "/api/compat/wakatime/v1/users"):  # both ids work as {user}
        assert _get(f"{prefix}/{wakapi['id']}")["data"]["username"] == "writeuser"
        assert _get(f"{prefix}/{wakatime['id']}")["data"]["username"] == "writeuser"
