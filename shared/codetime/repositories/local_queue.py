"""The local runtime's queue table (`local_queue`): what SQS is in AWS, with its visibility timeout, receive counts
and dead-letter flag. Every statement on that table is here."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import psycopg

# One statement, so two workers (or a worker and a restarted one) never claim the same row.
_CLAIM = """
UPDATE local_queue SET receive_count = receive_count + 1, visible_at = now() + make_interval(secs => %s)
WHERE id IN (
    SELECT id FROM local_queue WHERE NOT dead AND visible_at <= now() ORDER BY id LIMIT %s FOR UPDATE SKIP LOCKED
)
RETURNING id, body, receive_count, (extract(epoch FROM sent_at) * 1000)::bigint
"""


class LocalQueueRepository:
    def __init__(self, conn: psycopg.Connection) -> None:
        self.conn = conn

    def send(self, bodies: Sequence[str]) -> None:
        with self.conn.cursor() as cur:
            cur.executemany("INSERT INTO local_queue (body) VALUES (%s)", [(b,) for b in bodies])

    def claim(self, visibility_seconds: float, limit: int) -> list[tuple[int, str, int, int]]:
        """Up to `limit` visible messages, hidden for `visibility_seconds`: (id, body, receive count, sent ms)."""
        return sorted(self.conn.execute(_CLAIM, (visibility_seconds, limit)).fetchall())

    def delete(self, ids: Sequence[int]) -> None:
        self.conn.execute("DELETE FROM local_queue WHERE id = ANY(%s)", (list(ids),))

    def mark_dead(self, ids: Sequence[int]) -> None:
        self.conn.execute("UPDATE local_queue SET dead = true WHERE id = ANY(%s)", (list(ids),))

    def retry_in(self, message_id: int, seconds: float) -> None:
        self.conn.execute(
            "UPDATE local_queue SET visible_at = now() + make_interval(secs => %s) WHERE id = %s", (seconds, message_id)
        )

    def stats(self) -> dict[str, Any]:
        row = self.conn.execute(
            "SELECT count(*) FILTER (WHERE NOT dead AND visible_at <= now()), "
            "count(*) FILTER (WHERE NOT dead AND visible_at > now()), "
            "extract(epoch FROM now() - min(sent_at) FILTER (WHERE NOT dead))::float8, "
            "count(*) FILTER (WHERE dead) FROM local_queue"
        ).fetchone()
        return {"depth": row[0], "in_flight": row[1], "oldest_age_seconds": row[2], "dlq_depth": row[3]}

    def dead_letters(self, limit: int) -> list[tuple[int, datetime, int, str]]:
        return self.conn.execute(
            "SELECT id, sent_at, receive_count, body FROM local_queue WHERE dead ORDER BY id LIMIT %s", (limit,)
        ).fetchall()

    def replay_dead_letters(self, limit: int) -> int:
        """Put dead rows back in the queue as new deliveries (the worker picks them up at once)."""
        return self.conn.execute(
            "UPDATE local_queue SET dead = false, receive_count = 0, visible_at = now() "
            "WHERE id IN (SELECT id FROM local_queue WHERE dead ORDER BY id LIMIT %s FOR UPDATE SKIP LOCKED)",
            (limit,),
        ).rowcount
