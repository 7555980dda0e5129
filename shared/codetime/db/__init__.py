"""Connection pool for the whole process."""

from __future__ import annotations

import threading

from psycopg_pool import ConnectionPool

_pool: ConnectionPool | None = None
_lock = threading.Lock()


def get_pool() -> ConnectionPool:
    """The process's connection pool, opened on first use."""
    global _pool
    if _pool is None:
        with _lock:
            if _pool is None:
                from codetime.clients import database_url
                from codetime.config import get_settings

                size = get_settings().db_pool_size
                _pool = ConnectionPool(
                    database_url(), min_size=1, max_size=size, open=True, timeout=10,
                    kwargs={"autocommit": True}, name="codetime",
                )  # fmt: skip
    return _pool


def close_pool() -> None:
    global _pool
    with _lock:
        if _pool is not None:
            _pool.close()
            _pool = None
