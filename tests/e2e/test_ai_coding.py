"""AI coding analytics, golden against live WakaTime: the captured day posted through the real handlers (API Gateway
v2 events -> ingestion -> moto SQS -> writer -> TimescaleDB) must give exactly WakaTime's AI figures."""

from __future__ import annotations

import copy
import json

import pytest

from codetime.db import get_pool
from codetime.services.keys import create_user
from functions import ingestion, keys, summary
from harness import FIXTURES, basic, call_api, start_of_today

pytestmark = pytest.mark.e2e

KEY = "waka_4c1d2b3a-5e6f-4a7b-8c9d-0e1f2a3b4c5d"
DAY = "2026-08-18"
CLI = "wakatime/v1.130.0 (linux-6.8.0-x86_64) go1.24.4"
# The capture names each heartbeat's User-Agent only by a scrubbed id. wakatime-cli puts the model in an AI
# heartbeat's User-Agent ("opus/4.6 claude-code/..."); this assignment of models to the four AI agent ids is the one
# that reproduces WakaTime's per-model line changes and Sonnet costs in the day and in all 62 durations.
AGENTS = {
    "user_agent_id-1740ea": f"{CLI} opus/4.6 claude-code/2.0.37",
    "user_agent_id-9fe490": f"{CLI} opus/4.5-high claude-code/2.0.37",
    "user_agent_id-8f7afd": f"{CLI} opus/4.1 claude-code/2.0.37",
    "user_agent_id-a94efb": f"{CLI} sonnet/4.5 claude-code/2.0.37",
    "user_agent_id-5d3df2": f"{CLI} vscode/1.95.3 vscode-wakatime/25.3.0",
}
# Exact in the day's grand_total and per duration; the per-model maps are checked separately (see below).
EXACT = (
    "ai_additions", "ai_deletions", "human_additions", "human_deletions", "ai_input_tokens", "ai_cached_input_tokens",
    "ai_output_tokens", "ai_prompt_length_sum", "ai_prompt_events_total", "ai_sessions", "ai_prompt_length_avg",
    "ai_prompt_events_avg_per_session", "ai_prompt_events_median_per_session", "ai_prompt_length_avg_per_session",
    "ai_prompt_length_median_per_session", "ai_model_line_changes",
)  # fmt: skip


def _fixture(name: str) -> dict:
    return json.loads((FIXTURES / "wakatime-live" / name).read_text())


def _heartbeats() -> list[dict]:
    items = copy.deepcopy(_fixture("heartbeats-day.json")["data"])
    for hb in items:
        hb["user_agent"] = AGENTS[hb["user_agent_id"]]
    return items


