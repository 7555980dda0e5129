"""Settings, background recompute jobs and project/language rules, through the real handlers, moto SQS and the
writer; every number is checked against WakaTime's arithmetic run on the stored raw heartbeats."""

from __future__ import annotations

import json
import time
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from codetime.config import get_settings
from codetime.db import get_pool
from codetime.domain.durations import compute_durations
from codetime.domain.rules import RuleSet
from codetime.repositories.aggregates import local_bounds
from codetime.repositories.heartbeats import HeartbeatRepository
from codetime.repositories.rules import RuleRepository
from codetime.services import jobs
from codetime.services.keys import create_key, create_user
from functions import ingestion, keys, summary
from harness import FIXTURES, basic, call_api, start_of_today

pytestmark = pytest.mark.e2e
KEY = "waka_5e1f5a8e-3c2b-4d6e-8a7b-1c2d3e4f5a6b"
OTHER = "waka_6e1f5a8e-3c2b-4d6e-8a7b-1c2d3e4f5a6b"
SETTINGS = "/api/v1/users/current/settings"
RULES = "/api/v1/users/current/rules"


@pytest.fixture
def user(sqs, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    monkeypatch.setenv("CODETIME_MAX_HEARTBEAT_AGE_DAYS", "36500")  # the golden day is in 2026
    get_settings.cache_clear()
    user, _ = create_user(email="dev@example.com", username="dev", timezone="Europe/Moscow", api_key=KEY)
    create_user(email="other@example.com", username="other", timezone="UTC", api_key=OTHER)
    return user


def _api(method: str, path: str, key: str = KEY, **kwargs):  # type: ignore[no-untyped-def]
    """Settings and rules are served by the keys Lambda, reads by the summary Lambda (as deployed)."""
    account = path == "/api/v1/users/current" or path.startswith((SETTINGS, RULES))
    return call_api(keys.handler if account else summary.handler, method, path, headers=basic(key), **kwargs)


def _post(items: list[dict], key: str = KEY) -> None:
    for start in range(0, len(items), 100):
        response = call_api(ingestion.handler, "POST", "/api/v1/users/current/heartbeats.bulk", headers=basic(key),
                            body=items[start : start + 100])  # fmt: skip
        assert response.status == 202, response


def _reference(user_id, day: date, tz: str, timeout: int, dim: str | None = None) -> dict:  # type: ignore[no-untyped-def]
    """WakaTime's arithmetic (domain/durations.py) on the stored raw heartbeats of one local day, rules applied."""
    lo, hi = local_bounds(day, day, tz)
    with get_pool().connection() as conn:
        beats = HeartbeatRepository(conn).for_range(user_id, lo, hi)
        rules = RuleSet.of(RuleRepository(conn).list(user_id))
    beats = [rules.apply(hb) for hb in beats]
    totals: dict = {}
    for d in compute_durations(
        beats, timeout, key=lambda hb: hb[dim] or "" if dim else None, time_of=lambda hb: hb["time"]
    ):
        totals[d.value] = totals.get(d.value, 0.0) + d.duration
    return {k: round(v, 3) for k, v in totals.items() if v}


def _day_totals(day: date, key: str = KEY, dim: str = "projects", **query: str) -> dict:
    got = _api("GET", "/api/v1/users/current/summaries", key, query={"start": str(day), "end": str(day), **query})
    assert got.status == 200, got
    return {x["name"]: round(x["total_seconds"], 3) for x in got.json["data"][0][dim]}


def _up_to_date() -> bool:
    return _api("GET", SETTINGS).json["data"]["is_up_to_date"]


# ------------------------------------------------------------------------------------------- settings


def test_settings_read_change_and_validate(user, sqs) -> None:  # type: ignore[no-untyped-def]
    got = _api("GET", SETTINGS)
    assert got.status == 200 and got.json["data"] == {
        "display_name": None, "timezone": "Europe/Moscow", "timeout": 15, "week_start": 1, "public_profile": False,
        "share_data_max_days": 0, "share_projects": False, "share_languages": False, "share_editors": False,
        "share_operating_systems": False, "share_machines": False, "share_categories": False,
        "public_leaderboard": False, "country_code": None, "is_up_to_date": True,
    }  # fmt: skip
    for body, field in (
        ({"timezone": "Mars/Olympus_Mons"}, None),
        ({"timezone": None}, None),
        ({"timeout": 0}, "timeout"),
        ({"timeout": 61}, "timeout"),
        ({"timeout": "ten"}, "timeout"),
        ({"week_start": 7}, "week_start"),
        ({"public_profile": "maybe"}, "public_profile"),
        ({"display_name": "x" * 101}, "display_name"),
        ({"shoe_size": 44}, "shoe_size"),
    ):
        response = _api("PATCH", SETTINGS, body=body)
        assert response.status == 400 and "error" in response.json, (body, response)
        if field:
            assert field in response.json["errors"], (body, response.json)
    assert _api("GET", SETTINGS).json["data"]["timezone"] == "Europe/Moscow"  # nothing changed

    def week_begins() -> int:
        days = _api("GET", "/api/v1/users/current/summaries", query={"range": "this_week"}).json["data"]
        return date.fromisoformat(days[0]["range"]["date"]).weekday()

    assert week_begins() == 0  # Monday by default
    changed = _api("PATCH", SETTINGS, body={"display_name": " Ada ", "weekday_start": 0, "public_profile": True})
    assert changed.status == 200, changed
    assert changed.json["data"] | {"is_up_to_date": True} == {
        "display_name": "Ada", "timezone": "Europe/Moscow", "timeout": 15, "week_start": 0, "public_profile": True,
        "share_data_max_days": 0, "share_projects": False, "share_languages": False, "share_editors": False,
        "share_operating_systems": False, "share_machines": False, "share_categories": False,
        "public_leaderboard": False, "country_code": None, "is_up_to_date": True,
    }  # fmt: skip
    assert sqs.depth() == 0  # nothing that changes computed time: no job
    assert week_begins() == 6  # weeks now begin on Sunday

    patched = _api("PATCH", "/api/v1/users/current", body={"display_name": "Ada L."})
    assert patched.status == 200, patched
    data = patched.json["data"]
    assert data["display_name"] == "Ada L." and data["full_name"] == "Ada L." and data["username"] == "dev"
    assert data["timeout"] == 15 and data["weekday_start"] == 0 and data["timezone"] == "Europe/Moscow"
    assert data["email"] == "dev@example.com" and data["is_up_to_date"] is True
    reference = json.loads((FIXTURES / "wakatime-live/current.json").read_text())["data"]
    assert set(data) - set(reference) <= {"week_start", "public_profile", "is_up_to_date"}
    assert "key_hash" not in patched.text and "other@example.com" not in patched.text

    read_only = create_key(user, "ro", read_only=True).plaintext
    assert _api("GET", SETTINGS, read_only).status == 200
    assert _api("PATCH", SETTINGS, read_only, body={"display_name": "x"}).status == 403
    assert _api("PATCH", "/api/v1/users/current", read_only, body={"display_name": "x"}).status == 403
    assert _api("GET", SETTINGS, OTHER).json["data"]["display_name"] is None  # the other user is untouched


def _golden() -> list[dict]:
    return json.loads((FIXTURES / "wakatime-live/heartbeats-day.json").read_text())["data"]


def test_timezone_and_timeout_changes_recompute_in_the_background(user, sqs) -> None:  # type: ignore[no-untyped-def]
    _post(_golden())
    sqs.drain()
    moscow = date(2026, 8, 18)
    assert sum(_day_totals(moscow).values()) == pytest.approx(21839.291, abs=1e-3)

    changed = _api("PATCH", SETTINGS, body={"timezone": "America/Los_Angeles"})
    assert changed.status == 200 and changed.json["data"]["is_up_to_date"] is False
    assert sqs.depth() == 1  # the job message, on the writer's queue
    la_days = (date(2026, 8, 17), date(2026, 8, 18))
    expected = {day: _reference(user.id, day, "America/Los_Angeles", 900, "project") for day in la_days}
    assert all(expected.values()) and sum(sum(v.values()) for v in expected.values()) > 20000
    # Before the job ran: answers are computed from raw heartbeats in the new timezone, and already exact.
    for day in la_days:
        assert _day_totals(day) == expected[day]
    sqs.drain()
    assert _up_to_date()
    with get_pool().connection() as conn:
        stored = conn.execute("SELECT day, timezone FROM daily_activity WHERE user_id = %s ORDER BY day",
                              (user.id,)).fetchall()  # fmt: skip
    assert stored == [(d, "America/Los_Angeles") for d in la_days]  # no leftover Moscow day
    for day in la_days:
        assert _day_totals(day) == expected[day]  # now from the recomputed aggregates
        languages = _reference(user.id, day, "America/Los_Angeles", 900, "language")
        assert _day_totals(day, dim="languages") == {k or "Other": v for k, v in languages.items()}
        durations = _api("GET", "/api/v1/users/current/durations", query={"date": str(day)}).json
        assert durations["timezone"] == "America/Los_Angeles"
        assert round(sum(d["duration"] for d in durations["data"]), 3) == pytest.approx(
            sum(expected[day].values()), abs=2e-3
        )
    dashboard = _api("GET", "/api/v1/summary", query={"from": "2026-08-17", "to": "2026-08-18"}).json
    assert dashboard["total_seconds"] == pytest.approx(sum(sum(v.values()) for v in expected.values()), abs=2e-3)

    assert _api("PATCH", SETTINGS, body={"timeout": 5}).json["data"]["is_up_to_date"] is False
    sqs.drain()
    assert _up_to_date()
    for day in la_days:
        assert _day_totals(day) == _reference(user.id, day, "America/Los_Angeles", 300, "project")
    assert _day_totals(date(2026, 8, 18)) != expected[date(2026, 8, 18)]  # a shorter timeout counts less


def test_an_interrupted_job_is_completed_later_and_recomputing_twice_changes_nothing(  # type: ignore[no-untyped-def]
    user, sqs, monkeypatch
) -> None:
    _post(_golden())
    sqs.drain()
    monkeypatch.setenv("CODETIME_JOB_SLICE_DAYS", "1")
    get_settings.cache_clear()
    _api("PATCH", SETTINGS, body={"timezone": "Asia/Tokyo"})
    sqs.receive()  # the message is lost for now (taken, never processed): as if the worker died
    with get_pool().connection() as conn:
        job_id = conn.execute("SELECT id FROM jobs WHERE status = 'pending'").fetchone()[0]
    assert jobs.run_slice(job_id) is False  # one day done, the job stopped mid-way
    with get_pool().connection() as conn:
        status, next_day = conn.execute("SELECT status, next_day FROM jobs WHERE id = %s", (job_id,)).fetchone()
    assert status == "running" and next_day is not None
    assert not _up_to_date()
    tokyo = [date(2026, 8, 18), date(2026, 8, 19)]
    expected = {day: _reference(user.id, day, "Asia/Tokyo", 900, "project") for day in tokyo}
    for day in tokyo:
        assert _day_totals(day) == expected[day]  # correct while half done
    assert jobs.run_pending(limit=10) == 1  # what the maintenance schedule calls
    assert _up_to_date()
    with get_pool().connection() as conn:
        before = conn.execute("SELECT day, seconds FROM daily_activity ORDER BY day").fetchall()
    # The message reappears (SQS visibility timeout): the finished job is not run again; a fresh run is idempotent.
    time.sleep(1.1)
    sqs.drain()
    jobs.run_pending()
    with get_pool().connection() as conn:
        job = conn.execute("SELECT id, status FROM jobs").fetchall()
        assert conn.execute("SELECT day, seconds FROM daily_activity ORDER BY day").fetchall() == before
    assert job == [(job_id, "done")]
    for day in tokyo:
        assert _day_totals(day) == expected[day]


def test_the_writer_continues_a_long_job_in_bounded_slices(user, sqs, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    # Each group of three within one Moscow day, at any hour.
    now = max(start_of_today("Europe/Moscow", margin=300), time.time())
    beats = [
        {"entity": "a.py", "type": "file", "time": now - days * 86400 + i * 60, "project": "p"}
        for days in (1, 40, 80)
        for i in range(3)
    ]
    _post(beats)
    sqs.drain()
    monkeypatch.setenv("CODETIME_JOB_SLICE_DAYS", "10")
    monkeypatch.setenv("CODETIME_JOB_BUDGET_SECONDS", "0")  # one slice per delivery, then a continuation message
    get_settings.cache_clear()
    _api("PATCH", SETTINGS, body={"timeout": 1})
    responses = sqs.drain()
    assert len(responses) >= 8 and all(r == {"batchItemFailures": []} for r in responses)
    assert _up_to_date()
    with get_pool().connection() as conn:
        rows = conn.execute("SELECT timeout_seconds, seconds FROM daily_activity").fetchall()
    assert rows == [(60, 120.0)] * 3


# ---------------------------------------------------------------------------------------------- rules


def _rule_beats(now: float) -> list[dict]:
    # One heartbeat a minute: old-api (Python), legacy (a .tpl file whose plugin says Text), api (Python), end.
    return [
        {"entity": "/src/a.py", "type": "file", "time": now - 240, "project": "old-api", "language": "Python"},
        {"entity": "/src/b.TPL", "type": "file", "time": now - 180, "project": "legacy", "language": "Text"},
        {"entity": "/src/c.py", "type": "file", "time": now - 120, "project": "api", "language": "Python"},
        {"entity": "/src/d.v1/README", "type": "file", "time": now - 60, "project": "docs", "language": None},
        {"entity": "/src/c.py", "type": "file", "time": now - 1, "project": "api", "language": "Python"},
    ]


def _reads() -> dict:
    """Project and language totals from every read."""
    today = datetime.now(ZoneInfo("Europe/Moscow")).date()
    status = _api("GET", "/api/v1/users/current/statusbar/today").json["data"]
    summaries = _api("GET", "/api/v1/users/current/summaries", query={"range": "today"}).json["data"][0]
    utc = _api("GET", "/api/v1/users/current/summaries",
               query={"start": str(today - timedelta(days=1)), "end": str(today + timedelta(days=1)),
                      "timezone": "UTC"}).json  # fmt: skip
    dashboard = _api("GET", "/api/v1/summary", query={"interval": "today"}).json
    stats = _api("GET", "/api/v1/users/current/stats/today").json["data"]
    by_project = _api("GET", "/api/v1/users/current/durations", query={"slice_by": "project"}).json["data"]
    by_language = _api("GET", "/api/v1/users/current/durations", query={"slice_by": "language"}).json["data"]

    def named(items: list[dict]) -> dict:
        return {x["name"]: round(x["total_seconds"]) for x in items}

    def summed(items: list[dict], field: str) -> dict:
        out: dict = {}
        for d in items:
            out[d[field]] = out.get(d[field], 0) + round(d["duration"])
        return out

    utc_projects: dict = {}
    for day in utc["data"]:
        for name, seconds in named(day["projects"]).items():
            utc_projects[name] = utc_projects.get(name, 0) + seconds
    return {
        "statusbar": (named(status["projects"]), named(status["languages"])),
        "summaries": (named(summaries["projects"]), named(summaries["languages"])),
        "other timezone": (utc_projects, None),
        "dashboard": (
            {x["key"]: round(x["total"]) for x in dashboard["projects"]},
            {x["key"]: round(x["total"]) for x in dashboard["languages"]},
        ),
        "durations": (summed(by_project, "project"), summed(by_language, "language")),
        "stats": (named(stats["projects"]), named(stats["languages"])),
    }


def test_rules_rename_and_merge_in_every_read_and_recompute(user, sqs) -> None:  # type: ignore[no-untyped-def]
    # Within one day in Moscow (the user's) and in UTC (the other timezone read), at any hour.
    _post(_rule_beats(max(start_of_today("UTC") + 241, start_of_today("Europe/Moscow") + 241, time.time())))
    sqs.drain()
    before = _reads()
    assert before["summaries"] == ({"old-api": 60, "legacy": 60, "api": 60, "docs": 59},
                                   {"Python": 120, "Text": 60, "Other": 59})  # fmt: skip

    for kind, pattern, replacement in (
        ("project", "old-api", "api"),  # rename
        ("project", "legacy", "api"),  # merge
        ("extension", ".tpl", "Jinja"),
        ("language", "Python", "Python 3"),
    ):
        created = _api("POST", RULES, body={"kind": kind, "pattern": pattern, "replacement": replacement})
        assert created.status == 201 and created.json["is_up_to_date"] is False, created
    assert {r["pattern"] for r in _api("GET", RULES).json["data"]} == {"old-api", "legacy", "tpl", "Python"}
    expected_projects = {"api": 180, "docs": 59}
    expected_languages = {"Python 3": 120, "Jinja": 60, "Other": 59}
    pending = _reads()  # the recompute has not run: reads come from raw heartbeats with the rules applied
    sqs.drain()
    assert _up_to_date()
    for reads in (pending, _reads()):
        for read, (projects, languages) in reads.items():
            assert projects == expected_projects, read
            if languages is not None:
                assert {k or "Other": v for k, v in languages.items()} == expected_languages, read
    filtered = _api("GET", "/api/v1/users/current/summaries", query={"range": "today", "project": "api"}).json
    assert round(filtered["data"][0]["grand_total"]["total_seconds"]) == 180
    assert {e["name"] for e in filtered["data"][0]["entities"]} == {"/src/a.py", "/src/b.TPL", "/src/c.py"}

    # Deleting and changing rules recomputes too.
    rules = {r["pattern"]: r["id"] for r in _api("GET", RULES).json["data"]}
    assert _api("DELETE", f"{RULES}/{rules['legacy']}").status == 204
    assert _api("PATCH", f"{RULES}/{rules['Python']}", body={"replacement": "CPython"}).status == 200
    sqs.drain()
    after = _reads()
    assert after["summaries"] == ({"api": 120, "legacy": 60, "docs": 59}, {"CPython": 120, "Jinja": 60, "Other": 59})
    assert after["durations"][0] == {"api": 120, "legacy": 60, "docs": 59}
    assert after["dashboard"][0] == {"api": 120, "legacy": 60, "docs": 59}


def test_rule_validation_scopes_and_ownership(user, sqs) -> None:  # type: ignore[no-untyped-def]
    for body in (
        {"kind": "colour", "pattern": "a", "replacement": "b"},
        {"kind": "project", "pattern": "", "replacement": "b"},
        {"kind": "project", "pattern": "a", "replacement": "   "},
        {"kind": "project", "pattern": "same", "replacement": "same"},
        {"kind": "extension", "pattern": "tar.gz", "replacement": "Archive"},
        {"kind": "extension", "pattern": "a/b", "replacement": "X"},
        {"kind": "project", "pattern": "a", "replacement": "b", "extra": 1},
    ):
        response = _api("POST", RULES, body=body)
        assert response.status == 400 and "error" in response.json, (body, response)
    first = _api("POST", RULES, body={"kind": "extension", "pattern": "H", "replacement": "C++"})
    assert first.status == 201 and first.json["data"]["pattern"] == "h"
    duplicate = _api("POST", RULES, body={"kind": "extension", "pattern": ".h", "replacement": "C"})
    assert duplicate.status == 400 and "already" in duplicate.json["error"]
    rule_id = first.json["data"]["id"]
    read_only = create_key(user, "ro", read_only=True).plaintext
    assert _api("GET", RULES, read_only).status == 200
    assert _api("POST", RULES, read_only, body={"kind": "project", "pattern": "a", "replacement": "b"}).status == 403
    # Another user can neither see, change nor delete it.
    assert _api("GET", RULES, OTHER).json["data"] == []
    assert _api("DELETE", f"{RULES}/{rule_id}", OTHER).status == 404
    assert _api("PATCH", f"{RULES}/{rule_id}", OTHER, body={"replacement": "x"}).status == 404
    assert _api("GET", RULES).json["data"][0]["replacement"] == "C++"
    assert _api("DELETE", f"{RULES}/00000000-0000-4000-8000-000000000000").status == 404


def test_the_local_runtime_runs_jobs_through_its_queue_worker(live_server) -> None:  # type: ignore[no-untyped-def]
    import httpx

    create_user(email="local@example.com", username="local", timezone="UTC", api_key=KEY)
    now = max(start_of_today() + 600, time.time())  # today's, at any hour
    beats = [{"entity": "a.py", "type": "file", "time": now - 600 + i * 120, "project": "p"} for i in range(4)]
    auth = {"Authorization": f"Bearer {KEY}"}  # plugins send keys as Bearer too
    posted = httpx.post(f"{live_server.base_url}/api/v1/users/current/heartbeats.bulk", json=beats, headers=auth)
    assert posted.status_code == 202
    live_server.wait_for_queue()
    changed = httpx.patch(f"{live_server.base_url}{SETTINGS}", json={"timeout": 1}, headers=auth)
    assert changed.status_code == 200 and changed.json()["data"]["timeout"] == 1
    live_server.wait_for_queue()
    user_id = _local_user_id()
    deadline = time.monotonic() + 10
    while jobs.has_open(user_id) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not jobs.has_open(user_id)
    today = httpx.get(f"{live_server.base_url}/api/v1/users/current/statusbar/today", headers=auth).json()
    assert today["data"]["grand_total"]["total_seconds"] == 0  # gaps of 2 min count nothing with a 1-min timeout


def _local_user_id():  # type: ignore[no-untyped-def]
    with get_pool().connection() as conn:
        return conn.execute("SELECT id FROM users WHERE username = 'local'").fetchone()[0]


def test_a_timezone_adopted_from_a_plugin_recomputes_days_already_written(sqs) -> None:  # type: ignore[no-untyped-def]
    create_user(email="tz@example.com", username="tz", api_key=KEY)  # no timezone yet: days are UTC
    now = time.time()
    first = [{"entity": "a.py", "type": "file", "time": now - 3600 + i * 60, "project": "p"} for i in range(3)]
    response = call_api(ingestion.handler, "POST", "/api/v1/users/current/heartbeats.bulk",
                        headers={**basic(KEY), "timezone": None}, body=first)  # fmt: skip
    assert response.status == 202
    sqs.drain()
    with get_pool().connection() as conn:
        assert {row[0] for row in conn.execute("SELECT timezone FROM daily_activity")} == {"UTC"}
    later = [{"entity": "a.py", "type": "file", "time": now - 60, "project": "p"}]
    response = call_api(ingestion.handler, "POST", "/api/v1/users/current/heartbeats.bulk",
                        headers={**basic(KEY), "timezone": "Pacific/Kiritimati"}, body=later)  # fmt: skip
    assert response.status == 202
    assert not _up_to_date()
    sqs.drain()
    assert _up_to_date()
    with get_pool().connection() as conn:
        zones = {row[0] for row in conn.execute("SELECT timezone FROM daily_activity")}
    assert zones == {"Pacific/Kiritimati"}
