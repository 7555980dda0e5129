"""What a person does on the dashboard's pages, then what the API holds: editing and deleting a goal, adding and
removing a project rule, changing report settings (webhooks survive a save made with a key, which sees them masked),
exporting and importing data (the exported file imports into another account unchanged), and the admin page
(health, dead letters replayed, recompute jobs filtered and paged). In Debian's chromium against `codetime dev`."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from browser.browser_helpers import axe_violations, sign_in_with_key, sign_in_with_token
from harness import start_of_today

pytestmark = pytest.mark.e2e
ME = "/api/v1/users/current"
UA = "wakatime/v1.98.0 (linux-6.1.0-amd64-x86_64) go1.22.0 vscode/1.90.0 vscode-wakatime/24.0.0"


def _new_user(dev_server: Any, email: str) -> tuple[str, str]:
    """A user of the test's own (so no other test's data shows): (API key, user id)."""
    out = dev_server.cli("users", "create", "--email", email)
    user_id = re.search(r"\(([0-9a-f-]{36})\) created", out).group(1)  # type: ignore[union-attr]
    return out.split("api key:")[1].strip(), user_id


def _beats(project: str, count: int, *, language: str = "Python") -> list[dict]:
    # Today's, at any hour (start_of_today waits out a day's last minutes), a minute apart: count - 1 minutes.
    first = max(start_of_today("UTC", margin=300) + 1, time.time() - 60 * count - 30)
    return [{"entity": f"/src/{project}/main.py", "type": "file", "time": first + i * 60, "project": project,
             "language": language, "branch": "main"} for i in range(count)]  # fmt: skip


def _call(dev_server: Any, method: str, path: str, key: str, **kwargs: Any) -> httpx.Response:
    return httpx.request(method, f"{dev_server.base}{path}", auth=(key, ""), timeout=15, **kwargs)


def _until(read: Any, wanted: Any, seconds: float = 20) -> Any:
    """`read()` once it returns `wanted` (background work: recomputes, the local queue), else its last answer."""
    deadline = time.monotonic() + seconds
    while (got := read()) != wanted and time.monotonic() < deadline:
        time.sleep(0.2)
    return got


@dataclass
class Person:
    key: str
    id: str
    username: str
    confirm: Callable[[], str]  # a one-time code for a take-over action made with the key


@pytest.fixture
def person(dev_server, request) -> Person:  # type: ignore[no-untyped-def]
    """A user of the test's own, named after it."""
    email = f"{request.node.name.split('[')[0][5:40].replace('_', '-')}@example.com"
    key, user_id = _new_user(dev_server, email)
    username = dev_server.get(ME, key)["data"]["username"]
    return Person(key, user_id, username,
                  lambda: dev_server.cli("users", "confirm", "--username", username).split()[0])  # fmt: skip


