"""Property: for any heartbeats, statusbar, summaries, stats, all-time, durations, projects and goals agree."""

from __future__ import annotations

import itertools
import time
from collections import defaultdict
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from codetime.services.keys import create_user
from functions import ingestion, summary
from harness import basic, call_api

pytestmark = pytest.mark.e2e
_serial = itertools.count()

heartbeats = st.lists(
    st.tuples(
        st.floats(min_value=0, max_value=3 * 86400 - 1, allow_nan=False),  # seconds before now
        st.sampled_from(["alpha", "beta", None]),
        st.sampled_from(["Python", "Go", None]),
    ),
    min_size=1,
    max_size=40,
)
timezones = st.sampled_from(["UTC", "Europe/Berlin", "America/Sao_Paulo", "Asia/Kolkata"])


def _get(key: str, path: str, **query: str) -> dict:
    response = call_api(summary.handler, "GET", f"/api/v1/users/current/{path}", headers=basic(key), query=query)
    assert response.status == 200, response
    return response.json


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(beats=heartbeats, tz=timezones)
def test_every_read_tells_the_same_story(sqs, beats, tz) -> None:  # type: ignore[no-untyped-def]
    n = next(_serial)
    key = f"waka_{n:08x}-1111-4222-8333-444444444444"
    create_user(email=f"u{n}@example.com", username=f"u{n}", timezone=tz, api_key=key)
    now = time.time()
    body = [
        {"entity": f"{project}.x", "type": "file", "time": now - ago, "project": project, "language": language}
        for ago, project, language in beats
    ]
    posted = call_api(ingestion.handler, "POST", "/api/v1/users/current/heartbeats.bulk", headers=basic(key), body=body)
    assert posted.status == 202
    sqs.drain()
    today = datetime.now(ZoneInfo(tz)).date()
    first = today - timedelta(days=3)

    summaries = _get(key, "summaries", start=first.isoformat(), end=today.isoformat())
    per_day = {d["range"]["date"]: d["grand_total"]["total_seconds"] for d in summaries["data"]}
    total = sum(per_day.values())
    per_project: dict[str, float] = defaultdict(float)
    for day in summaries["data"]:
        for item in day["projects"]:
            per_project[item["name"]] += item["total_seconds"]

    stats = _get(key, "stats/last_7_days")["data"]
    assert stats["total_seconds_including_other_language"] == pytest.approx(total, abs=1e-3)
    assert {p["name"]: p["total_seconds"] for p in stats["projects"]} == pytest.approx(dict(per_project), abs=1e-3)
    assert stats["days_minus_holidays"] == sum(1 for seconds in per_day.values() if seconds > 0)
    if total > 0:
        assert stats["best_day"]["total_seconds"] == pytest.approx(max(per_day.values()), abs=1e-3)
    assert sum(i["total_seconds"] for i in stats["languages"]) == pytest.approx(total, abs=1e-3)

    all_time = _get(key, "all_time_since_today")["data"]
    assert all_time["total_seconds"] == pytest.approx(total, abs=1e-3)
    all_stats = _get(key, "stats/all_time")["data"]
    assert all_stats["total_seconds_including_other_language"] == pytest.approx(total, abs=1e-3)

    statusbar = _get(key, "statusbar/today")["data"]
    assert statusbar["grand_total"]["total_seconds"] == pytest.approx(per_day[today.isoformat()], abs=1e-3)

    for day in (first + timedelta(days=i) for i in range(4)):
        durations = _get(key, "durations", date=day.isoformat())["data"]
        assert sum(d["duration"] for d in durations) == pytest.approx(per_day[day.isoformat()], abs=1e-3)

    projects = {p["name"] for p in _get(key, "projects")["data"]}
    assert projects == {p["name"] for p in stats["projects"]} == set(per_project)

    goal = call_api(
        summary.handler, "POST", "/api/v1/users/current/goals", headers=basic(key),
        body={"seconds": 60, "ignore_zero_days": False},
    ).json["data"]  # fmt: skip
    for item in goal["chart_data"]:
        if date.fromisoformat(item["range"]["date"]) >= first:
            assert item["actual_seconds"] == pytest.approx(per_day[item["range"]["date"]], abs=1e-3)
    weekly = call_api(
        summary.handler, "POST", "/api/v1/users/current/goals", headers=basic(key),
        body={"seconds": 60, "delta": "week", "languages": ["Python"]},
    ).json["data"]["chart_data"]  # fmt: skip
    python = sum(i["total_seconds"] for i in stats["languages"] if i["name"] == "Python")
    assert sum(i["actual_seconds"] for i in weekly) == pytest.approx(python, abs=1e-3)
