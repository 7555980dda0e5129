"""The local runtime every command runs in: its data dir, its database (DATABASE_URL, else the embedded PostgreSQL
of this checkout), migrations applied and clients reset; stopped again however the command ends."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from codetime.local.embedded_pg import EmbeddedPostgres


@dataclass(frozen=True)
class Runtime:
    data_dir: Path
    embedded: EmbeddedPostgres | None  # None: the database is DATABASE_URL's (or DATABASE_SECRET_ARN's)


def find_data_dir() -> Path:
    """CODETIME_DATA_DIR, else `.codetime` at the root of the checkout we are in (so every command of the same
    checkout shares one database and pepper), else in the current directory."""
    if os.environ.get("CODETIME_DATA_DIR"):
        return Path(os.environ["CODETIME_DATA_DIR"]).resolve()
    here = Path.cwd().resolve()
    for folder in (here, *here.parents):
        project = folder / "pyproject.toml"
        if project.exists() and 'name = "codetime"' in project.read_text(encoding="utf-8", errors="ignore"):
            return folder / ".codetime"
    return here / ".codetime"


def migrate() -> list[str]:
    import psycopg

    from codetime.clients import database_url
    from codetime.db.migrate import migrate as apply_migrations

    mode = os.environ.get("CODETIME_TIMESCALE", "auto").lower()
    timescale = {"auto": None, "on": True, "required": True, "off": False}.get(mode)
    with psycopg.connect(database_url()) as conn:
        return apply_migrations(conn, timescale=timescale)


@contextlib.contextmanager
def local_runtime(*, supervise: bool = False) -> Iterator[Runtime]:
    """Point the process at its database (starting the embedded PostgreSQL if needed; `supervise` restarts it
    whenever it exits) and migrate it; on the way out, whatever happened, close the pool and stop the server."""
    from codetime.db import close_pool
    from codetime.lifecycle import reset_clients

    data_dir = find_data_dir()
    os.environ["CODETIME_DATA_DIR"] = str(data_dir)
    embedded = None
    if not os.environ.get("DATABASE_URL") and not os.environ.get("DATABASE_SECRET_ARN"):
        from codetime.local.embedded_pg import EmbeddedPostgres

        embedded = EmbeddedPostgres(data_dir / "pgdata")
        os.environ["DATABASE_URL"] = embedded.start()
    try:
        reset_clients()
        migrate()
        if embedded and supervise:
            embedded.supervise()
        yield Runtime(data_dir, embedded)
    finally:
        close_pool()
        if embedded:
            embedded.stop()
