"""The public leaderboard through the real handlers: opt-in and country in the settings API, the board computed
from the per-day aggregates after writes (debounced) and by the schedule, WakaTime's leaders shape, ties,
pages, filters, and the ranking function private boards build on."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from codetime.db import get_pool
from codetime.local.scheduler import LEADERBOARD_JOB, scheduled_event
from codetime.repositories.leaderboards import BoardUser, LeaderboardRepository
from codetime.services import leaderboards
from codetime.services.keys import create_user
from functions import ingestion, keys, maintenance, summary
from harness import basic, call_api, invoke, start_of_today

pytestmark = pytest.mark.e2e
LEADERS = "/api/v1/leaders"
SETTINGS = "/api/v1/users/current/settings"
UA = "wakatime/v1.98.0 (linux-6.1.0-amd64-x86_64) go1.22.0 vscode/1.90.0 vscode-wakatime/24.0.0"
KEYS = {name: f"waka_{letter * 8}-1111-4222-8333-444444444444" for name, letter in
        (("alice", "a"), ("bob", "b"), ("carol", "c"), ("dave", "d"), ("erin", "e"))}  # fmt: skip


def _leaders(key: str | None = None, **query: str):  # type: ignore[no-untyped-def]
    headers = basic(key) if key else {"authorization": None}
    return call_api(summary.handler, "GET", LEADERS, headers=headers, query=query or None)  # type: ignore[arg-type]


def _settings(name: str, **body: object):  # type: ignore[no-untyped-def]
    return call_api(keys.handler, "PATCH", SETTINGS, headers=basic(KEYS[name]), body=body)


def _code(name: str, minutes: int, language: str = "Python", *, start: float) -> None:
    """`minutes` minutes of `language` from `start` (one heartbeat a minute, the last one closing the span)."""
    beats = [{"entity": f"/src/{name}.x", "type": "file", "time": start + i * 60, "project": f"{name}-secret-project",
              "language": language} for i in range(minutes + 1)]  # fmt: skip
    response = call_api(ingestion.handler, "POST", "/api/v1/users/current/heartbeats.bulk",
                        headers={**basic(KEYS[name]), "user-agent": UA}, body=beats)  # fmt: skip
    assert response.status == 202, response


def _yesterday_noon() -> float:
    return start_of_today(margin=0) - 12 * 3600


@pytest.fixture
def board(sqs, redis_env):  # type: ignore[no-untyped-def]
    users = {name: create_user(email=f"{name}@example.com", username=name, timezone="UTC", api_key=key)[0]
             for name, key in KEYS.items()}  # fmt: skip
    # Yesterday at noon: inside everyone's last 7 days whatever the hour, and the same day if midnight passes.
    start = _yesterday_noon()
    # alice 30 min (20 Python + 10 Go), bob 20 min, carol 20 min (a tie with bob), dave 10 min; erin nothing.
    _code("alice", 20, start=start)
    _code("alice", 10, "Go", start=start + 2400)  # after more than the timeout: a new span
    _code("bob", 20, start=start)
    _code("carol", 20, "Rust", start=start)
    _code("dave", 10, start=start)
    sqs.drain()
    return users


def test_only_users_who_opted_in_are_ranked_in_wakatimes_shape(board) -> None:  # type: ignore[no-untyped-def]
    empty = _leaders()
    assert empty.status == 200, empty
    assert empty.json["data"] == [] and empty.json["total"] == 0 and empty.json["current_user"] is None
    for name in ("alice", "bob", "carol"):
        assert _settings(name, public_leaderboard=True).status == 200
    assert _settings("bob", country_code="de", display_name="Bob B.").json["data"]["country_code"] == "DE"

    body = _leaders().json
    assert [(leader["rank"], leader["user"]["username"]) for leader in body["data"]] == [
        (1, "alice"), (2, "bob"), (2, "carol"),  # equal totals share a rank, listed by username
    ]  # fmt: skip
    first = body["data"][0]
    assert first["running_total"] == {
        "total_seconds": 1800.0, "human_readable_total": "30 mins", "daily_average": 1800.0,
        "human_readable_daily_average": "30 mins",
        "languages": [{"name": "Python", "total_seconds": 1200.0}, {"name": "Go", "total_seconds": 600.0}],
    }  # fmt: skip
    assert first["user"]["email"] is None and first["user"]["city"] is None
    assert body["data"][1]["user"]["display_name"] == "Bob B."
    assert body["data"][1]["user"]["city"] == {"country_code": "DE", "country": "Germany", "title": "Germany"}
    assert (body["page"], body["total_pages"], body["total"], body["per_page"]) == (1, 1, 3, 100)
    assert body["range"]["name"] == "last_7_days" and body["range"]["text"] == "Last 7 Days"
    assert body["modified_at"] is not None
    # Dave, who did not opt in, is nowhere; nor is anything he coded. Opting in publishes names and language
    # totals only: no project, file or editor of anyone; their stats, insights and badges stay private.
    assert "dave" not in str(body) and "secret-project" not in str(body) and ".x" not in str(body)
    for path in ("/api/v1/users/alice/stats/last_7_days", "/api/v1/users/alice/insights/languages/last_7_days",
                 "/api/v1/users/alice/badge/last_7_days", "/api/v1/users/alice/summaries"):  # fmt: skip
        response = call_api(summary.handler, "GET", path, headers={"authorization": None},
                            query={"range": "last_7_days"})  # fmt: skip
        assert response.status == 403, (path, response)

    # A signed-in reader sees their own place; one not on the board gets rank null.
    mine = _leaders(KEYS["carol"]).json["current_user"]
    assert (mine["rank"], mine["page"], mine["user"]["username"]) == (2, 1, "carol")
    assert mine["running_total"]["total_seconds"] == 1200.0
    theirs = _leaders(KEYS["dave"]).json["current_user"]
    assert theirs["rank"] is None and theirs["running_total"] is None
    assert _leaders("waka_ffffffff-1111-4222-8333-444444444444").status == 401  # a wrong key is not anonymous

    # Opting out hides at once (read from the settings, not from the precomputed totals).
    assert _settings("alice", public_leaderboard=False).status == 200
    assert [leader["user"]["username"] for leader in _leaders().json["data"]] == ["bob", "carol"]


def test_language_and_country_filters(board) -> None:  # type: ignore[no-untyped-def]
    for name in ("alice", "bob", "carol", "dave"):
        assert _settings(name, public_leaderboard=True).status == 200
    _settings("alice", country_code="FR")
    _settings("dave", country_code="FR")
    python = _leaders(language="Python").json
    assert [(x["rank"], x["user"]["username"], x["running_total"]["total_seconds"]) for x in python["data"]] == [
        (1, "alice", 1200.0), (1, "bob", 1200.0), (3, "dave", 600.0),
    ]  # fmt: skip
    assert python["language"] == "Python"
    assert python["data"][0]["running_total"]["languages"][1] == {"name": "Go", "total_seconds": 600.0}
    french = _leaders(country_code="fr").json
    assert [x["user"]["username"] for x in french["data"]] == ["alice", "dave"] and french["country_code"] == "FR"
    assert _leaders(language="Go", country_code="FR").json["total"] == 1
    assert _leaders(language="COBOL").json["data"] == []
    for query, field in (({"country_code": "XX"}, "country_code"), ({"country_code": "DEU"}, "country_code"),
                         ({"page": "0"}, "page"), ({"page": "x"}, "page"), ({"language": "x" * 101}, "language"),
                         ({"language": "a\x00"}, "language")):  # fmt: skip
        response = _leaders(**query)
        assert response.status == 400, (query, response)
        assert field in str(response.json), (query, response.json)


def test_settings_validate_country_and_opt_in(board) -> None:  # type: ignore[no-untyped-def]
    for body in ({"country_code": "ZZ"}, {"country_code": "Germany"}, {"country_code": 49},
                 {"public_leaderboard": "yes"}, {"public_leaderboard": None}):  # fmt: skip
        response = _settings("alice", **body)
        assert response.status == 400, (body, response)
    settings = call_api(keys.handler, "GET", SETTINGS, headers=basic(KEYS["alice"])).json["data"]
    assert settings["public_leaderboard"] is False and settings["country_code"] is None
    assert _settings("alice", country_code="us").json["data"]["country_code"] == "US"
    assert _settings("alice", country_code=None).json["data"]["country_code"] is None
    assert _settings("alice", country_code="").json["data"]["country_code"] is None


def test_pages_and_the_callers_page(board) -> None:  # type: ignore[no-untyped-def]
    """The ranking function private boards use: any set of members, pages cut in board order."""
    ids = [board[name].id for name in ("alice", "bob", "carol", "dave", "erin")]
    first = leaderboards.ranking(ids, page_size=2)
    assert [(x["rank"], x["user"]["username"]) for x in first["data"]] == [(1, "alice"), (2, "bob")]
    assert (first["page"], first["total_pages"], first["total"]) == (1, 2, 4)  # erin has no time: not ranked
    second = leaderboards.ranking(ids, page=2, page_size=2)
    assert [(x["rank"], x["user"]["username"]) for x in second["data"]] == [(2, "carol"), (4, "dave")]
    assert leaderboards.ranking(ids, page=3, page_size=2)["data"] == []
    # Without a page, a member starts on the page holding their rank.
    mine = leaderboards.ranking(ids, page_size=2, current_user=board["dave"])
    assert mine["page"] == 2 and mine["current_user"]["rank"] == 4 and mine["current_user"]["page"] == 2
    # Members rank whether or not they opted in publicly; non-members never appear.
    assert [x["user"]["username"] for x in leaderboards.ranking([ids[1], ids[3]])["data"]] == ["bob", "dave"]
    assert leaderboards.ranking([])["data"] == []


def test_refresh_is_debounced_and_scheduled(board, sqs) -> None:  # type: ignore[no-untyped-def]
    ids = [board["bob"].id]
    assert leaderboards.ranking(ids)["data"][0]["running_total"]["total_seconds"] == 1200.0
    # Bob codes again within the debounce interval: marked dirty, not recomputed by the writer yet.
    _code("bob", 5, "Go", start=_yesterday_noon() + 3000)
    sqs.drain()
    assert leaderboards.ranking(ids)["data"][0]["running_total"]["total_seconds"] == 1200.0
    with get_pool().connection() as conn:
        dirty = conn.execute("SELECT dirty_at FROM leaderboard_users WHERE user_id = %s", (ids[0],)).fetchone()
    assert dirty[0] is not None
    # Once the interval has passed, the next refresh (the writer's next batch, or the schedule) picks it up.
    assert leaderboards.refresh_due(debounce_seconds=0) >= 1
    total = leaderboards.ranking(ids)["data"][0]["running_total"]
    assert total["total_seconds"] == 1500.0 and {"name": "Go", "total_seconds": 300.0} in total["languages"]

    # A write committed while a refresh computes: the refresh stores what it read, and the user stays due.
    with get_pool().connection() as conn:
        read_at = LeaderboardRepository(conn).version(ids[0])
    _code("bob", 3, "Go", start=_yesterday_noon() + 6000)
    sqs.drain()  # the writer's own refresh skips bob: refreshed less than a minute ago
    start, end, totals = leaderboards.user_totals(board["bob"])
    with get_pool().connection() as conn:
        LeaderboardRepository(conn).store(ids[0], start, end, [(n, s - 180, d) for n, s, d in totals], read_at)
        assert LeaderboardRepository(conn).due(0, 10) == [BoardUser(ids[0], "UTC")]
    assert leaderboards.refresh_due(debounce_seconds=0) == 1
    assert leaderboards.ranking(ids)["data"][0]["running_total"]["total_seconds"] == 1680.0

    # The window slides: eight days later nothing of today is in anyone's last 7 days.
    later = datetime.now(UTC) + timedelta(days=8)
    event = {**scheduled_event("LeaderboardRefresh", later), "detail": LEADERBOARD_JOB}  # as the schedule sends it
    assert invoke(maintenance.handler, event, "codetime-maintenance")["leaderboard_users_refreshed"] >= 4
    assert leaderboards.ranking([board[n].id for n in board], now=later)["total"] == 0
    with get_pool().connection() as conn:
        assert conn.execute("SELECT count(*) FROM leaderboard_users").fetchone()[0] == 0
