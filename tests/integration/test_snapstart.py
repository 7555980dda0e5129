"""The SnapStart hooks against real servers: after lifecycle.before_snapshot() the process holds no PostgreSQL,
Redis or AWS connection (counted by the servers themselves), and after lifecycle.after_restore() the same
handlers serve requests again, reconnecting and re-reading the secrets as a fresh cold start would.

The snapshot and restore themselves happen only in AWS (README "SnapStart"); here the hooks run as Lambda runs
them, between invocations of the real handlers (tests/harness.py), with the deployed configuration: database
DSN and key pepper in Secrets Manager (moto), heartbeats to SQS, Redis for keys, rate limits and results.
"""

from __future__ import annotations

import time

import psycopg
import pytest
import redis

from codetime import clients, lifecycle
from codetime.db import get_pool
from codetime.services.keys import create_user
from functions import ingestion, summary
from harness import basic, call_api, start_of_today

pytestmark = pytest.mark.integration

KEY = "waka_0b3c5d7e-9f1a-4b2c-8d3e-5f6a7b8c9d0e"
# Names the application's Redis connections, so the server can tell them from this test's own.
CLIENT_NAME = "codetime-snapstart-test"


def _app_redis_connections(url: str) -> int:
    probe = redis.Redis.from_url(url)
    try:
        return sum(1 for c in probe.client_list() if c.get("name") == CLIENT_NAME)
    finally:
        probe.close()


def _app_pg_connections(dsn: str) -> int:
    with psycopg.connect(dsn, autocommit=True) as conn:
        row = conn.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
            "AND backend_type = 'client backend' AND pid <> pg_backend_pid()"
        ).fetchone()
    return int(row[0]) if row else 0


def _eventually_zero(count, timeout: float = 5.0) -> int:  # type: ignore[no-untyped-def]
    """A closed socket ends its server-side session a moment later: poll until none is left."""
    deadline = time.monotonic() + timeout
    while (found := count()) and time.monotonic() < deadline:
        time.sleep(0.05)
    return found


def _post(now: float) -> int:
    beat = [{"entity": "snap.py", "type": "file", "time": now, "project": "snapstart"}]
    return call_api(ingestion.handler, "POST", "/api/v1/users/current/heartbeats.bulk", headers=basic(KEY),
                    body=beat).status  # fmt: skip


def test_no_connection_survives_the_snapshot_and_requests_work_after_restore(
    sqs, redis_env: str, db_env: str, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("REDIS_URL", f"{redis_env}?client_name={CLIENT_NAME}")
    lifecycle.reset_clients()
    create_user(email="snap@example.com", username="snap", timezone="UTC", api_key=KEY)
    now = max(start_of_today() + 120, time.time())
    assert _post(now - 60) == 202  # key check (Redis, PostgreSQL, pepper from Secrets Manager), SQS send
    sqs.drain()
    # Warm: every kind of connection the API functions make is open.
    pool = get_pool()
    assert _app_pg_connections(db_env) >= 1 and _app_redis_connections(redis_env) >= 1
    assert clients.aws_client.cache_info().currsize >= 2  # secretsmanager, sqs
    assert clients.secret_value.cache_info().currsize >= 1

    lifecycle.before_snapshot()

    assert pool.closed
    assert _eventually_zero(lambda: _app_pg_connections(db_env)) == 0
    assert _eventually_zero(lambda: _app_redis_connections(redis_env)) == 0
    for cached in (clients.boto3_session, clients.aws_client, clients.secret_value, clients.key_pepper):
        assert cached.cache_info().currsize == 0, cached  # no client, credentials or secret in the snapshot

    lifecycle.after_restore()

    assert _post(now - 30) == 202
    sqs.drain()
    today = call_api(summary.handler, "GET", "/api/v1/users/current/statusbar/today", headers=basic(KEY))
    assert today.status == 200
    assert today.json["data"]["grand_total"]["total_seconds"] == pytest.approx(30, abs=1e-3)
    assert get_pool() is not pool and not get_pool().closed
    assert _app_redis_connections(redis_env) >= 1  # reconnected on first use
