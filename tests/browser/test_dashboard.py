"""The dashboard as a person uses it, in Debian's chromium: sign-in, today's total in the status bar's words, ranges,
goals, keys, the live indicator, keyboard-only use, errors in words, and an axe-core scan of every page."""

from __future__ import annotations

import json
import time

import httpx
import pytest

from browser.browser_helpers import axe_violations, sign_in_with_key, sign_in_with_token
from harness import start_of_today

pytestmark = pytest.mark.e2e
PROJECT = "browser-demo"


def _beats(project: str, count: int, *, language: str = "Python") -> list[dict]:
    # Today's, at any hour: after midnight (start_of_today waits out the last minutes of a day), spaced a minute.
    first = max(start_of_today("UTC", margin=300) + 1, time.time() - 60 * count - 30)
    return [{"entity": f"/src/{project}/main.py", "type": "file", "time": first + i * 60, "project": project,
             "language": language, "branch": "main"} for i in range(count)]  # fmt: skip


@pytest.fixture(scope="module")
def seeded(dev_server):  # type: ignore[no-untyped-def]
    dev_server.post_beats(_beats(PROJECT, 6))
    dev_server.wait_today(300)
    return dev_server


def test_sign_in_with_a_key_shows_today_and_the_project(seeded, page) -> None:  # type: ignore[no-untyped-def]
    page.goto(seeded.base + "/")
    page.wait_for_url("**/signin")
    assert "read-only key is the safe choice" in page.get_by_text("read-only key").inner_text()
    sign_in_with_key(page, seeded.key)
    today = seeded.today()["grand_total"]["text"]
    page.get_by_text(f"Today: {today}").wait_for()
    page.get_by_role("link", name=PROJECT).first.wait_for()
    # The key is kept for this tab only, and sign-out forgets it.
    assert seeded.key in page.evaluate("JSON.stringify(sessionStorage)")
    assert page.evaluate("localStorage.length") == 0
    page.get_by_role("button", name="Sign out").click()
    page.get_by_label("API key").wait_for()
    assert seeded.key not in page.evaluate("JSON.stringify(sessionStorage)")


def test_sign_in_with_the_dev_issuer(seeded, page) -> None:  # type: ignore[no-untyped-def]
    """Authorization code + PKCE against `codetime dev`'s dev issuer, as a person, back to the page asked for."""
    page.goto(seeded.base + "/goals")
    page.wait_for_url("**/signin?next=%2Fgoals")
    page.get_by_role("button", name="Sign in with your account").click()
    page.get_by_label("E-mail").fill("grace@example.com")
    page.get_by_role("button", name="Sign in", exact=True).click()
    page.wait_for_url(seeded.base + "/goals")
    page.get_by_role("heading", name="Goals").wait_for()
    page.get_by_text("grace", exact=True).wait_for()  # the person's new account, named from the e-mail
    stored = json.loads(page.evaluate("sessionStorage.getItem('codetime.credential')"))
    assert stored["kind"] == "token"
    response = httpx.get(f"{seeded.base}/api/v1/users/current", headers={"Authorization": f"Bearer {stored['value']}"},
                         timeout=10)  # fmt: skip
    assert response.json()["data"]["email"] == "grace@example.com"
    # A person needs no confirmation code for take-over actions: the settings page asks for none.
    page.get_by_role("link", name="Settings").click()
    page.get_by_role("heading", name="API keys").wait_for()
    assert page.get_by_label("Confirmation code").count() == 0
    page.get_by_role("button", name="Sign out").click()
    page.get_by_label("API key").wait_for()
    assert page.evaluate("sessionStorage.length") == 0


def test_a_wrong_key_is_refused_in_words(dev_server, page) -> None:  # type: ignore[no-untyped-def]
    page.goto(dev_server.base + "/")
    page.get_by_label("API key").fill("waka_00000000-0000-4000-8000-000000000000")
    page.get_by_role("button", name="Sign in with the key").click()
    page.get_by_text("This API key was not accepted").wait_for()
    assert page.evaluate("sessionStorage.length") == 0


