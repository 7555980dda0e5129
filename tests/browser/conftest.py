"""The dashboard in a real browser: Debian's chromium driven by Playwright, against `codetime dev` started as a
person starts it (tests/servers.start_dev), with the dashboard built by `make web`."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import fake_clock
import httpx
import pytest

from servers import free_port, start_dev, stop_dev

ROOT = Path(__file__).resolve().parents[2]
DIST = ROOT / "web" / "dist" / "index.html"
AXE = ROOT / "web" / "node_modules" / "axe-core" / "axe.min.js"
CHROMIUM = os.environ.get("CODETIME_CHROMIUM", "/usr/bin/chromium")
# No sandbox as root; no GPU, and none of Chromium's calls home (this machine's network refuses them, slowly).
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--disable-dev-shm-usage"]  # fmt: skip
CODETIME = str(Path(sys.executable).parent / "codetime")
ADMIN_EMAIL = "admin@example.com"


@dataclass
class DevServer:
    base: str
    key: str
    data_dir: Path

    def cli(self, *args: str) -> str:
        """A `codetime` command against this server's data dir; its standard output."""
        env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
        env["CODETIME_DATA_DIR"] = str(self.data_dir)
        done = subprocess.run(
            fake_clock.command([CODETIME, *args]), env=env, capture_output=True, text=True, timeout=60
        )
        assert done.returncode == 0, done.stderr
        return done.stdout

    def get(self, path: str, key: str | None = None, **params: str) -> dict:
        response = httpx.get(f"{self.base}{path}", params=params, auth=(key or self.key, ""), timeout=15)
        assert response.status_code == 200, response.text
        return response.json()

    def post_beats(self, beats: list[dict], key: str | None = None) -> None:
        posted = httpx.post(f"{self.base}/api/v1/users/current/heartbeats.bulk", json=beats, auth=(key or self.key, ""),
                            timeout=15)  # fmt: skip
        assert posted.status_code == 202, posted.text
        assert {s for _, s in posted.json()["responses"]} == {201}, posted.text

    def today(self, key: str | None = None) -> dict:
        return self.get("/api/v1/users/current/statusbar/today", key)["data"]

    def sql(self, statement: str, params: tuple = ()) -> list[tuple]:
        """One statement on the server's embedded database (its socket, named in postmaster.pid): what a test sets
        up that no route can (a dead-lettered message), or reads back that no route shows in full."""
        import psycopg

        lines = (self.data_dir / "pgdata" / "postmaster.pid").read_text().splitlines()
        dsn = f"postgresql://postgres:@/codetime?host={lines[4].strip()}&port={lines[3].strip()}"
        with psycopg.connect(dsn, autocommit=True) as conn:
            cur = conn.execute(statement, params)
            return cur.fetchall() if cur.description else []

    def wait_today(self, at_least: float, key: str | None = None) -> dict:
        """Today's statusbar once the local queue has written at least `at_least` seconds."""
        deadline = time.monotonic() + 20
        while (data := self.today(key))["grand_total"]["total_seconds"] < at_least and time.monotonic() < deadline:
            time.sleep(0.2)
        return data


@pytest.fixture(scope="module")
def dev_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DevServer]:
    if not DIST.is_file():
        pytest.fail("web/dist is not built: run `make web` (make test does)")
    data_dir = tmp_path_factory.mktemp("browser-dev") / "data"
    os.environ["CODETIME_ADMINS"] = ADMIN_EMAIL  # inherited by the server (start_dev copies the environment)
    try:
        proc, base, key = start_dev(data_dir, free_port())
    finally:
        os.environ.pop("CODETIME_ADMINS", None)
    try:
        yield DevServer(base, key, data_dir)
    finally:
        stop_dev(proc)


# Module scope, not session: Playwright's sync API keeps an asyncio loop running while it is open, and the tests
# collected after these (real WebSocket clients under asyncio.run) cannot start theirs until it is closed.
@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    if not os.access(CHROMIUM, os.X_OK):
        pytest.fail(f"{CHROMIUM} is missing: run scripts/install-system-deps.sh (Debian's chromium)")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def page(browser: object) -> Iterator[object]:
    """A fresh browser context (its own sessionStorage) at desktop width, its clock at the suite's "now"."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})  # type: ignore[attr-defined]
    page = context.new_page()
    if fake_clock.offset() is not None:
        # The page's Date agrees with the server's fake now (this process's clock is moved already; timers keep
        # running at the real pace).
        page.clock.set_system_time(time.time())
    try:
        yield page
    finally:
        context.close()