def test_edit_a_goal_then_delete_it(dev_server, person, page) -> None:  # type: ignore[no-untyped-def]
    made = _call(dev_server, "POST", f"{ME}/goals", person.key, json={
        "title": "Morning code", "delta": "day", "seconds": 5400, "projects": ["alpha", "beta"],
        "editors": ["VS Code"],  # not on the form: an edit must keep it
    })  # fmt: skip
    assert made.status_code == 201, made.text
    sign_in_with_key(page, person.key, base=dev_server.base)
    page.get_by_role("link", name="Goals").click()
    page.get_by_role("heading", name="Morning code").wait_for()
    page.get_by_role("button", name="Edit").click()
    form = page.locator("form", has=page.get_by_role("heading", name="Edit goal “Morning code”"))
    # The form opens with the goal as stored.
    assert form.get_by_label("Title (optional)").input_value() == "Morning code"
    assert form.get_by_label("Target in hours").input_value() == "1.5"
    assert form.get_by_label("Projects (comma-separated, optional)").input_value() == "alpha, beta"
    assert form.get_by_label("Period").input_value() == "day"
    assert form.get_by_label("Enabled", exact=True).is_checked()
    form.get_by_label("Title (optional)").fill("Weekly Rust")
    form.get_by_label("Period").select_option("week")
    form.get_by_label("Target in hours").fill("10")
    form.get_by_label("Projects (comma-separated, optional)").fill("")
    form.get_by_label("Languages (comma-separated, optional)").fill("Rust, Go")
    form.get_by_label("Saturday").check()
    form.get_by_label("Sunday").check()
    form.get_by_label("Stay under the target instead of reaching it").check()
    form.get_by_label("Enabled", exact=True).uncheck()
    form.get_by_role("button", name="Save goal").click()
    page.get_by_text("Goal saved.").wait_for()
    page.get_by_role("heading", name="Weekly Rust").wait_for()
    page.get_by_text("(paused)").wait_for()
    [goal] = dev_server.get(f"{ME}/goals", person.key)["data"]
    assert goal["id"] == made.json()["data"]["id"]
    assert {k: goal[k] for k in ("custom_title", "delta", "seconds", "projects", "languages", "ignore_days",
                                 "is_inverse", "is_enabled", "editors")} == {  # fmt: skip
        "custom_title": "Weekly Rust", "delta": "week", "seconds": 36000, "projects": [], "languages": ["Go", "Rust"],
        "ignore_days": ["saturday", "sunday"], "is_inverse": True, "is_enabled": False, "editors": ["VS Code"],
    }  # fmt: skip
    assert axe_violations(page) == []
    # Cancelling a delete keeps the goal; confirming deletes it.
    page.get_by_role("button", name="Delete").click()
    page.get_by_role("button", name="Cancel").click()
    assert len(dev_server.get(f"{ME}/goals", person.key)["data"]) == 1
    page.get_by_role("button", name="Delete").click()
    page.get_by_role("button", name="Yes, delete “Weekly Rust”").click()
    page.get_by_text("Goal “Weekly Rust” deleted.").wait_for()
    page.get_by_text("No goals yet.").wait_for()
    assert dev_server.get(f"{ME}/goals", person.key)["data"] == []


def _projects_today(dev_server: Any, key: str) -> list[str]:
    summaries = dev_server.get(f"{ME}/summaries", key, range="today")
    return sorted(p["name"] for day in summaries["data"] for p in day["projects"])


def test_add_and_remove_a_project_rule(dev_server, person, page) -> None:  # type: ignore[no-untyped-def]
    dev_server.post_beats(_beats("legacy-name", 4), person.key)
    dev_server.wait_today(180, person.key)
    sign_in_with_key(page, person.key, base=dev_server.base)
    page.get_by_role("link", name="Settings").click()
    rules = page.locator("#project-and-language-rules")
    rules.get_by_text("No rules.").wait_for()
    rules.get_by_label("Kind").select_option("project")
    rules.get_by_label("Pattern").fill("legacy-name")
    rules.get_by_label("Replacement").fill("new-name")
    rules.get_by_role("button", name="Add rule").click()
    rules.get_by_text("Rule added; totals are recomputed in the background.").wait_for()
    rules.get_by_role("rowheader", name="project").wait_for()
    assert rules.get_by_label("Pattern").input_value() == ""  # ready for the next rule
    stored = dev_server.get(f"{ME}/rules", person.key)["data"]
    assert [(r["kind"], r["pattern"], r["replacement"]) for r in stored] == [("project", "legacy-name", "new-name")]
    # The rule applies to time already recorded (a background recompute).
    assert _until(lambda: _projects_today(dev_server, person.key), ["new-name"]) == ["new-name"]

    rules.get_by_role("button", name="Delete rule legacy-name").click()
    rules.get_by_text("Rule legacy-name → new-name deleted; totals are recomputed in the background.").wait_for()
    rules.get_by_text("No rules.").wait_for()
    assert dev_server.get(f"{ME}/rules", person.key)["data"] == []
    assert _until(lambda: _projects_today(dev_server, person.key), ["legacy-name"]) == ["legacy-name"]
    # A refused rule is explained, and nothing is stored.
    rules.get_by_label("Kind").select_option("extension")
    rules.get_by_label("Pattern").fill("src/x")
    rules.get_by_label("Replacement").fill("Rust")
    rules.get_by_role("button", name="Add rule").click()
    rules.get_by_text("An extension is what follows the last dot of a file name").wait_for()
    assert dev_server.get(f"{ME}/rules", person.key)["data"] == []


