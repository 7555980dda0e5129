"""Operational reads and writes: the writer's last success, all-time totals."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import psycopg
from psycopg.types.json import Jsonb


class OpsRepository:
    def __init__(self, conn: psycopg.Connection) -> None:
        self.conn = conn

    def mark(self, name: str, detail: dict[str, Any] | None = None) -> None:
        self.conn.execute(
            "INSERT INTO ops_status (name, at, detail) VALUES (%s, now(), %s) "
            "ON CONFLICT (name) DO UPDATE SET at = excluded.at, detail = excluded.detail",
            (name, Jsonb(detail) if detail is not None else None),
        )

    def last(self, name: str) -> tuple[datetime, dict[str, Any] | None] | None:
        row = self.conn.execute("SELECT at, detail FROM ops_status WHERE name = %s", (name,)).fetchone()
        return (row[0], row[1]) if row else None

    def all_time_seconds(self, user_id: uuid.UUID) -> float:
        return self.conn.execute(
            "SELECT coalesce(sum(seconds), 0) FROM daily_activity WHERE user_id = %s", (user_id,)
        ).fetchone()[0]
