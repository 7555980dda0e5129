from __future__ import annotations

import time

import psycopg
import pytest
import redis

from servers import RedisServer

pytestmark = pytest.mark.integration


def _extensions(dsn: str) -> set[str]:
    with psycopg.connect(dsn) as conn:
        return {row[0] for row in conn.execute("SELECT extname FROM pg_extension")}


def test_timescale_db_has_extension_and_hypertables(timescale_dsn: str) -> None:
    assert "timescaledb" in _extensions(timescale_dsn)
    with psycopg.connect(timescale_dsn) as conn:
        conn.execute("CREATE TABLE servers_probe (time timestamptz NOT NULL, value int NOT NULL)")
        conn.execute("SELECT create_hypertable('servers_probe', 'time')")
        conn.execute("INSERT INTO servers_probe VALUES (now(), 1), (now() - interval '30 days', 2)")
        chunks = conn.execute("SELECT count(*) FROM show_chunks('servers_probe')").fetchone()
        assert chunks is not None and chunks[0] >= 2
        conn.rollback()


def test_plain_db_has_no_timescale(plain_pg_dsn: str) -> None:
    assert "timescaledb" not in _extensions(plain_pg_dsn)
    with psycopg.connect(plain_pg_dsn) as conn:
        assert conn.execute("SELECT 1").fetchone() == (1,)


def test_postgres_and_python_share_one_clock(plain_pg_dsn: str) -> None:
    # Under `make test-fake-now` (tests/fake_clock.py) PostgreSQL must see the same fake "now" as the tests,
    # or SQL's now() and Python's would disagree by months.
    with psycopg.connect(plain_pg_dsn) as conn:
        db_now = float(conn.execute("SELECT extract(epoch FROM clock_timestamp())").fetchone()[0])  # type: ignore[index]
    assert abs(db_now - time.time()) < 60


def test_redis_ping_set_get(redis_url: str) -> None:
    client = redis.Redis.from_url(redis_url)
    try:
        assert client.ping() is True
        client.set("servers:probe", "42")
        assert client.get("servers:probe") == b"42"
    finally:
        client.close()


def test_redis_stop_then_start(redis_server: RedisServer) -> None:
    client = redis.Redis.from_url(redis_server.url, socket_connect_timeout=1, socket_timeout=1)
    try:
        port = redis_server.port
        redis_server.stop()
        assert not redis_server.running
        with pytest.raises(redis.ConnectionError):
            client.ping()
        redis_server.start()
        assert redis_server.port == port
        assert client.ping() is True
        client.set("servers:after-restart", "yes")
        assert client.get("servers:after-restart") == b"yes"
    finally:
        redis_server.start()  # leave the session server up for other tests
        client.close()