HOOK = "https://93.184.215.14/services/T000/B000/secret-token"  # a public address: checked without DNS


def _stored_report_settings(dev_server: Any, user_id: str) -> tuple:
    rows = dev_server.sql(
        "SELECT daily, weekly, hour, weekday, email, webhooks FROM report_settings WHERE user_id = %s", (user_id,)
    )
    return rows[0] if rows else ()


def test_change_report_settings_and_keep_the_webhook_a_key_sees_masked(dev_server, person, page) -> None:  # type: ignore[no-untyped-def]
    sign_in_with_key(page, person.key, base=dev_server.base)
    page.get_by_role("link", name="Settings").click()
    reports = page.locator("#reports")
    reports.get_by_label("Daily report (yesterday)").check()
    reports.get_by_label("Weekly report (the past 7 days)").check()
    reports.get_by_label("Send at (UTC)").select_option("7")
    reports.get_by_label("Weekly report on").select_option("4")  # Friday
    reports.get_by_role("button", name="Add webhook").click()
    reports.get_by_label("Webhook URL").fill(HOOK)
    reports.get_by_label("Format").select_option("slack")
    # Webhooks outlive keys: saving with a key needs the one-time code.
    reports.get_by_role("button", name="Save report settings").click()
    reports.get_by_text("This action needs a signed-in person").wait_for()
    assert _stored_report_settings(dev_server, person.id) == ()
    reports.get_by_label("Confirmation code").fill(person.confirm())
    reports.get_by_role("button", name="Save report settings").click()
    reports.get_by_text("Report settings saved.").wait_for()
    assert _stored_report_settings(dev_server, person.id) == (
        True, True, 7, 4, True, [{"url": HOOK, "format": "slack"}]  # e-mail: on by default
    )  # fmt: skip
    masked = dev_server.get(f"{ME}/reports/settings", person.key)["data"]
    assert (masked["hour"], masked["weekday"], masked["webhooks"]) == (
        7, 4, [{"url": "https://93.184.215.14/********", "format": "slack"}]
    )  # fmt: skip

    # Later, with the key again: the page shows the webhook masked; changing the hour keeps the real URL.
    page.reload()
    reports = page.locator("#reports")
    assert reports.get_by_label("Webhook URL").input_value() == "https://93.184.215.14/********"
    assert reports.get_by_label("Send at (UTC)").input_value() == "7"
    reports.get_by_label("Send at (UTC)").select_option("9")
    reports.get_by_label("Send reports by e-mail").uncheck()
    reports.get_by_label("Confirmation code").fill(person.confirm())
    reports.get_by_role("button", name="Save report settings").click()
    reports.get_by_text("Report settings saved.").wait_for()
    assert _stored_report_settings(dev_server, person.id) == (
        True, True, 9, 4, False, [{"url": HOOK, "format": "slack"}]
    )  # fmt: skip

    # Removing the webhook removes it; unticking a report stops it.
    reports.get_by_role("button", name="Remove webhook").click()
    reports.get_by_label("Weekly report (the past 7 days)").uncheck()
    reports.get_by_label("Confirmation code").fill(person.confirm())
    reports.get_by_role("button", name="Save report settings").click()
    reports.get_by_text("Report settings saved.").wait_for()
    assert _stored_report_settings(dev_server, person.id) == (True, False, 9, 4, False, [])
    # A webhook to a private address is refused in words and nothing changes.
    reports.get_by_role("button", name="Add webhook").click()
    reports.get_by_label("Webhook URL").fill("https://127.0.0.1/hook")
    reports.get_by_label("Confirmation code").fill(person.confirm())
    reports.get_by_role("button", name="Save report settings").click()
    reports.get_by_text("Webhook URLs must point to a public address.").wait_for()
    assert _stored_report_settings(dev_server, person.id) == (True, False, 9, 4, False, [])