@pytest.fixture
def user(sqs, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    monkeypatch.setenv("CODETIME_MAX_HEARTBEAT_AGE_DAYS", "36500")  # the captured day is in 2026
    from codetime.config import get_settings

    get_settings.cache_clear()
    user, _ = create_user(email="ai@example.com", username="ai", timezone="Europe/Moscow", api_key=KEY)
    return user


def _post(items: list[dict], sqs) -> None:  # type: ignore[no-untyped-def]
    for start in range(0, len(items), 25):  # as wakatime-cli sends them
        response = call_api(ingestion.handler, "POST", "/api/v1/users/current/heartbeats.bulk",
                            headers=basic(KEY), body=items[start : start + 25])  # fmt: skip
        assert response.status == 202, response
    sqs.drain()


def _get(path: str, **query: str) -> dict:
    response = call_api(summary.handler, "GET", path, headers=basic(KEY), query=query)
    assert response.status == 200, response
    return response.json


def _day() -> dict:
    return _get("/api/v1/users/current/summaries", start=DAY, end=DAY)


def test_golden_ai_day(user, sqs) -> None:  # type: ignore[no-untyped-def]
    _post(_heartbeats(), sqs)
    expected = _fixture("summaries-one-day.json")["data"][0]["grand_total"]
    got = _day()
    total = got["data"][0]["grand_total"]
    assert {k: total[k] for k in EXACT} == {k: expected[k] for k in EXACT}
    assert total["ai_model_line_changes"] == {"Opus": 1564, "Sonnet": 654}
    # Costs: WakaTime's Sonnet price is pinned by its own figures; Opus's is not (see README), so no Opus cost.
    assert total["ai_model_costs"] == {"Sonnet": expected["ai_model_costs"]["Sonnet"]}
    assert total["ai_model_breakdown"] == [
        {"name": "Opus", "lines": 1564, "cost": 0},
        {"name": "Sonnet", "lines": 654, "cost": expected["ai_model_costs"]["Sonnet"]},
    ]
    assert list(total)[6:] == list(expected)[6:]  # WakaTime's key order
    # The range (CodeTime's cumulative_total) of a week with this one active day has the day's figures.
    week = _get("/api/v1/users/current/summaries", start="2026-08-12", end=DAY)
    assert {k: week["cumulative_total"][k] for k in EXACT} == {k: expected[k] for k in EXACT}
    assert week["data"][0]["grand_total"]["ai_additions"] == 0 and week["data"][0]["grand_total"]["ai_sessions"] == 0

    # Projects and editors carry the keys too: all AI work in one project and editor, all human lines in another.
    day = got["data"][0]
    for key in ("projects", "editors"):
        ai_items = [x for x in day[key] if x["ai_additions"]]
        human_items = [x for x in day[key] if x["human_additions"]]
        assert [(x["ai_additions"], x["ai_sessions"], x["human_additions"]) for x in ai_items] == [(2207, 21, 0)], key
        assert [(x["human_additions"], x["human_deletions"], x["ai_sessions"]) for x in human_items] == [(152, 138, 0)]

    # The computed paths agree with the stored day: a raw read in another zone of the same offset, a project filter.
    shifted = _get("/api/v1/users/current/summaries", start=DAY, end=DAY, timezone="Europe/Istanbul")
    assert shifted["data"][0]["grand_total"] == total
    ai_project = next(x["name"] for x in day["projects"] if x["ai_additions"])
    filtered = _get("/api/v1/users/current/summaries", start=DAY, end=DAY, project=ai_project)
    assert filtered["data"][0]["grand_total"]["ai_additions"] == 2207
    assert filtered["data"][0]["grand_total"]["human_additions"] == 0
    # The dashboard summary (Wakapi's shape) carries the range's figures as `ai`.
    dashboard = _get("/api/v1/summary", **{"from": "2026-08-12", "to": DAY})
    assert {k: dashboard["ai"][k] for k in EXACT} == {k: expected[k] for k in EXACT}


def test_stats_carry_the_range_figures_and_public_stats_do_not(user, sqs) -> None:  # type: ignore[no-untyped-def]
    _post(_heartbeats(), sqs)
    expected = _fixture("summaries-one-day.json")["data"][0]["grand_total"]
    data = _get("/api/v1/users/current/stats/all_time")["data"]
    assert {k: data[k] for k in EXACT} == {k: expected[k] for k in EXACT}
    assert data["ai_line_changes_total"] == 2207 + 11
    assert sorted(x["human_additions"] for x in data["editors"]) == [0, 152]
    # Filters the AI sums are kept by narrow them; others leave the AI keys out instead of showing them unfiltered.
    claude = _get("/api/v1/users/current/stats/all_time", editor="Claude")["data"]
    assert (claude["ai_additions"], claude["human_additions"]) == (2207, 0)
    assert "ai_additions" not in _get("/api/v1/users/current/stats/all_time", language="Rust")["data"]
    shared = call_api(keys.handler, "PATCH", "/api/v1/users/current/settings", headers=basic(KEY),
                      body={"share_data_max_days": -1, "share_editors": True})  # fmt: skip
    assert shared.status == 200, shared
    # Without a key (the sample event's Authorization header removed): a public reader.
    public = call_api(summary.handler, "GET", "/api/v1/users/ai/stats/all_time", headers={"authorization": None})
    assert public.status == 200, public
    assert public.json["data"]["editors"] and public.json["data"]["total_seconds"] > 0
    leaked = [key for key in json.dumps(public.json).split('"') if key.startswith(("ai_", "human_"))]
    assert leaked == []  # public profiles share time, not AI lines, tokens or costs


def test_statusbar_today_and_metrics_have_the_ai_figures(user, sqs) -> None:  # type: ignore[no-untyped-def]
    start = start_of_today("Europe/Moscow")
    agent = AGENTS["user_agent_id-a94efb"]
    items = [
        {"entity": "/src/app.py", "type": "file", "time": start + 60, "category": "ai coding", "user_agent": agent,
         "ai_session": "s1", "ai_line_changes": 12, "ai_prompt_length": 40, "ai_input_tokens": 1000},
        {"entity": "/src/app.py", "type": "file", "time": start + 120, "category": "ai coding", "user_agent": agent,
         "ai_session": "s1", "ai_line_changes": -2, "ai_output_tokens": 500},
    ]  # fmt: skip
    _post(items, sqs)
    total = _get("/api/v1/users/current/statusbar/today")["data"]["grand_total"]
    assert (total["ai_additions"], total["ai_deletions"], total["ai_sessions"]) == (12, 2, 1)
    assert total["ai_model_line_changes"] == {"Sonnet": 14}
    assert total["ai_model_costs"] == {"Sonnet": round((1000 * 2 + 500 * 10) / 1e6, 6)}
    assert (total["ai_prompt_events_total"], total["ai_prompt_length_avg"]) == (1, 40)
    metrics = call_api(summary.handler, "GET", "/api/v1/users/current/metrics", headers=basic(KEY))
    assert metrics.status == 200, metrics
    lines = metrics.text.splitlines()
    for line in ("wakatime_ai_additions_total 12", "wakatime_ai_deletions_total 2", "wakatime_human_additions_total 0",
                 "wakatime_ai_input_tokens_total 1000", "wakatime_ai_output_tokens_total 500",
                 "wakatime_ai_sessions_total 1", 'wakatime_ai_model_line_changes_total{name="Sonnet"} 14',
                 "# TYPE wakatime_ai_cached_input_tokens_total counter"):  # fmt: skip
        assert line in lines, line


def test_golden_ai_durations(user, sqs) -> None:  # type: ignore[no-untyped-def]
    _post(_heartbeats(), sqs)
    expected = _fixture("durations-day.json")["data"]
    got = _get("/api/v1/users/current/durations", date=DAY)["data"]
    assert len(got) == len(expected) == 62
    for mine, theirs in zip(got, expected, strict=True):
        assert {k: mine[k] for k in EXACT} == {k: theirs[k] for k in EXACT}, theirs["time"]
        assert set(mine) >= set(theirs)
    # Sonnet's cost (the one price WakaTime's figures pin down) equals WakaTime's in every duration.
    costs = [(m["ai_model_costs"], t["ai_model_costs"]) for m, t in zip(got, expected, strict=True)]
    assert [mine.get("Sonnet") for mine, _ in costs] == [theirs.get("Sonnet") for _, theirs in costs]


def test_redelivery_and_late_heartbeats_stay_exact(user, sqs) -> None:  # type: ignore[no-untyped-def]
    items = _heartbeats()
    _post(items, sqs)
    before = _day()["data"][0]["grand_total"]
    _post(items[::-1], sqs)  # every heartbeat again, in another order
    assert _day()["data"][0]["grand_total"] == before
    late = {
        **items[100], "time": items[100]["time"] + 0.5, "ai_line_changes": -7, "ai_session": "late-session",
        "ai_prompt_length": 0, "ai_input_tokens": 10, "ai_cached_input_tokens": 0, "ai_output_tokens": 5,
    }  # fmt: skip
    _post([late], sqs)
    after = _day()["data"][0]["grand_total"]
    assert after["ai_deletions"] == before["ai_deletions"] + 7
    assert after["ai_sessions"] == before["ai_sessions"] + 1
    assert after["ai_input_tokens"] == before["ai_input_tokens"] + 10
    assert after["ai_output_tokens"] == before["ai_output_tokens"] + 5
    with get_pool().connection() as conn:
        rows = conn.execute(
            "SELECT sum(ai_deletions), count(DISTINCT session) FILTER (WHERE session <> '') FROM daily_ai_totals"
        ).fetchone()
    assert rows == (after["ai_deletions"], after["ai_sessions"])


def test_ai_fields_are_validated(user, sqs) -> None:  # type: ignore[no-untyped-def]
    base = {"entity": "main.py", "type": "file", "time": 1787031154.0, "category": "ai coding"}
    bad = [
        {**base, "ai_line_changes": "many"},
        {**base, "ai_input_tokens": -1},
        {**base, "ai_output_tokens": 2**60},
        {**base, "ai_prompt_length": 1.5},
        {**base, "ai_session": "a\x00b"},
        {**base, "ai_subscription_plan": ["max"]},
        {**base, "ai_model": "x" * 300},
        {**base, "human_line_changes": True},
        {**base, "ai_cached_input_tokens": "9" * 5000},
    ]
    response = call_api(ingestion.handler, "POST", "/api/v1/users/current/heartbeats.bulk",
                        headers=basic(KEY), body=bad)  # fmt: skip
    assert response.status == 202, response
    statuses = [status for _, status in response.json["responses"]]
    assert statuses == [400] * len(bad)
    fields = [next(iter(body["errors"])) for body, _ in response.json["responses"]]
    assert fields == ["ai_line_changes", "ai_input_tokens", "ai_output_tokens", "ai_prompt_length", "ai_session",
                      "ai_subscription_plan", "ai_model", "human_line_changes", "ai_cached_input_tokens"]  # fmt: skip
    good = {**base, "ai_line_changes": -3, "ai_session": "s1", "ai_input_tokens": "12", "ai_model": "gpt-5.2",
            "ai_subscription_plan": "MAX", "future_ai_field": {"ignored": True}}  # fmt: skip
    _post([good], sqs)
    with get_pool().connection() as conn:
        stored = conn.execute(
            "SELECT ai_line_changes, ai_session, ai_input_tokens, ai_model, ai_subscription_plan FROM heartbeats"
        ).fetchall()
    assert stored == [(-3, "s1", 12, "gpt-5.2", "max")]
    total = _day()["data"][0]["grand_total"]
    assert (total["ai_deletions"], total["ai_model_line_changes"], total["ai_sessions"]) == (3, {"GPT": 3}, 1)
    # Raw heartbeats list them as WakaTime's heartbeats endpoint does.
    (listed,) = _get("/api/v1/users/current/heartbeats", date=DAY)["data"]
    assert {k: listed[k] for k in ("ai_line_changes", "ai_session", "ai_input_tokens", "ai_model")} == {
        "ai_line_changes": -3, "ai_session": "s1", "ai_input_tokens": 12, "ai_model": "gpt-5.2"
    }  # fmt: skip
