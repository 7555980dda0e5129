"""The real legacy WakaTime CLI (wakatime==13.1.0, unmodified) against the local server."""

from __future__ import annotations

import time

import httpx
import pytest

from codetime.services.keys import create_user
from harness import start_of_today
from wakatime_cli import describe_run, ensure_legacy_cli, offline_queue_count, send_heartbeat

pytestmark = pytest.mark.e2e

# The legacy CLI refuses the waka_ prefix: imported keys are bare UUIDv4s.
KEY = "3f6a1c2e-9b4d-4e8f-a1b2-c3d4e5f60718"


def test_legacy_cli_heartbeats_become_time(live_server, tmp_path) -> None:  # type: ignore[no-untyped-def]
    ensure_legacy_cli()
    create_user(email="legacy@example.com", username="legacy", timezone="UTC", api_key=KEY)
    project_dir = tmp_path / "proj"
    project_dir.mkdir()
    files = [project_dir / name for name in ("main.py", "util.py", "README.md")]
    for f in files:
        f.write_text("print('hi')\n")
    t0 = max(start_of_today() + 1, time.time() - 900)  # today's, and today stays today for the test, at any hour
    home = tmp_path / "home"
    home.mkdir()
    api_url = f"{live_server.base_url}/api/v1"  # exactly the line `codetime dev` prints
    extra = [
        {"entity": str(files[1]), "type": "file", "time": t0 + 120, "language": "Python", "project": "legacy-proj"},
        {"entity": str(files[2]), "type": "file", "time": t0 + 300, "project": "legacy-proj"},
    ]
    run = send_heartbeat(api_url, KEY, str(files[0]), time=t0, project="legacy-proj", language="Python",
                         is_write=True, home=home, extra_heartbeats=extra)  # fmt: skip
    assert run.returncode == 0, describe_run(run, home)
    assert offline_queue_count(home) == 0
    live_server.wait_for_queue()

    auth = httpx.BasicAuth(KEY, "")
    status = httpx.get(f"{api_url}/users/current/statusbar/today", auth=auth, timeout=10).json()
    assert status["data"]["grand_total"]["total_seconds"] == pytest.approx(300, abs=1e-3)
    assert [p["name"] for p in status["data"]["projects"]] == ["legacy-proj"]
    assert status["data"]["editors"][0]["name"] == "vim"
    durations = httpx.get(f"{api_url}/users/current/durations", auth=auth, timeout=10).json()["data"]
    assert [(round(d["time"], 3), round(d["duration"], 3)) for d in durations] == [(round(t0, 3), 300.0)]
