"""Versioned, idempotent SQL migrations shipped inside the package."""

from __future__ import annotations

import contextlib
from importlib import resources

import psycopg

from codetime.logs import logger

# Any constant works; it only has to be the same for every process running migrations.
_MIGRATION_LOCK_ID = 7_164_502_113


def _migration_files() -> list[tuple[str, str]]:
    folder = resources.files("codetime.db") / "migrations"
    files = sorted(p for p in folder.iterdir() if p.name.endswith(".sql"))
    return [(p.name.removesuffix(".sql"), p.read_text(encoding="utf-8")) for p in files]


def migrate(conn: psycopg.Connection, *, timescale: bool | None = None) -> list[str]:
    """Apply pending migrations; return the versions applied.

    `timescale=None` creates the TimescaleDB extension when the server has it preloaded, True requires it,
    False leaves plain PostgreSQL.
    """
    conn.autocommit = False
    applied: list[str] = []
    with conn.transaction():
        conn.execute("SELECT pg_advisory_xact_lock(%s)", (_MIGRATION_LOCK_ID,))
        if timescale is not False:
            _ensure_timescale(conn, required=bool(timescale))
        conn.execute(
            "CREATE TABLE IF NOT EXISTS schema_migrations ("
            " version text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())"
        )
        done = {row[0] for row in conn.execute("SELECT version FROM schema_migrations")}
        for version, sql in _migration_files():
            if version in done:
                continue
            conn.execute(sql)
            conn.execute("INSERT INTO schema_migrations (version) VALUES (%s)", (version,))
            applied.append(version)
    if applied:
        logger.info("migrations applied", extra={"versions": applied})
    return applied


def _ensure_timescale(conn: psycopg.Connection, *, required: bool) -> None:
    preloaded = conn.execute("SELECT current_setting('shared_preload_libraries', true)").fetchone()
    available = conn.execute("SELECT 1 FROM pg_available_extensions WHERE name = 'timescaledb'").fetchone()
    if available and preloaded and "timescaledb" in (preloaded[0] or ""):
        conn.execute("CREATE EXTENSION IF NOT EXISTS timescaledb")
    elif required:
        raise RuntimeError("TimescaleDB was required but is not installed and preloaded on this server")


def ensure_database(admin_uri: str, name: str) -> None:
    """Create database `name` (a fixed identifier, never user input) on the server at `admin_uri` if it is missing."""
    with psycopg.connect(admin_uri, autocommit=True) as conn:
        if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone() is None:
            # Two processes starting together may both get here; the loser's error is harmless.
            with contextlib.suppress(psycopg.errors.DuplicateDatabase):
                conn.execute(f"CREATE DATABASE {name}")


def has_timescale(conn: psycopg.Connection) -> bool:
    """Whether the connected database has the TimescaleDB extension."""
    return conn.execute("SELECT 1 FROM pg_extension WHERE extname = 'timescaledb'").fetchone() is not None
