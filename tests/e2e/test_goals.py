"""Goals: CRUD through the real handler, per-day progress from the aggregates, the --today-goal shape."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from codetime.services.keys import create_user
from functions import ingestion, summary
from harness import FIXTURES, basic, call_api, start_of_today

pytestmark = pytest.mark.e2e
ALICE = "waka_aaaaaaaa-1111-4222-8333-444444444444"
BOB = "waka_bbbbbbbb-1111-4222-8333-444444444444"
GOALS = "/api/v1/users/current/goals"


def _api(method: str, path: str, key: str = ALICE, body: object = None):  # type: ignore[no-untyped-def]
    return call_api(summary.handler, method, path, headers=basic(key), body=body)


@pytest.fixture
def alice(sqs):  # type: ignore[no-untyped-def]
    user, _ = create_user(email="alice@example.com", username="alice", timezone="UTC", api_key=ALICE)
    create_user(email="bob@example.com", username="bob", timezone="UTC", api_key=BOB)
    # Midday UTC yesterday: 3,900 s of Python then 300 s of Go (the gap into Go is Python's); the day before:
    # 1,200 s of Python.
    # start_of_today waits out a midnight due in two minutes: the tests' "today" is this one.
    noon = datetime.fromtimestamp(start_of_today(), UTC).replace(hour=12)
    yesterday, before = (noon - timedelta(days=1)).timestamp(), (noon - timedelta(days=2)).timestamp()
    beats = [{"entity": "a.py", "type": "file", "time": yesterday + 300 * i, "language": "Python"} for i in range(13)]
    beats += [{"entity": "b.go", "type": "file", "time": yesterday + 3600 + 300 * i, "language": "Go"} for i in (1, 2)]
    beats += [{"entity": "a.py", "type": "file", "time": before + 600 * i, "language": "Python"} for i in range(3)]
    response = call_api(
        ingestion.handler, "POST", "/api/v1/users/current/heartbeats.bulk", headers=basic(ALICE), body=beats
    )
    assert response.status == 202
    sqs.drain()
    return user


def test_goal_crud_and_daily_progress(alice) -> None:  # type: ignore[no-untyped-def]
    created = _api("POST", GOALS, body={"seconds": 3600, "languages": ["Python"], "ignore_zero_days": False})
    assert created.status == 201, created
    goal = created.json["data"]
    assert goal["title"] == "Code 1 hr per day in Python" and goal["delta"] == "day"
    chart = goal["chart_data"]
    today = datetime.now(UTC).date()
    assert [c["range"]["date"] for c in chart] == [(today - timedelta(days=6 - i)).isoformat() for i in range(7)]
    assert chart[-1]["range"]["text"] == "Today" and chart[-1]["range_status"] == "pending"
    assert chart[-2]["actual_seconds"] == 3900 and chart[-2]["range_status"] == "success"  # Go is not counted
    assert chart[-2]["range_status_reason_short"] == "1h 5m (0h 5m more than goal)"
    assert chart[-3]["actual_seconds"] == 1200 and chart[-3]["range_status"] == "fail"
    assert chart[-3]["range_status_reason"] == "coded 20 mins which is 40 mins less than your daily goal"
    assert chart[0]["range_status"] == "fail"  # a zero day counts when ignore_zero_days is false

    got = _api("GET", f"{GOALS}/{goal['id']}")
    assert got.status == 200 and got.json["data"]["chart_data"] == chart and "cached_at" in got.json
    listed = _api("GET", GOALS).json
    assert [g["id"] for g in listed["data"]] == [goal["id"]] and listed["total"] == 1

    patched = _api("PATCH", f"{GOALS}/{goal['id']}", body={"seconds": 1200, "ignore_zero_days": True, "delta": None})
    assert patched.status == 200, patched
    chart = patched.json["data"]["chart_data"]
    assert chart[-3]["range_status"] == "success" and chart[0]["range_status"] == "ignored"
    assert patched.json["data"]["delta"] == "day"  # null leaves a required field unchanged
    assert _api("GET", f"{GOALS}/{goal['id']}").json["data"]["seconds"] == 1200  # the cached answer was replaced

    assert _api("GET", f"/api/v1/users/bob/goals/{goal['id']}").status == 403
    assert _api("GET", f"/api/v1/users/current/goals/{goal['id']}", key=BOB).status == 404
    assert _api("DELETE", f"/api/v1/users/current/goals/{goal['id']}", key=BOB).status == 404
    assert _api("DELETE", f"{GOALS}/{goal['id']}").status == 204
    assert _api("GET", f"{GOALS}/{goal['id']}").status == 404
    assert _api("GET", f"{GOALS}/not-a-uuid").status == 400


def test_weekly_inverse_and_ignored_days(alice) -> None:  # type: ignore[no-untyped-def]
    weekly = _api("POST", GOALS, body={"seconds": 7200, "delta": "week"}).json["data"]
    this_week = weekly["chart_data"][-1]
    today = datetime.now(UTC).date()
    assert this_week["range"]["date"] == (today - timedelta(days=today.weekday())).isoformat()
    yesterday = today - timedelta(days=1)
    limit = _api("POST", GOALS, body={"seconds": 1800, "is_inverse": True, "languages": ["Python"]}).json["data"]
    assert limit["title"] == "Code less than 30 mins per day in Python"
    assert limit["chart_data"][-2]["range_status"] == "fail"  # 65 minutes of Python yesterday
    skip = WEEKDAYS[yesterday.weekday()]
    ignored = _api("POST", GOALS, body={"seconds": 60, "ignore_days": [skip]}).json["data"]
    assert ignored["chart_data"][-2]["range_status"] == "ignored"
    for bad in ({"seconds": 10}, {"seconds": 90000}, {"seconds": 600, "delta": "month"}, {"seconds": 60, "x": 1},
                {"seconds": 60, "ignore_days": ["someday"]}, {"seconds": 60, "languages": "Python"}):  # fmt: skip
        response = _api("POST", GOALS, body=bad)
        assert response.status == 400 and "error" in response.json, bad


WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


def test_today_goal_shape_matches_wakatime_cli(alice) -> None:  # type: ignore[no-untyped-def]
    reference = json.loads((FIXTURES / "wakatime-cli/pkg_goal_testdata_goal.json").read_text())
    goal = _api("POST", GOALS, body={"seconds": 3600}).json["data"]
    mine = _api("GET", f"{GOALS}/{goal['id']}").json
    missing = set(reference["data"]) - set(mine["data"]) - {"subscribers", "shared_with"}
    assert not missing or missing <= {"is_tweeting", "improve_by_percent", "status_percent_calculated"}, missing
    assert set(mine["data"]["chart_data"][0]) == set(reference["data"]["chart_data"][0])
    assert set(mine["data"]["chart_data"][0]["range"]) == set(reference["data"]["chart_data"][0]["range"])
    assert mine["data"]["chart_data"][-1]["actual_seconds_text"] == "0 secs"


def test_progress_helper_over_a_range(alice) -> None:  # type: ignore[no-untyped-def]
    from codetime.services import goals

    _api("POST", GOALS, body={"seconds": 600})
    _api("POST", GOALS, body={"seconds": 600, "is_enabled": False})
    today = datetime.now(UTC).date()
    result = goals.progress(alice, today - timedelta(days=30), today - timedelta(days=1))
    assert len(result) == 1 and len(result[0]["chart_data"]) == 30
    assert sum(c["actual_seconds"] for c in result[0]["chart_data"]) == 3900 + 300 + 1200
