"""Database outages and slow reads: a 503 with Retry-After (never a 500), no query left running, nothing lost."""

from __future__ import annotations

import json
import os
import signal
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import psycopg
import pytest

from codetime.lifecycle import reset_clients
from codetime.services.keys import create_user
from functions import ingestion, summary
from harness import basic, call_api
from servers import free_port, start_dev, stop_dev

pytestmark = pytest.mark.e2e
KEY = "waka_0b1c2d3e-4f50-4a61-8b72-9c8d7e6f5a4b"


def _assert_503(response, what: str) -> None:  # type: ignore[no-untyped-def]
    assert response.status == 503, response
    assert int(response.headers["retry-after"]) > 0
    assert what in response.json["error"]
    for secret in ("postgresql://", "host=", "password", "127.0.0.1"):  # nothing of the DSN
        assert secret not in json.dumps(response.json)


def test_a_read_past_the_statement_timeout_is_503_and_leaves_no_query_behind(
    db_env: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CODETIME_API_STATEMENT_TIMEOUT_MS", "300")
    reset_clients()
    create_user(email="slow@example.com", username="slow", timezone="UTC", api_key=KEY)
    day = (datetime.now(UTC) - timedelta(days=2)).date().isoformat()
    query = {"start": day, "end": day, "timezone": "Asia/Tokyo"}  # not the user's: computed from raw heartbeats

    # A migration (or anything else) holding the heartbeats table: the raw read waits on the lock, i.e. is slow.
    with psycopg.connect(db_env) as locker:
        locker.execute("LOCK TABLE heartbeats IN ACCESS EXCLUSIVE MODE")
        # Unbounded, the read would wait for the lock; release it after a while so such a run fails, not hangs.
        release = threading.Timer(20, locker.rollback)
        release.start()
        try:
            response = call_api(summary.handler, "GET", "/api/v1/users/current/summaries", headers=basic(KEY),
                                query=query)  # fmt: skip
        finally:
            release.cancel()
        _assert_503(response, "statement timeout")
        # Cancelled in the database, not merely abandoned: nothing waits on the lock any more.
        waiting = locker.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'"
        ).fetchone()[0]
        assert waiting == 0
        locker.rollback()

    # Once the table is free the same read answers; the bound is the API's alone: other sessions keep theirs.
    ok = call_api(summary.handler, "GET", "/api/v1/users/current/summaries", headers=basic(KEY), query=query)
    assert ok.status == 200, ok
    from codetime.db import get_pool

    with get_pool().connection() as conn:
        assert conn.execute("SHOW statement_timeout").fetchone()[0] == "0"


def test_database_down_is_503_with_retry_after(db_env: str, monkeypatch: pytest.MonkeyPatch) -> None:
    create_user(email="down@example.com", username="down", timezone="UTC", api_key=KEY)
    # Nothing listens there: every connection attempt is refused, the pool gives up after its timeout.
    monkeypatch.setenv("DATABASE_URL", f"postgresql://codetime:s3cret@127.0.0.1:{free_port()}/codetime")
    monkeypatch.setenv("CODETIME_DB_POOL_TIMEOUT_SECONDS", "1")
    reset_clients()
    today = call_api(summary.handler, "GET", "/api/v1/users/current/statusbar/today", headers=basic(KEY))
    _assert_503(today, "database is unavailable")
    beat = {"entity": "a.py", "type": "file", "time": time.time()}
    posted = call_api(ingestion.handler, "POST", "/api/v1/users/current/heartbeats.bulk", headers=basic(KEY),
                      body=[beat])  # fmt: skip
    _assert_503(posted, "unavailable")
    assert "s3cret" not in json.dumps(posted.json)


def _postmaster_pid(data_dir: Path) -> int:
    return int((data_dir / "pgdata" / "postmaster.pid").read_text().splitlines()[0])


def test_dev_survives_its_database_being_killed_under_a_retrying_client(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    proc, base, key = start_dev(data_dir, free_port())
    try:
        # 2,000 heartbeats 10 s apart on one day three days ago: 19,990 s, whatever the hour of the run.
        first = datetime.combine((datetime.now(UTC) - timedelta(days=3)).date(), datetime.min.time(), UTC)
        start = first.timestamp() + 6 * 3600
        beats = [{"entity": f"f{i % 7}.py", "type": "file", "time": start + 10 * i, "project": "outage"}
                 for i in range(2000)]  # fmt: skip
        statuses: list[int] = []
        killed = None
        with httpx.Client(base_url=base, auth=(key, ""), timeout=30) as client:
            for n, offset in enumerate(range(0, len(beats), 25), start=1):
                if n == 40:
                    killed = _postmaster_pid(data_dir)
                    os.kill(killed, signal.SIGKILL)
                give_up = time.monotonic() + 30  # an unsupervised database never comes back: fail, not hang
                while True:  # as wakatime-cli: every non-2xx keeps the batch for a retry
                    response = client.post("/api/v1/users/current/heartbeats.bulk", json=beats[offset : offset + 25])
                    statuses.append(response.status_code)
                    if response.is_success:
                        assert [s for _, s in response.json()["responses"]] == [201] * 25
                        break
                    assert response.status_code == 503, response.text
                    assert response.headers["Retry-After"]
                    assert time.monotonic() < give_up, f"request {n} still {response.status_code} after 30 s"
                    time.sleep(0.2)
            assert killed is not None and _postmaster_pid(data_dir) != killed  # the supervisor started it again

            def stored() -> list[dict]:
                response = client.get("/api/v1/users/current/export")
                if response.status_code == 503:
                    return []
                assert response.status_code == 200, response.text
                return [h for day in response.json()["days"] for h in day["heartbeats"]]

            deadline = time.monotonic() + 60
            while len(rows := stored()) < len(beats) and time.monotonic() < deadline:
                time.sleep(0.5)  # the local queue delivers to the writer in batches
            assert sorted(h["time"] for h in rows) == [b["time"] for b in beats]  # no loss, no duplicate

            days = [(first + timedelta(days=d)).date().isoformat() for d in (-1, 1)]
            summaries = client.get("/api/v1/users/current/summaries", params={"start": days[0], "end": days[1]})
            assert summaries.status_code == 200, summaries.text
            total = sum(d["grand_total"]["total_seconds"] for d in summaries.json()["data"])
            assert total == pytest.approx(1999 * 10)
        assert set(statuses) <= {202, 503}
    finally:
        stop_dev(proc)