def test_changing_the_range_shows_the_apis_numbers(seeded, page) -> None:  # type: ignore[no-untyped-def]
    sign_in_with_key(page, seeded.key, base=seeded.base)
    page.get_by_label("Range", exact=True).select_option("last_30_days")
    page.wait_for_url("**/?range=last_30_days")
    expected = seeded.get("/api/v1/users/current/summaries", range="last_30_days")
    page.locator("#range-total", has_text=expected["cumulative_total"]["text"]).wait_for()
    assert page.locator("#daily-average").inner_text() == expected["daily_average"]["text"]
    assert (
        page.locator("table caption", has_text="Coding time per day").locator("xpath=..").locator("tbody tr").count()
        == 30
    )
    # A custom range: from the dates' fields.
    page.get_by_label("Range", exact=True).select_option("custom")
    last = expected["data"][-1]["range"]["date"]
    page.get_by_label("From", exact=True).fill(last)
    page.get_by_label("To", exact=True).fill(last)
    page.get_by_role("button", name="Show").click()
    page.wait_for_url(f"**/?start={last}&end={last}")
    page.locator("#range-total", has_text=seeded.today()["grand_total"]["text"]).wait_for()
    # Back returns to the previous range.
    page.go_back()
    page.wait_for_url("**/?range=last_30_days")


def test_create_and_delete_a_goal(seeded, page) -> None:  # type: ignore[no-untyped-def]
    sign_in_with_key(page, seeded.key, base=seeded.base)
    page.get_by_role("link", name="Goals").click()
    page.get_by_role("button", name="New goal").click()
    page.get_by_label("Title (optional)").fill("Browser goal")
    page.get_by_label("Target in hours").fill("1.5")
    page.get_by_label("Projects (comma-separated, optional)").fill(PROJECT)
    page.get_by_role("button", name="Create goal").click()
    page.get_by_text("Goal created.").wait_for()
    page.get_by_role("heading", name="Browser goal").wait_for()
    goals = seeded.get("/api/v1/users/current/goals")["data"]
    assert [(g["custom_title"], g["seconds"], g["projects"]) for g in goals] == [("Browser goal", 5400, [PROJECT])]
    page.get_by_role("button", name="Delete").click()
    page.get_by_role("button", name="Yes, delete “Browser goal”").click()
    page.get_by_text("Goal “Browser goal” deleted.").wait_for()
    assert seeded.get("/api/v1/users/current/goals")["data"] == []


def test_create_rotate_and_revoke_a_key_with_confirmation_codes(seeded, page) -> None:  # type: ignore[no-untyped-def]
    sign_in_with_key(page, seeded.key, base=seeded.base)
    page.get_by_role("link", name="Settings").click()
    keys = page.locator("#api-keys")
    keys.get_by_label("Label").fill("browser test")
    # Signed in with a key, minting one needs the one-time code from the server's CLI: without it, words.
    keys.get_by_role("button", name="Create key").click()
    keys.get_by_text("This action needs a signed-in person").wait_for()
    keys.get_by_label("Confirmation code").fill(seeded.cli("users", "confirm", "--username", "dev").split()[0])
    keys.get_by_role("button", name="Create key").click()
    keys.get_by_text("Your new key was created. Copy it now: it is shown only once.").wait_for()
    new_key = keys.get_by_label("New API key").input_value()
    assert new_key.startswith("waka_")
    assert seeded.today(new_key)  # the key shown once works (read-only by default: it can read)
    hint = f"{new_key[:9]}…{new_key[-4:]}"
    # Rotating needs a code of its own (each works once).
    keys.get_by_label("Confirmation code").fill(seeded.cli("users", "confirm", "--username", "dev").split()[0])
    keys.get_by_role("button", name=f"Rotate {hint}").click()
    keys.get_by_text(f"Key {hint} was replaced by a new key").wait_for()
    rotated = keys.get_by_label("New API key").input_value()
    assert rotated.startswith("waka_") and rotated != new_key
    old = httpx.get(f"{seeded.base}/api/v1/users/current/statusbar/today", auth=(new_key, ""), timeout=10)
    assert old.status_code == 401
    assert seeded.today(rotated)
    rotated_hint = f"{rotated[:9]}…{rotated[-4:]}"
    keys.get_by_role("button", name=f"Revoke {rotated_hint}").click()
    keys.get_by_text(f"Key {rotated_hint} revoked.").wait_for()
    response = httpx.get(f"{seeded.base}/api/v1/users/current/statusbar/today", auth=(rotated, ""), timeout=10)
    assert response.status_code == 401


