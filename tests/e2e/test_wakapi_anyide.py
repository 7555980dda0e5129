"""wakapi-anyide (PyPI 0.6.8, unmodified; a heartbeat sender for any editor, written for Wakapi) against `codetime dev`.

It posts to `{api_url}/users/current/heartbeats.bulk`, takes nothing but 201 as success, tries each batch three
times and then stops tracking. Configured as a Wakapi user would (`api_url = .../api`), a file edited a few times
must become heartbeats with no failure in its log. Its venv is built by scripts/install-wakapi-anyide.sh (Python 3.12);
if that cannot be done the test fails, naming why."""

from __future__ import annotations

import functools
import os
import signal
import subprocess
import time
from pathlib import Path

import httpx
import pytest

from servers import free_port, start_dev, stop_dev

pytestmark = pytest.mark.e2e
ROOT = Path(__file__).resolve().parents[2]
INSTALL_SCRIPT = ROOT / "scripts/install-wakapi-anyide.sh"
PROJECT = "anyide-proj"


@functools.cache
def ensure_wakapi_anyide() -> Path:
    """Install wakapi-anyide if needed (idempotent) and return its executable."""
    proc = subprocess.run(["bash", str(INSTALL_SCRIPT)], cwd=ROOT, capture_output=True, text=True, timeout=600)
    if proc.returncode != 0:
        raise RuntimeError(f"{INSTALL_SCRIPT.name} failed ({proc.returncode}):\n{proc.stdout}\n{proc.stderr}".rstrip())
    return Path(proc.stdout.strip().splitlines()[-1])


def _projects(base: str, key: str) -> list[str]:
    response = httpx.get(f"{base}/api/v1/users/current/projects", auth=(key, ""), timeout=10)
    assert response.status_code == 200, response.text
    return [p["name"] for p in response.json()["data"]]


def test_wakapi_anyide_tracks_edits(tmp_path: Path) -> None:
    tool = ensure_wakapi_anyide()
    home, project = tmp_path / "home", tmp_path / "proj"
    home.mkdir()
    project.mkdir()
    source = project / "main.py"
    source.write_text("print('hi')\n")
    (project / "wak.toml").write_text(
        f'[meta]\nversion = 1\nwatchers = ["files"]\n\n[files]\ninclude = ["*"]\nexclude = []\nexclude_files = []\n'
        f'\n[project]\nname = "{PROJECT}"\n'
    )
    proc, base, key = start_dev(tmp_path / "data", free_port())
    try:
        # As Wakapi tells its users to configure clients; one heartbeat batch a second instead of every two minutes.
        (home / ".wakatime.cfg").write_text(
            f"[settings]\napi_url = {base}/api\napi_key = {key}\nheartbeat_rate_limit_seconds = 1\n"
        )
        env = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "PYTHONPATH", "WAKATIME_API_KEY")}
        env.update(HOME=str(home), WAKATIME_HOME=str(home), NO_COLOR="1", COLUMNS="200")
        tracker = subprocess.Popen(
            [str(tool), "track", "--verbose"], cwd=project, env=env, stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT, text=True,
        )  # fmt: skip
        try:
            deadline = time.monotonic() + 90  # generous: a shared 2-core machine; normally a few seconds
            edits = 0
            while PROJECT not in _projects(base, key) and time.monotonic() < deadline and tracker.poll() is None:
                edits += 1
                with source.open("a") as f:
                    f.write(f"x = {edits}\n")
                time.sleep(1.5)
            arrived = PROJECT in _projects(base, key)
        finally:
            tracker.send_signal(signal.SIGINT)
            try:
                log, _ = tracker.communicate(timeout=30)
            except subprocess.TimeoutExpired:
                tracker.kill()
                log, _ = tracker.communicate()
    finally:
        stop_dev(proc)
    print(log[-5000:])
    assert arrived, f"no heartbeat arrived after {edits} edits:\n{log[-5000:]}"
    assert "Sending heartbeat (attempt 1)" in log
    # It only retries (and finally dies) when an answer is not 201.
    assert "attempt 2" not in log and "Failed to send heartbeat" not in log, log[-5000:]
