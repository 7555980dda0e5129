"""Public stats through the real handlers: a user's share settings (settings API), another user's stats read
without a key on WakaTime's and Wakapi's paths, only what is shared, rate limited, never served stale."""

from __future__ import annotations

import time

import pytest

from codetime.services.keys import create_user
from functions import ingestion, keys, summary
from harness import basic, call_api, start_of_today

pytestmark = pytest.mark.e2e
ALICE = "waka_aaaaaaaa-1111-4222-8333-444444444444"
BOB = "waka_bbbbbbbb-1111-4222-8333-444444444444"
UA = "wakatime/v1.98.0 (linux-6.1.0-amd64-x86_64) go1.22.0 vscode/1.90.0 vscode-wakatime/24.0.0"
PREFIXES = ("/api/v1/users", "/api/compat/wakatime/v1/users")
SETTINGS = "/api/v1/users/current/settings"
# Alice's values that no public reader may see unless she shares the list they are in.
PRIVATE = ("Python", "vscode", "Linux", "main", "secret.py", "alice@example.com")


def _get(path: str, key: str | None = None, **query: str):  # type: ignore[no-untyped-def]
    # Without a key: the sample event's Authorization header removed.
    headers = basic(key) if key else {"authorization": None}
    return call_api(summary.handler, "GET", path, headers=headers, query=query or None)  # type: ignore[arg-type]


def _share(**settings: object):  # type: ignore[no-untyped-def]
    response = call_api(keys.handler, "PATCH", SETTINGS, headers=basic(ALICE), body=settings)
    assert response.status == 200, response
    return response.json["data"]


@pytest.fixture
def alice(sqs, redis_env):  # type: ignore[no-untyped-def]
    user, _ = create_user(email="alice@example.com", username="alice", timezone="UTC", api_key=ALICE)
    create_user(email="bob@example.com", username="bob", timezone="UTC", api_key=BOB)
    # After today's local midnight (waiting one out that is under two minutes away): "today" holds them all.
    now = max(time.time(), start_of_today() + 600)
    beats = [
        {"entity": "secret.py", "type": "file", "time": now - 400 + i * 60, "project": "alpha", "language": "Python",
         "branch": "main", "machine_name_id": "box"} for i in range(4)
    ]  # fmt: skip
    response = call_api(ingestion.handler, "POST", "/api/v1/users/current/heartbeats.bulk",
                        headers={**basic(ALICE), "user-agent": UA}, body=beats)  # fmt: skip
    assert response.status == 202, response
    sqs.drain()
    return user


def test_nothing_is_public_by_default(alice) -> None:  # type: ignore[no-untyped-def]
    for prefix in PREFIXES:
        for path in (f"{prefix}/alice/stats", f"{prefix}/{alice.id}/stats/today", f"{prefix}/nobody/stats/today"):
            anonymous = _get(path)
            # No such user and a user who shares nothing get the same answer: a stranger cannot list accounts.
            assert anonymous.status == 403, (path, anonymous)
            assert anonymous.json == {"error": "This user's stats are not shared publicly."}
            assert _get(path, BOB).status == 403  # another user's key is no better than none
        assert _get(f"{prefix}/current/stats").status == 401  # `current` needs a key
        assert _get(f"{prefix}/alice/stats", "waka_cccccccc-1111-4222-8333-444444444444").status == 401  # bad key
        assert _get(f"{prefix}/alice/stats", ALICE).json["data"]["languages"][0]["name"] == "Python"  # the owner
    user = _get("/api/v1/users/current", ALICE).json["data"]
    assert user["logged_time_public"] is False and user["languages_used_public"] is False


def test_share_settings_are_validated_like_the_others(alice) -> None:  # type: ignore[no-untyped-def]
    settings = call_api(keys.handler, "GET", SETTINGS, headers=basic(ALICE)).json["data"]
    assert {k: v for k, v in settings.items() if k.startswith("share_")} == {
        "share_data_max_days": 0, "share_projects": False, "share_languages": False, "share_editors": False,
        "share_operating_systems": False, "share_machines": False, "share_categories": False,
    }  # fmt: skip
    for body, field in (
        ({"share_data_max_days": -2}, "share_data_max_days"),
        ({"share_data_max_days": 3661}, "share_data_max_days"),
        ({"share_data_max_days": "7"}, "share_data_max_days"),
        ({"share_data_max_days": True}, "share_data_max_days"),
        ({"share_data_max_days": None}, None),
        ({"share_projects": "yes"}, "share_projects"),
        ({"share_labels": True}, "share_labels"),
    ):
        response = call_api(keys.handler, "PATCH", SETTINGS, headers=basic(ALICE), body=body)
        assert response.status == 400, (body, response)
        if field:
            assert field in response.json["errors"], (body, response.json)
    assert _get("/api/v1/users/alice/stats").status == 403  # nothing changed
    read_only = call_api(keys.handler, "PATCH", SETTINGS, headers=basic(ALICE), body={"share_projects": True})
    assert read_only.status == 200 and read_only.json["data"]["share_projects"] is True