def test_todays_total_updates_without_reloading(dev_server, page) -> None:  # type: ignore[no-untyped-def]
    # A user of their own, so today's total starts at nothing and every heartbeat shows.
    key = dev_server.cli("users", "create", "--email", "live@example.com").split("api key:")[1].strip()
    sign_in_with_key(page, key, base=dev_server.base)
    page.get_by_text("Today: 0 secs").wait_for()
    page.locator("#live-indicator[data-mode='live']").wait_for(timeout=10_000)
    assert page.locator("#live-indicator").inner_text() == "● Live"
    page.evaluate("window.__sameDocument = true")
    dev_server.post_beats(_beats("browser-live", 4, language="Rust"), key)
    after = dev_server.wait_today(180, key)["grand_total"]["text"]
    assert after == "3 mins"
    page.get_by_text(f"Today: {after}").wait_for(timeout=10_000)
    assert page.evaluate("window.__sameDocument") is True  # no reload happened


def test_without_the_socket_today_is_polled_every_minute(dev_server, browser) -> None:  # type: ignore[no-untyped-def]
    key = dev_server.cli("users", "create", "--email", "poll@example.com").split("api key:")[1].strip()
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    try:
        page.clock.install(time=time.time())  # the page's timers under the test's control (and at the suite's now)
        # A live endpoint that never answers: the page must say so and poll instead.
        page.route(
            "**/config.json",
            lambda route: route.fulfill(
                json={"oidc": None, "live_url": "ws://127.0.0.1:9/api/v1/live", "api_base": "/api/v1"}
            ),
        )
        sign_in_with_key(page, key, base=dev_server.base)
        page.get_by_text("Today: 0 secs").wait_for()
        page.clock.run_for(11_000)  # the socket never opens (the CSP refuses that URL): given up after 10 s
        page.locator("#live-indicator[data-mode='polling']").wait_for()
        assert page.locator("#live-indicator").inner_text() == "○ Updates every minute"
        dev_server.post_beats(_beats("browser-poll", 3), key)
        assert dev_server.wait_today(120, key)["grand_total"]["text"] == "2 mins"
        page.clock.run_for(61_000)
        page.get_by_text("Today: 2 mins").wait_for(timeout=10_000)
    finally:
        context.close()


def test_the_overview_works_with_the_keyboard_alone(seeded, page) -> None:  # type: ignore[no-untyped-def]
    sign_in_with_key(page, seeded.key, base=seeded.base)
    page.reload()  # from the top of a freshly loaded page
    page.get_by_role("link", name=PROJECT).first.wait_for()
    focused = []
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Skip to content"
    for _ in range(40):  # every control is reachable, in order, and shows where the focus is
        page.keyboard.press("Tab")
        info = page.evaluate("""() => { const e = document.activeElement;
            return {tag: e.tagName, name: e.getAttribute('name') || e.textContent.trim().slice(0, 40),
                    visible: e.matches(':focus-visible')}; }""")
        focused.append(info)
        assert info["visible"], info
        if info["tag"] == "SELECT" and info["name"] == "range":
            break
    assert [f["name"] for f in focused][:2] == ["CodeTime", "Overview"]
    page.keyboard.press("ArrowDown")  # Today -> Yesterday ... from Last 7 days: Last 30 days
    page.wait_for_url("**/?range=last_30_days")
    # On to the first project link, and Enter opens its page.
    for _ in range(60):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.textContent") == PROJECT:
            break
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/projects/{PROJECT}")
    page.get_by_role("heading", name=f"Project {PROJECT}").wait_for()
    page.wait_for_function("() => document.activeElement.id === 'main'")  # focus moves to the new page's content


@pytest.mark.parametrize(
    ("status", "body", "words"),
    [
        (
            429,
            {"error": "Too many requests.", "retry_after": 17},
            "Rate limited: too many requests. Try again in 17 seconds.",
        ),
        (503, {"error": "The database is unavailable; retry later."}, "The server is unavailable right now"),
        (None, None, "The server is unavailable: it could not be reached."),
    ],
)
def test_errors_are_shown_in_words(seeded, page, status, body, words) -> None:  # type: ignore[no-untyped-def]
    sign_in_with_key(page, seeded.key, base=seeded.base)

    def fail(route) -> None:  # type: ignore[no-untyped-def]
        if status is None:
            route.abort("connectionrefused")
        else:
            headers = {"Retry-After": "17"} if status == 429 else {}
            route.fulfill(status=status, json=body, headers=headers)

    page.route("**/api/v1/users/current/summaries*", fail)
    page.get_by_role("link", name="Calendar").click()
    page.get_by_text(words).wait_for()
    page.get_by_role("button", name="Try again").wait_for()