def _heartbeats(dump: dict) -> list[tuple]:
    """What an export holds of each heartbeat (its own ids and the user aside), in order."""
    keep = ("time", "entity", "type", "project", "language", "branch", "is_write")
    beats = [hb for day in dump["days"] for hb in day["heartbeats"]]
    return sorted(tuple(hb.get(k) for k in keep) for hb in beats)


def test_export_then_import_into_another_account_round_trips(dev_server, page, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    source, _ = _new_user(dev_server, "exporter@example.com")
    target, _ = _new_user(dev_server, "importer@example.com")
    dev_server.post_beats(_beats("round-trip", 5, language="Go"), source)
    seconds = dev_server.wait_today(240, source)["grand_total"]["total_seconds"]
    sign_in_with_key(page, source, base=dev_server.base)
    page.get_by_role("link", name="Settings").click()
    section = page.locator("#import-and-export")
    with page.expect_download() as downloading:
        section.get_by_role("button", name="Export all heartbeats").click()
    download = downloading.value
    section.get_by_text(re.compile(r"Exported \d+ KB as ")).wait_for()
    saved = tmp_path / download.suggested_filename
    download.save_as(saved)
    exported = json.loads(saved.read_text())
    direct = _call(dev_server, "GET", f"{ME}/export", source)
    assert direct.status_code == 200 and _heartbeats(exported) == _heartbeats(direct.json())
    assert len(_heartbeats(exported)) == 5

    # Another account imports the file through the page: the same heartbeats, the same time.
    page.get_by_role("button", name="Sign out").click()
    sign_in_with_key(page, target)
    page.get_by_role("link", name="Settings").click()
    section = page.locator("#import-and-export")
    section.get_by_role("button", name="Import").click()
    section.get_by_text("Choose a file to import first.").wait_for()
    section.get_by_label("WakaTime data dump (JSON)").set_input_files(saved)
    section.get_by_role("button", name="Import").click()
    section.get_by_text("Imported 5 heartbeats (0 duplicates, 0 invalid).").wait_for()
    assert section.get_by_label("Upload progress").evaluate("p => p.value") == 100
    assert dev_server.wait_today(seconds, target)["grand_total"]["total_seconds"] == seconds
    again = _call(dev_server, "GET", f"{ME}/export", target)
    assert _heartbeats(again.json()) == _heartbeats(exported)
    # The same file again: every heartbeat is a duplicate, nothing doubles.
    section.get_by_role("button", name="Import").click()
    section.get_by_text("Imported 0 heartbeats (5 duplicates, 0 invalid).").wait_for()
    assert dev_server.today(target)["grand_total"]["total_seconds"] == seconds
    # A file that is not a dump is refused in words.
    junk = tmp_path / "junk.json"
    junk.write_text("day,project,seconds\n")
    section.get_by_label("WakaTime data dump (JSON)").set_input_files(junk)
    section.get_by_role("button", name="Import").click()
    section.get_by_text("Expected a JSON array of heartbeats or a WakaTime data dump").wait_for()
    assert dev_server.today(target)["grand_total"]["total_seconds"] == seconds


def _dead_letter(dev_server: Any, user_id: str, project: str) -> None:
    """A heartbeat message the local queue gave up on (as after five failed deliveries)."""
    from codetime.domain.heartbeats import RequestContext, normalize_heartbeat
    from codetime.queue_messages import encode_messages

    context = RequestContext(user_id=user_id, user_agent=UA)
    beats = [normalize_heartbeat(beat, context, now=time.time(), max_age_seconds=None) for beat in _beats(project, 4)]
    [body] = encode_messages(beats)
    dev_server.sql("INSERT INTO local_queue (body, receive_count, dead) VALUES (%s, 5, true)", (body,))


def test_admin_replays_dead_letters_and_lists_jobs(dev_server, page) -> None:  # type: ignore[no-untyped-def]
    key, user_id = _new_user(dev_server, "replayed@example.com")
    _dead_letter(dev_server, user_id, "lost-and-found")
    token = dev_server.cli("token", "--email", "admin@example.com").strip()
    bearer = {"Authorization": f"Bearer {token}"}

    def listed(**query: str) -> dict:
        return httpx.get(f"{dev_server.base}/api/v1/ops/jobs", params=query, headers=bearer, timeout=15).json()

    # More recompute jobs than a page holds: each changed keystroke timeout recomputes the user's days.
    for timeout in range(2, 40):
        if listed()["total"] > 20:
            break
        assert _call(dev_server, "PATCH", f"{ME}/settings", key, json={"timeout": timeout}).status_code == 200
    sign_in_with_token(page, dev_server.base, token)
    page.get_by_role("link", name="Admin").click()
    page.get_by_role("heading", name="Administration").wait_for()
    health = httpx.get(f"{dev_server.base}/api/v1/ops/health", headers=bearer, timeout=15).json()
    words = "All dependencies are healthy." if health["status"] == "ok" else "Degraded: a dependency is failing"
    page.locator("#health-status", has_text=words).wait_for()
    for name in health["checks"]:
        page.get_by_role("rowheader", name=name, exact=True).wait_for()

    letters = page.locator("section", has=page.get_by_role("heading", name="Dead letters"))
    letters.get_by_text("1 dead-lettered message(s)").wait_for()
    assert letters.locator("tbody tr").count() == 1
    assert letters.locator("tbody td").nth(2).inner_text() == "4"  # heartbeats in the message
    assert axe_violations(page) == []
    letters.get_by_role("button", name="Replay all to the main queue").click()
    letters.get_by_text("Replayed 1 message(s); 0 failed.").wait_for()
    letters.get_by_text("The dead-letter queue is empty.").wait_for()
    assert letters.get_by_role("button", name="Replay all to the main queue").is_disabled()
    assert httpx.get(f"{dev_server.base}/api/v1/ops/dlq", headers=bearer, timeout=15).json()["count"] == 0
    # The replayed message is written: the user's time shows.
    assert dev_server.wait_today(180, key)["grand_total"]["total_seconds"] == 180
    assert _projects_today(dev_server, key) == ["lost-and-found"]

    # Jobs: the newest page, then older ones, as the API pages them; a status filter.
    jobs = page.locator("section", has=page.get_by_role("heading", name="Jobs"))
    first, second = listed(page="1"), listed(page="2")
    assert first["total"] > 20 and any(job["user_id"] == user_id for job in first["data"])
    jobs.get_by_text(f"Recompute jobs, page 1 of {first['total_pages']} ({first['total']} in all)").wait_for()
    assert jobs.locator("tbody th").all_inner_texts() == [job["id"] for job in first["data"]]
    assert jobs.get_by_role("button", name="Newer jobs").is_disabled()
    jobs.get_by_role("button", name="Older jobs").click()
    jobs.get_by_text(f"Recompute jobs, page 2 of {second['total_pages']}").wait_for()
    # The list is redrawn: the focus stays on the paging buttons (the filter when the one pressed is now off).
    expected_focus = "Older jobs" if second["next_page"] else "job_status"
    assert page.evaluate("document.activeElement.dataset.page || document.activeElement.name") == expected_focus
    assert jobs.locator("tbody th").all_inner_texts() == [job["id"] for job in second["data"]]
    jobs.get_by_role("button", name="Newer jobs").click()
    jobs.get_by_text("Recompute jobs, page 1 of").wait_for()
    assert listed(status="failed")["total"] == 0
    jobs.get_by_label("Show").select_option("failed")
    jobs.get_by_text("No jobs with this status.").wait_for()
    superseded = listed(status="superseded")
    jobs.get_by_label("Show").select_option("superseded")
    if superseded["total"]:
        jobs.get_by_text(f"({superseded['total']} in all)").wait_for()
        assert set(jobs.locator("tbody td", has_text="superseded").all_inner_texts()) == {"superseded"}
    else:
        jobs.get_by_text("No jobs with this status.").wait_for()
    assert axe_violations(page) == []
