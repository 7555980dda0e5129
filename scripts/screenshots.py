"""Screenshots of the dashboard's main pages at desktop and phone widths, for the README, from a seeded local server.

Starts `codetime dev` on a fresh data dir, imports a year of generated (deterministic) heartbeats for the dev user,
adds a goal and a rule, then drives Debian's chromium with Playwright and writes docs/screenshots/*.png. It also
prints how long the overview took to become interactive with that year of data (the README states the figure).

    .venv/bin/python scripts/screenshots.py            # needs `make web` and chromium (scripts/install-system-deps.sh)
"""

from __future__ import annotations

import json
import os
import random
import signal
import socket
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "docs" / "screenshots"
CODETIME = str(Path(sys.executable).parent / "codetime")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--disable-dev-shm-usage"]  # fmt: skip
PROJECTS = {  # project: (languages, branches)
    "codetime": (["Python", "Python", "SQL", "TypeScript"], ["main", "live-updates", "dashboard"]),
    "website": (["TypeScript", "CSS", "HTML"], ["main", "redesign"]),
    "infra": (["Python", "YAML"], ["main"]),
    "notes": (["Markdown"], ["main"]),
    "parser": (["Rust"], ["main", "simd"]),
    "mobile-app": (["Kotlin", "Swift"], ["main", "release-2.0"]),
}
EDITORS = [("vscode/1.95.0 vscode-wakatime/24.6.0", "linux-6.1"), ("neovim/0.10.2 vim-wakatime/11.2.0", "linux-6.1"),
           ("PyCharm/2024.3 jetbrains-wakatime/15.0.0", "darwin-24.1.0")]  # fmt: skip
PAGES = [("overview", "/?range=last_30_days"), ("calendar", "/calendar"), ("day", "/day?date={yesterday}"),
         ("project", "/projects/codetime"), ("goals", "/goals"), ("settings", "/settings")]  # fmt: skip


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def year_of_heartbeats(today: datetime) -> list[dict]:
    """About 270 working days of sessions over the last year, a heartbeat every two minutes."""
    rng = random.Random(42)
    beats: list[dict] = []
    for days_ago in range(364, -1, -1):
        day = today - timedelta(days=days_ago)
        weekend = day.weekday() >= 5
        if days_ago and rng.random() < (0.75 if weekend else 0.12):
            continue
        for _ in range(rng.randint(1, 3)):
            project = rng.choice(list(PROJECTS))
            languages, branches = PROJECTS[project]
            agent, platform = rng.choice(EDITORS)
            start = day.replace(hour=rng.randint(8, 20), minute=rng.randint(0, 59), second=0, microsecond=0)
            if days_ago == 0:  # today's session ends now, so the status bar has a total to show
                start = today - timedelta(minutes=rng.randint(40, 150))
            branch = rng.choice(branches)
            for i in range(rng.randint(10, 75)):
                at = start + timedelta(minutes=2 * i)
                if at > datetime.now(UTC) - timedelta(minutes=1):
                    break
                language = rng.choice(languages)
                beats.append({
                    "entity": f"/home/ada/src/{project}/module_{rng.randint(1, 9)}.{language[:2].lower()}",
                    "type": "file", "time": at.timestamp(), "project": project, "language": language,
                    "branch": branch, "category": "coding" if rng.random() > 0.1 else "debugging",
                    "machine": "laptop" if "darwin" in platform else "workstation", "is_write": rng.random() > 0.7,
                    "user_agent": f"wakatime/v1.90.0 ({platform}-x86_64) go1.22.5 {agent}",
                })  # fmt: skip
    return beats


def main() -> int:
    from playwright.sync_api import sync_playwright

    if not (ROOT / "web" / "dist" / "index.html").is_file():
        print("error: run `make web` first", file=sys.stderr)
        return 2
    work = Path(tempfile.mkdtemp(prefix="codetime-shots-"))
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL", "SQS_QUEUE_URL")}
    env.update(CODETIME_DATA_DIR=str(work / "data"), CODETIME_LOCAL_SCHEDULES="off")
    port = free_port()
    server = subprocess.Popen([CODETIME, "dev", "--port", str(port)], env=env, stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, text=True)  # fmt: skip
    try:
        key = ""
        for line in server.stdout:  # type: ignore[union-attr]
            if line.startswith("api_key = "):
                key = line.split("=", 1)[1].strip()
                break
        base = f"http://127.0.0.1:{port}"
        today = datetime.now(UTC)
        dump = work / "year.json"
        dump.write_text(json.dumps(year_of_heartbeats(today)))
        subprocess.run([CODETIME, "import", str(dump), "--username", "dev", "--quiet"], env=env, check=True)
        auth = (key, "")
        httpx.post(f"{base}/api/v1/users/current/goals", auth=auth, timeout=30,
                   json={"title": "Two hours a day on CodeTime", "delta": "day", "seconds": 7200,
                         "projects": ["codetime"]}).raise_for_status()  # fmt: skip
        httpx.post(
            f"{base}/api/v1/users/current/rules",
            auth=auth,
            timeout=30,
            json={"kind": "project", "pattern": "website-old", "replacement": "website"},
        ).raise_for_status()
        yesterday = (today - timedelta(days=1)).date().isoformat()
        while not httpx.get(f"{base}/api/v1/users/current/settings", auth=auth, timeout=30).json()["data"][
            "is_up_to_date"
        ]:
            time.sleep(0.5)
        OUT.mkdir(parents=True, exist_ok=True)
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
            for width, height, label, scheme in ((1280, 860, "desktop", "light"), (390, 844, "phone", "light"),
                                                 (1280, 860, "desktop-dark", "dark")):  # fmt: skip
                context = browser.new_context(viewport={"width": width, "height": height}, color_scheme=scheme)
                page = context.new_page()
                page.goto(base + "/signin")
                page.get_by_label("API key").fill(key)
                page.get_by_role("button", name="Sign in with the key").click()
                page.get_by_role("heading", name="Overview").wait_for()
                pages = PAGES if scheme == "light" else PAGES[:1]
                for name, path in pages:
                    page.goto(base + path.format(yesterday=yesterday))
                    page.locator("main h1").wait_for()
                    page.wait_for_function("() => !document.querySelector('main .loading')")
                    page.wait_for_timeout(300)
                    page.screenshot(path=str(OUT / f"{name}-{label}.png"))
                    print(f"wrote docs/screenshots/{name}-{label}.png")
                context.close()
            # First view with a year of data: a fresh tab, signed in, opening the overview (cold caches server-side
            # are warm by now; the figure is the browser's own: navigation start to the overview's numbers shown).
            context = browser.new_context(viewport={"width": 1280, "height": 860})
            page = context.new_page()
            page.goto(base + "/signin")
            page.evaluate(
                "k => sessionStorage.setItem('codetime.credential', JSON.stringify({kind: 'key', value: k}))", key
            )
            for path in ("/", "/?range=last_year", "/calendar"):
                page.goto(base + path)
                ms = page.wait_for_function(
                    "() => document.querySelector('main h1') && !document.querySelector('main .loading')"
                    " && performance.now()",
                    polling="raf",
                ).json_value()
                print(f"first view interactive: {path} in {ms:.0f} ms")
            context.close()
            browser.close()
    finally:
        server.send_signal(signal.SIGINT)
        server.wait(timeout=60)
    return 0


if __name__ == "__main__":
    sys.exit(main())
