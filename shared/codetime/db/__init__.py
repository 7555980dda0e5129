"""Connection pool for the whole process."""

from __future__ import annotations

import contextlib
import threading
import weakref
from collections.abc import Iterator
from contextvars import ContextVar

from psycopg import Connection
from psycopg_pool import ConnectionPool

_pool: ConnectionPool | None = None
_lock = threading.Lock()

# The statement_timeout (ms) wanted by the code running in this context: the API sets one for the duration of a
# request; None (the writer, jobs, maintenance, the CLI) means the session's own default.
_wanted_timeout: ContextVar[int | None] = ContextVar("codetime_statement_timeout", default=None)
# What each pooled connection currently has, so a checkout costs a round trip only when the wish changes (in AWS
# every Lambda is either API or not: one SET per connection; `codetime dev` shares one pool between both).
_applied_timeout: weakref.WeakKeyDictionary[Connection, int] = weakref.WeakKeyDictionary()


@contextlib.contextmanager
def statement_timeout(milliseconds: int | None) -> Iterator[None]:
    """Every connection taken from the pool inside this block cancels a statement after `milliseconds` (None or
    0: no bound beyond the session's default)."""
    token = _wanted_timeout.set(milliseconds or None)
    try:
        yield
    finally:
        _wanted_timeout.reset(token)


def _apply_statement_timeout(conn: Connection) -> None:
    # The pool's `check` callback, run on every checkout; an error here makes the pool discard the connection.
    wanted = _wanted_timeout.get()
    if _applied_timeout.get(conn) == wanted:
        return
    if wanted is None:
        conn.execute("RESET statement_timeout")
        _applied_timeout.pop(conn, None)
    else:
        conn.execute("SELECT set_config('statement_timeout', %s, false)", (f"{int(wanted)}ms",))
        _applied_timeout[conn] = wanted


def get_pool() -> ConnectionPool:
    """The process's connection pool, opened on first use."""
    global _pool
    if _pool is None:
        with _lock:
            if _pool is None:
                from codetime.clients import database_url
                from codetime.config import get_settings

                settings = get_settings()
                _pool = ConnectionPool(
                    database_url(), min_size=1, max_size=settings.db_pool_size, open=True,
                    timeout=settings.db_pool_timeout_seconds, kwargs={"autocommit": True},
                    check=_apply_statement_timeout, name="codetime",
                )  # fmt: skip
    return _pool


def close_pool() -> None:
    global _pool
    with _lock:
        if _pool is not None:
            _pool.close()
            _pool = None