def test_an_expired_sign_in_says_so(seeded, page) -> None:  # type: ignore[no-untyped-def]
    token = seeded.cli("token", "--email", "ada@example.com", "--minutes", "1").strip()
    sign_in_with_token(page, seeded.base, token)
    page.get_by_role("heading", name="Overview").wait_for()
    page.wait_for_function("() => !document.querySelector('main .loading')")
    # From now on the API says the token expired (as it does once `exp` passes): the next page asks again.
    page.route("**/api/v1/**", lambda route: route.fulfill(status=401, json={"error": "Token expired."}))
    page.get_by_role("link", name="Goals").click()
    page.get_by_text("Your sign-in has expired. Please sign in again.").wait_for()
    page.get_by_label("API key").wait_for()


PAGES = ["/", "/calendar", "/day", "/projects", f"/projects/{PROJECT}", "/goals", "/teams", "/settings", "/admin"]


@pytest.mark.parametrize("width", [1280, 390], ids=["desktop", "phone"])
def test_no_serious_accessibility_violations_on_any_page(seeded, browser, width) -> None:  # type: ignore[no-untyped-def]
    context = browser.new_context(viewport={"width": width, "height": 900})
    page = context.new_page()
    blocked: list[str] = []  # the page runs under the same CSP as on CloudFront: nothing may be refused
    page.on("console", lambda m: "Content Security Policy" in m.text and blocked.append(m.text))
    try:
        page.goto(seeded.base + "/signin")
        page.get_by_label("API key").wait_for()
        problems = {"/signin": axe_violations(page)}
        # An administrator (CODETIME_ADMINS) signed in as a person sees every page, the admin page included.
        token = seeded.cli("token", "--email", "admin@example.com").strip()
        sign_in_with_token(page, seeded.base, token)
        page.get_by_role("link", name="Admin").wait_for()
        for path in PAGES:
            page.goto(seeded.base + path)
            page.locator("main h1").wait_for()
            page.wait_for_function("() => !document.querySelector('main .loading')")
            problems[path] = axe_violations(page)
        assert {p: v for p, v in problems.items() if v} == {}, json.dumps(problems, indent=1)
        assert blocked == []
        # A phone width does not scroll sideways.
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    finally:
        context.close()


def test_no_page_is_blank_when_scripts_see_no_data(dev_server, browser) -> None:  # type: ignore[no-untyped-def]
    """A new user (no heartbeats) gets words, not an empty page, on every page."""
    key = dev_server.cli("users", "create", "--email", "newcomer@example.com").split("api key:")[1].strip()
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    try:
        sign_in_with_key(page, key, base=dev_server.base)
        page.get_by_text("No coding time in this range yet.").wait_for()
        page.goto(dev_server.base + "/goals")
        page.get_by_text("No goals yet.").wait_for()
        page.goto(dev_server.base + "/day")
        page.get_by_text("No coding time on").wait_for()
    finally:
        context.close()


