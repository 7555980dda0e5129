from __future__ import annotations

import os
from collections.abc import Iterator
from typing import NoReturn

import pytest
from servers import PostgresServer, RedisServer

# ------------------------------------------------------------------------------------------------------------
# Real servers (PostgreSQL/TimescaleDB, Redis), started lazily: only when a test requests these fixtures.
# With CI set (or CODETIME_REQUIRE_SERVERS=1) a server that cannot start FAILS the tests; otherwise they skip.
# ------------------------------------------------------------------------------------------------------------


def servers_required() -> bool:
    """True when missing servers must fail the run instead of skipping (CI or CODETIME_REQUIRE_SERVERS=1)."""
    ci = os.environ.get("CI", "").strip().lower()
    return ci not in ("", "0", "false", "no") or os.environ.get("CODETIME_REQUIRE_SERVERS") == "1"


def _unavailable(what: str, exc: BaseException) -> NoReturn:
    message = f"{what} unavailable: {exc}"
    if servers_required():
        pytest.fail(f"{message} (servers are required: CI / CODETIME_REQUIRE_SERVERS=1)", pytrace=False)
    pytest.skip(f"{message} (set CI or CODETIME_REQUIRE_SERVERS=1 to make this an error)")


@pytest.fixture(scope="session")
def pg_server() -> Iterator[PostgresServer]:
    """One throwaway PostgreSQL cluster (TimescaleDB preloaded when installed) for the whole session."""
    try:
        server = PostgresServer()
        server.start()
    except Exception as exc:
        _unavailable("PostgreSQL", exc)
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def timescale_dsn(pg_server: PostgresServer) -> str:
    """DSN of a fresh database with the timescaledb extension, created once per session."""
    try:
        return pg_server.create_database("codetime_test_timescale", timescale=True)
    except Exception as exc:
        _unavailable("TimescaleDB", exc)


@pytest.fixture(scope="session")
def plain_pg_dsn(pg_server: PostgresServer) -> str:
    """DSN of a fresh database without TimescaleDB, created once per session."""
    try:
        return pg_server.create_database("codetime_test_plain", timescale=False)
    except Exception as exc:
        _unavailable("PostgreSQL database", exc)


@pytest.fixture(scope="session")
def redis_server() -> Iterator[RedisServer]:
    """One throwaway redis-server for the whole session (tests that stop() it must start() it again)."""
    try:
        server = RedisServer()
        server.start()
    except Exception as exc:
        _unavailable("Redis", exc)
    try:
        yield server
    finally:
        server.close()


@pytest.fixture(scope="session")
def redis_url(redis_server: RedisServer) -> str:
    """``redis://127.0.0.1:PORT/0`` of the session Redis."""
    return redis_server.url


# -------------------------------------------- end of real servers ------------------------------------------
