"""Badges, insights and the meta routes through the real summary handler: a badge or another user's insight only
for what the user shares (403 otherwise), the owner's insights in full, cache headers, hostile parameters."""

from __future__ import annotations

import pytest

from codetime.services.keys import create_user
from functions import ingestion, keys, summary
from harness import basic, call_api, start_of_today

pytestmark = pytest.mark.e2e
ALICE = "waka_aaaaaaaa-1111-4222-8333-444444444444"
BOB = "waka_bbbbbbbb-1111-4222-8333-444444444444"
UA = "wakatime/v1.98.0 (linux-6.1.0-amd64-x86_64) go1.22.0 vscode/1.90.0 vscode-wakatime/24.0.0"
SETTINGS = "/api/v1/users/current/settings"


def _get(path: str, key: str | None = None, **query: str):  # type: ignore[no-untyped-def]
    headers = basic(key) if key else {"authorization": None}
    return call_api(summary.handler, "GET", path, headers=headers, query=query or None)  # type: ignore[arg-type]


def _share(**settings: object) -> None:
    assert call_api(keys.handler, "PATCH", SETTINGS, headers=basic(ALICE), body=settings).status == 200


@pytest.fixture
def alice(sqs, redis_env):  # type: ignore[no-untyped-def]
    user, _ = create_user(email="alice@example.com", username="alice", timezone="UTC", api_key=ALICE)
    create_user(email="bob@example.com", username="bob", timezone="UTC", api_key=BOB)
    # Yesterday at noon: 20 minutes of "secret-<project>" in Python; inside every range below at any hour.
    noon = start_of_today(margin=0) - 12 * 3600
    beats = [{"entity": "/src/a.py", "type": "file", "time": noon + i * 60, "project": "secret-project",
              "language": "Python"} for i in range(21)]  # fmt: skip
    response = call_api(ingestion.handler, "POST", "/api/v1/users/current/heartbeats.bulk",
                        headers={**basic(ALICE), "user-agent": UA}, body=beats)  # fmt: skip
    assert response.status == 202
    sqs.drain()
    return user


def test_badges_only_for_what_is_shared(alice) -> None:  # type: ignore[no-untyped-def]
    paths = ("/api/v1/users/alice/badge/last_7_days", "/api/v1/users/alice/badge/last_7_days/shields")
    for path in paths:
        assert _get(path).status == 403  # nothing shared
        assert _get(path, ALICE).status == 403  # a badge is public data only, whoever asks
    _share(share_data_max_days=7)
    svg = _get(paths[0])
    assert svg.status == 200 and svg.headers["content-type"] == "image/svg+xml"
    assert svg.headers["cache-control"] == "public, max-age=600"
    assert "20 mins" in svg.text and 'role="img"' in svg.text and "<title>CodeTime: 20 mins" in svg.text
    shields = _get(paths[1], BOB)
    assert shields.json == {"schemaVersion": 1, "label": "CodeTime", "message": "20 mins", "color": "blue",
                            "cacheSeconds": 600}  # fmt: skip
    assert _get(f"/api/v1/users/{alice.id}/badge/last_7_days/shields").json["message"] == "20 mins"
    # Longer than shared, all time, another user's name, an unknown range.
    assert _get("/api/v1/users/alice/badge/last_30_days").status == 403
    assert _get("/api/v1/users/alice/badge/all_time").status == 403
    assert _get("/api/v1/users/nobody/badge/last_7_days").status == 403
    assert _get("/api/v1/users/alice/badge/forever").status == 400
    # A project's badge needs the projects list shared (else it would tell whether the name exists).
    project = {"project": "secret-project"}
    assert _get(paths[1], **project).status == 403
    _share(share_projects=True)
    badge = _get(paths[1], **project).json
    assert (badge["label"], badge["message"]) == ("secret-project", "20 mins")
    assert _get(paths[1], project="other").json["message"] == "0 secs"
    hostile = _get(paths[0], project="<script>" + "x" * 50)
    assert hostile.status == 200 and "<script>" not in hostile.text and "&lt;script&gt;" in hostile.text
    assert _get(paths[0], project="a\x00").status == 400