def test_teams_organization_dashboard_and_team_total(seeded, page) -> None:  # type: ignore[no-untyped-def]
    """A person creates an organization and a dashboard, invites someone, and sees the team's total (the API's)."""
    token = seeded.cli("token", "--email", "lead@example.com").strip()
    bearer = {"Authorization": f"Bearer {token}"}
    posted = httpx.post(f"{seeded.base}/api/v1/users/current/heartbeats.bulk", json=_beats("team-app", 4),
                        headers=bearer, timeout=15)  # fmt: skip
    assert posted.status_code == 202, posted.text
    sign_in_with_token(page, seeded.base, token)
    page.get_by_role("link", name="Teams").click()
    page.get_by_label("Organization name").fill("Browser Org")
    page.get_by_role("button", name="Create organization").click()
    page.get_by_role("heading", name="Browser Org").wait_for()
    org_page = page.url
    # Live presence (org.presence over the WebSocket): the owner is listed at once; joined today, so not shown as
    # coding (a team sees a member from the first full day after joining).
    page.get_by_text("Live: updates as members code.").wait_for()
    presence = page.locator("#presence")
    presence.get_by_role("rowheader", name="lead", exact=True).wait_for()
    presence.get_by_role("cell", name="Not coding").wait_for()
    assert presence.get_by_text("0 coding now").count() == 1
    assert axe_violations(page) == []
    page.get_by_label("Dashboard name").fill("Core team")
    page.get_by_role("button", name="Create dashboard").click()
    page.get_by_role("heading", name="Core team").wait_for()
    org_id, dash_id = page.url.split("/teams/")[1].split("?")[0].split("/dashboards/")
    page.reload()
    summaries = httpx.get(f"{seeded.base}/api/v1/users/current/summaries", params={"range": "last_7_days"},
                          headers=bearer, timeout=10).json()  # fmt: skip
    start, end = summaries["data"][0]["range"]["date"], summaries["data"][-1]["range"]["date"]
    team = httpx.get(f"{seeded.base}/api/v1/users/current/orgs/{org_id}/dashboards/{dash_id}/summaries",
                     params={"start": start, "end": end}, headers=bearer, timeout=10).json()  # fmt: skip
    # A team sees a member's days from the day after they joined (h/orgs' rule): the page shows the API's figure.
    page.locator("#team-total", has_text=team["cumulative_total"]["text"]).wait_for()
    page.get_by_role("cell", name="lead").first.wait_for()
    assert axe_violations(page) == []
    page.goto(org_page)
    page.get_by_label("E-mail (leave empty for an invite code)").fill("ann@example.com")
    page.get_by_role("button", name="Invite").click()
    page.get_by_text("Invitation sent to ann@example.com").wait_for()


def test_sharing_makes_the_badge_and_its_markdown(dev_server, page) -> None:  # type: ignore[no-untyped-def]
    key = dev_server.cli("users", "create", "--email", "badge@example.com", "--username", "badger").split("api key:")[1]
    key = key.strip()
    sign_in_with_key(page, key, base=dev_server.base)
    page.get_by_role("link", name="Settings").click()
    sharing = page.locator("#sharing-and-badges")
    markdown = sharing.get_by_label("Badge Markdown (SVG served by this server)").input_value()
    badge_url = f"{dev_server.base}/api/v1/users/badger/badge/last_7_days"
    assert markdown == f"[![CodeTime]({badge_url})]({dev_server.base}/)"
    assert httpx.get(badge_url, timeout=10).status_code == 403  # nothing shared yet: no badge, even for the owner
    sharing.get_by_label("Stats anyone may read without a key").select_option("7")
    sharing.get_by_role("button", name="Save sharing").click()
    sharing.get_by_text("Sharing saved.").wait_for()
    page.wait_for_function(
        "() => { const i = document.querySelector('.badge-preview img');"
        " return i && i.complete && i.naturalWidth > 0; }"
    )
    badge = httpx.get(badge_url, timeout=10)
    assert badge.status_code == 200 and badge.headers["content-type"].startswith("image/svg+xml")
    shields = sharing.get_by_label("Badge Markdown (shields.io endpoint)").input_value()
    assert "img.shields.io/endpoint?url=" in shields and "badger%2Fbadge%2Flast_7_days%2Fshields" in shields


def test_the_overview_shows_ai_and_human_line_changes(dev_server, page) -> None:  # type: ignore[no-untyped-def]
    key = dev_server.cli("users", "create", "--email", "ai@example.com").split("api key:")[1].strip()
    beats = _beats("ai-app", 4)
    for i, beat in enumerate(beats):
        beat.update(category="ai coding", ai_line_changes=[12, -3, 5, 0][i], human_line_changes=[0, 4, 0, -2][i])
    dev_server.post_beats(beats, key)
    dev_server.wait_today(180, key)
    sign_in_with_key(page, key, base=dev_server.base)
    days = dev_server.get("/api/v1/users/current/summaries", key, range="last_7_days")["data"]
    total = {k: sum(d["grand_total"][k] for d in days) for k in ("ai_additions", "ai_deletions", "human_additions")}
    assert total == {"ai_additions": 17, "ai_deletions": 3, "human_additions": 4}
    card = page.locator("#ai-lines")
    card.get_by_text("AI: +17 / −3").wait_for()
    card.get_by_text("Human: +4 / −2").wait_for()
