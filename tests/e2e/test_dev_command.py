"""`codetime dev` as a person runs it: a subprocess on embedded defaults, restarted, with the CLI alongside."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import fake_clock
import httpx
import pytest

from harness import start_of_today
from servers import free_port, start_dev, stop_dev

pytestmark = pytest.mark.e2e
CODETIME = str(Path(sys.executable).parent / "codetime")


def _today_seconds(base: str, key: str) -> float:
    response = httpx.get(f"{base}/api/v1/users/current/statusbar/today", auth=(key, ""), timeout=10)
    assert response.status_code == 200, response.text
    return response.json()["data"]["grand_total"]["total_seconds"]


def test_dev_runs_on_embedded_defaults_and_keeps_data(tmp_path: Path) -> None:
    data_dir, port = tmp_path / "data", free_port()
    proc, base, key = start_dev(data_dir, port)
    try:
        assert base == f"http://127.0.0.1:{port}"
        # Today's, at any hour: after the dev user's (UTC) midnight, even when that was a minute ago.
        first = max(start_of_today("UTC") + 1, time.time() - 120)
        beats = [{"entity": "main.py", "type": "file", "time": first + i * 60, "project": "demo"} for i in range(3)]
        posted = httpx.post(f"{base}/api/v1/users/current/heartbeats.bulk", json=beats, auth=(key, ""), timeout=10)
        assert posted.status_code == 202 and [s for _, s in posted.json()["responses"]] == [201, 201, 201]
        deadline = time.monotonic() + 10
        while _today_seconds(base, key) < 120 and time.monotonic() < deadline:
            time.sleep(0.2)  # the local queue delivers to the writer within about a second
        assert _today_seconds(base, key) == pytest.approx(120)

        # The CLI of the same checkout works against the running server's data.
        imported = "waka_0c5e8a1b-2d3f-4a5b-8c6d-7e8f9a0b1c2d"
        env = {**os.environ, "CODETIME_DATA_DIR": str(data_dir)}
        env.pop("DATABASE_URL", None)
        created = subprocess.run(
            fake_clock.command([CODETIME, "users", "create", "--email", "ada@example.com", "--api-key", imported]),
            env=env, capture_output=True, text=True, timeout=60,
        )  # fmt: skip
        assert created.returncode == 0, created.stderr
        assert _today_seconds(base, imported) == 0.0

        # A person signs in with a token of the dev issuer: same validation path as in AWS (JWKS over HTTP).
        token = subprocess.run(
            fake_clock.command([CODETIME, "token", "--email", "ada@example.com"]),
            env=env, capture_output=True, text=True, timeout=60,
        )  # fmt: skip
        assert token.returncode == 0, token.stderr
        keys = httpx.get(
            f"{base}/api/v1/auth/keys", headers={"Authorization": f"Bearer {token.stdout.strip()}"}, timeout=10
        )
        assert keys.status_code == 200, keys.text
        assert [k["key_hint"] for k in keys.json()["data"]] == ["waka_0c5e…1c2d"]  # ada's, linked by e-mail
    finally:
        stop_dev(proc)

    proc, base, key_again = start_dev(data_dir, port)
    try:
        assert key_again == key
        assert _today_seconds(base, key) == pytest.approx(120)  # data survived the restart
    finally:
        stop_dev(proc)


def test_invoke_runs_a_handler_on_a_sample_event(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env["CODETIME_DATA_DIR"] = str(tmp_path / "data")
    result = subprocess.run(
        fake_clock.command([CODETIME, "invoke", "writer", "events/sqs_heartbeats_batch.json"]),
        env=env, capture_output=True, text=True, timeout=60, cwd=Path(__file__).resolve().parents[2],
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    # The sample holds one message for an unknown user (dropped, not an error) and one poison message.
    assert '"itemIdentifier": "2e1424d4-f796-459a-8184-9c92662be6da"' in result.stdout
    assert "059f36b4" not in result.stdout