def test_insights_of_the_owner_and_of_a_public_reader(alice) -> None:  # type: ignore[no-untyped-def]
    own = _get("/api/v1/users/current/insights/languages/last_7_days", ALICE)
    assert own.status == 200, own
    data = own.json["data"]
    assert data["languages"] == [{"name": "Python", "total_seconds": 1200.0, "text": "20 mins", "percent": 100.0}]
    assert data["range"] == "last_7_days" and data["username"] == "alice"
    weekdays = _get("/api/v1/users/current/insights/weekdays/last_7_days", ALICE).json["data"]["weekdays"]
    assert [d["name"] for d in weekdays][0] == "Monday" and sum(d["total"] for d in weekdays) == 1200.0
    days = _get("/api/v1/users/current/insights/days/last_7_days", ALICE).json["data"]["days"]
    assert len(days) == 7 and sum(d["total"] for d in days) == 1200.0
    best = _get("/api/v1/users/current/insights/best_day/last_7_days", ALICE).json["data"]["best_day"]
    assert best["total_seconds"] == 1200.0 and best["date"] == days[-2]["date"]  # yesterday
    average = _get("/api/v1/users/current/insights/daily_average/last_7_days", ALICE).json["data"]
    assert (average["daily_average"], average["days_minus_holidays"]) == (1200, 1)
    assert _get("/api/v1/users/current/insights/projects/last_7_days", ALICE).json["data"]["projects"][0]["name"] == (
        "secret-project"
    )
    assert _get("/api/v1/users/current/insights/nonsense/last_7_days", ALICE).status == 400
    assert _get("/api/v1/users/current/insights/weekdays/last_7_days").status == 401

    # Someone else: nothing until shared, then time-only insights, lists only when that list is shared.
    assert _get("/api/v1/users/alice/insights/weekdays/last_7_days", BOB).status == 403
    _share(share_data_max_days=7)
    assert _get("/api/v1/users/alice/insights/weekdays/last_7_days").status == 200
    assert _get("/api/v1/users/alice/insights/weekdays/last_30_days").status == 403
    projects = _get("/api/v1/users/alice/insights/projects/last_7_days")
    assert projects.status == 403 and "secret-project" not in projects.text
    _share(share_projects=True)
    assert _get("/api/v1/users/alice/insights/projects/last_7_days").json["data"]["projects"][0]["total_seconds"] == (
        1200.0
    )
    assert _get("/api/v1/users/alice/insights/languages/last_7_days").status == 403


def test_meta_routes_answer_anyone(alice) -> None:  # type: ignore[no-untyped-def]
    meta = _get("/api/v1/meta")
    assert meta.status == 200 and set(meta.json["data"]["ips"]) >= {"api", "website", "worker"}
    assert meta.headers["cache-control"] == "public, max-age=3600"
    languages = _get("/api/v1/program_languages").json
    assert languages["total"] == len(languages["data"]) > 30 and {"Python", "Go"} <= {x["name"] for x in
                                                                                     languages["data"]}  # fmt: skip
    assert [x["name"] for x in _get("/api/v1/program_languages", name="python").json["data"]] == ["Python"]
    editors = _get("/api/v1/editors", ALICE).json["data"]
    assert {"vscode", "vim", "intellij"} <= {x["slug"] for x in editors}


def test_summaries_of_another_user_only_as_shared(alice) -> None:  # type: ignore[no-untyped-def]
    day = _get("/api/v1/users/current/insights/best_day/last_7_days", ALICE).json["data"]["best_day"]["date"]
    for prefix in ("/api/v1/users", "/api/compat/wakatime/v1/users"):
        path = f"{prefix}/alice/summaries"
        assert _get(path, start=day, end=day).status == 403  # nothing shared
        assert _get(path, BOB, start=day, end=day).status == 403
        own = _get(f"{prefix}/current/summaries", ALICE, start=day, end=day).json
        assert own["data"][0]["projects"][0]["name"] == "secret-project"
    _share(share_data_max_days=7, share_languages=True)
    shared = _get("/api/v1/users/alice/summaries", range="last_7_days")
    assert shared.status == 200, shared
    days = shared.json["data"]
    assert len(days) == 7 and shared.json["cumulative_total"]["seconds"] == 1200.0
    found = next(d for d in days if d["range"]["date"] == day)
    assert found["grand_total"]["total_seconds"] == 1200.0 and found["languages"][0]["name"] == "Python"
    assert found["projects"] == [] and found.get("entities", []) == [] and "secret-project" not in shared.text
    # A longer range than shared, a filter on a list not shared, a branch filter: 403 alike.
    assert _get("/api/v1/users/alice/summaries", range="last_30_days").status == 403
    assert _get("/api/v1/users/alice/summaries", start=day, end=day, project="secret-project").status == 403
    assert _get("/api/v1/users/alice/summaries", start=day, end=day, branches="main").status == 403
    _share(share_projects=True)
    only = _get("/api/v1/users/alice/summaries", start=day, end=day, project="secret-project").json["data"][0]
    assert only["grand_total"]["total_seconds"] == 1200.0 and only["branches"] == [] and only["entities"] == []


def test_keyless_reads_are_rate_limited_per_client(alice, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    _share(share_data_max_days=7)
    monkeypatch.setenv("CODETIME_RATE_LIMIT_PUBLIC", "0.01/300")  # three requests, then one per 100 s
    paths = ("/api/v1/users/alice/badge/last_7_days", "/api/v1/leaders", "/api/v1/meta", "/api/v1/editors")
    assert [_get(path).status for path in paths] == [200, 200, 200, 429]
    limited = _get("/api/v1/leaders")
    assert limited.status == 429 and int(limited.headers["retry-after"]) > 0
    assert _get("/api/v1/leaders", ALICE).status == 200  # with a key: the user's own read bucket
