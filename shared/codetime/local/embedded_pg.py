"""An embedded PostgreSQL (the `pgserver` wheel) for `codetime dev`: no system packages, data kept on disk."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import psycopg

DATABASE = "codetime"


class EmbeddedPostgres:
    """PostgreSQL with its data in `data_dir`, on a unix socket.

    pgserver counts handles across processes, so a CLI command run while `codetime dev` is up attaches to the same
    server, and `stop()` shuts it down only when the last handle goes."""

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir
        self._server: Any = None

    def start(self) -> str:
        """Start (or attach to) the server; returns a DSN for the `codetime` database."""
        import pgserver

        self.data_dir.mkdir(parents=True, exist_ok=True)
        self._server = pgserver.get_server(self.data_dir, cleanup_mode="stop")
        with psycopg.connect(self._server.get_uri(), autocommit=True) as conn:
            if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (DATABASE,)).fetchone() is None:
                conn.execute(f"CREATE DATABASE {DATABASE}")
        return self._server.get_uri(DATABASE)

    def stop(self) -> None:
        if self._server is not None:
            self._server.cleanup()
            self._server = None
