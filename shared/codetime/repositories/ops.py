"""Operational reads and writes: the local queue's dead letters, the writer's last success, all-time totals."""

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

    def local_queue_stats(self) -> dict[str, Any]:
        row = self.conn.execute(
            "SELECT count(*) FILTER (WHERE NOT dead AND visible_at <= now()), "
            "count(*) FILTER (WHERE NOT dead AND visible_at > now()), "
            "extract(epoch FROM now() - min(sent_at) FILTER (WHERE NOT dead))::float8, "
            "count(*) FILTER (WHERE dead) FROM local_queue"
        ).fetchone()
        return {"depth": row[0], "in_flight": row[1], "oldest_age_seconds": row[2], "dlq_depth": row[3]}

    def local_dead_letters(self, limit: int) -> list[tuple[int, datetime, int, str]]:
        return self.conn.execute(
            "SELECT id, sent_at, receive_count, body FROM local_queue WHERE dead ORDER BY id LIMIT %s", (limit,)
        ).fetchall()

    def replay_local_dead_letters(self, limit: int) -> int:
        """Put dead rows back in the queue as new deliveries (the worker picks them up at once)."""
        return self.conn.execute(
            "UPDATE local_queue SET dead = false, receive_count = 0, visible_at = now() "
            "WHERE id IN (SELECT id FROM local_queue WHERE dead ORDER BY id LIMIT %s FOR UPDATE SKIP LOCKED)",
            (limit,),
        ).rowcount

    def all_time_seconds(self, user_id: uuid.UUID) -> float:
        return self.conn.execute(
            "SELECT coalesce(sum(seconds), 0) FROM daily_activity WHERE user_id = %s", (user_id,)
        ).fetchone()[0]