def test_shared_stats_show_only_what_is_shared(alice) -> None:  # type: ignore[no-untyped-def]
    assert _share(share_data_max_days=7, share_projects=True)["share_data_max_days"] == 7
    owner = _get("/api/v1/users/current/stats", ALICE).json["data"]
    for prefix in PREFIXES:
        for path, key in ((f"{prefix}/alice/stats", None), (f"{prefix}/{alice.id}/stats/7_days", None),
                          (f"{prefix}/alice/stats/today", BOB)):  # fmt: skip
            response = _get(path, key)
            assert response.status == 200, (path, response)
            data = response.json["data"]
            assert [p["name"] for p in data["projects"]] == ["alpha"]
            assert data["total_seconds"] == owner["total_seconds"] or path.endswith("today")
            for hidden in ("languages", "editors", "operating_systems", "machines", "categories", "dependencies"):
                assert data[hidden] == [], (path, hidden)
            assert data["is_coding_activity_visible"] is True and data["is_other_usage_visible"] is True
            assert not [text for text in PRIVATE if text in response.text], path
        # Longer than shared: 403 (Wakapi: "requested time range too broad").
        for name in ("30_days", "last_30_days", "all_time", "any", "last_year"):
            assert _get(f"{prefix}/alice/stats/{name}").status == 403, name
        assert _get(f"{prefix}/alice/stats/forever").status == 400
        # A filter on a shared list narrows; on a list not shared it would tell its values: refused.
        alpha = _get(f"{prefix}/alice/stats", project="alpha")
        assert alpha.status == 200 and alpha.json["data"]["branches"] == [] and alpha.json["data"]["entities"] == []
        assert not [text for text in PRIVATE if text in alpha.text]
        for name, value in (("language", "Python"), ("editor", "vscode"), ("branch", "main"), ("machine", "box")):
            assert _get(f"{prefix}/alice/stats", **{name: value}).status == 403, name
    _share(share_languages=True, share_editors=True, share_operating_systems=True, share_categories=True)
    data = _get("/api/compat/wakatime/v1/users/alice/stats", language="Python").json["data"]
    assert [lang["name"] for lang in data["languages"]] == ["Python"] and data["editors"][0]["name"] == "vscode"
    assert data["operating_systems"][0]["name"] == "Linux" and data["machines"] == []
    user = _get("/api/v1/users/current", ALICE).json["data"]
    assert user["logged_time_public"] is True and user["languages_used_public"] is True
    _share(share_data_max_days=-1)
    assert _get("/api/v1/users/alice/stats/all_time").status == 200


def test_a_change_of_what_is_shared_applies_at_once(alice) -> None:  # type: ignore[no-untyped-def]
    _share(share_data_max_days=7, share_projects=True)
    assert [p["name"] for p in _get("/api/v1/users/alice/stats").json["data"]["projects"]] == ["alpha"]  # cached
    _share(share_projects=False)
    data = _get("/api/v1/users/alice/stats").json["data"]
    assert data["projects"] == [] and data["is_other_usage_visible"] is False and "alpha" not in str(data)
    _share(share_data_max_days=0)
    assert _get("/api/v1/users/alice/stats").status == 403


def test_public_reads_are_rate_limited_apart_from_the_owners(alice, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    _share(share_data_max_days=7, share_projects=True)
    monkeypatch.setenv("CODETIME_RATE_LIMIT_PUBLIC", "1/2")  # two requests, then one a second
    assert [_get("/api/v1/users/alice/stats").status for _ in range(2)] == [200, 200]
    limited = _get("/api/compat/wakatime/v1/users/alice/stats")
    assert limited.status == 429 and int(limited.headers["retry-after"]) >= 1
    assert _get("/api/v1/users/alice/stats", ALICE).status == 200  # strangers do not use up the owner's reads
