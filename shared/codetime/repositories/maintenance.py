"""Maintenance statements: retention deletes, TimescaleDB chunk management, and the aggregate audit's sample."""

from __future__ import annotations

import uuid
from datetime import date, datetime

import psycopg

# Keyed on the unique index, so it is correct on a hypertable too (ctids repeat across chunks).
_DELETE_BATCH = """
DELETE FROM heartbeats h
USING (SELECT user_id, time, content_hash FROM heartbeats WHERE time < %s LIMIT %s) old
WHERE h.user_id = old.user_id AND h.time = old.time AND h.content_hash = old.content_hash
"""

# Days whose aggregates were computed with the user's current timezone and timeout; the others are stale by
# design until the recompute job handles them.
_SAMPLE = """
SELECT a.user_id, a.day, a.timezone, a.timeout_seconds
FROM daily_activity a JOIN users u ON u.id = a.user_id
WHERE a.day >= %s AND a.timezone = coalesce(u.timezone, 'UTC') AND a.timeout_seconds = u.timeout_seconds
ORDER BY random()
LIMIT %s
"""


class MaintenanceRepository:
    def __init__(self, conn: psycopg.Connection) -> None:
        self.conn = conn

    def has_timescale(self) -> bool:
        return self.conn.execute("SELECT 1 FROM pg_extension WHERE extname = 'timescaledb'").fetchone() is not None

    def timescale_license(self) -> str | None:
        """`timescale` (community license: compression available), `apache`, or None without TimescaleDB."""
        if not self.has_timescale():
            return None
        return self.conn.execute("SELECT current_setting('timescaledb.license', true)").fetchone()[0]

    def heartbeats_is_hypertable(self) -> bool:
        if not self.has_timescale():
            return False
        found = self.conn.execute(
            "SELECT 1 FROM timescaledb_information.hypertables WHERE hypertable_name = 'heartbeats'"
        ).fetchone()
        return found is not None

    def drop_heartbeat_chunks(self, older_than: datetime) -> int:
        """Drop whole chunks entirely before `older_than`; how many."""
        return len(self.conn.execute("SELECT drop_chunks('heartbeats', older_than => %s)", (older_than,)).fetchall())

    def delete_heartbeats_before(self, cutoff: datetime, limit: int) -> int:
        """Delete at most `limit` heartbeats before `cutoff`; how many."""
        return self.conn.execute(_DELETE_BATCH, (cutoff, limit)).rowcount

    def compression_enabled(self) -> bool:
        found = self.conn.execute(
            "SELECT compression_enabled FROM timescaledb_information.hypertables WHERE hypertable_name = 'heartbeats'"
        ).fetchone()
        return bool(found and found[0])

    def enable_compression(self) -> None:
        # The unique index (user_id, time, content_hash) must be covered by segmentby + orderby.
        self.conn.execute(
            "ALTER TABLE heartbeats SET (timescaledb.compress, timescaledb.compress_segmentby = 'user_id', "
            "timescaledb.compress_orderby = 'time, content_hash')"
        )

    def heartbeat_chunks_before(self, older_than: datetime) -> list[str]:
        rows = self.conn.execute("SELECT c::text FROM show_chunks('heartbeats', older_than => %s) c", (older_than,))
        return [chunk for (chunk,) in rows.fetchall()]

    def compress_chunk(self, chunk: str) -> None:
        self.conn.execute("SELECT compress_chunk(%s::regclass, if_not_compressed => true)", (chunk,))

    def audit_sample(self, since: date, limit: int) -> list[tuple[uuid.UUID, date, str, int]]:
        """A random sample of (user, day, timezone, timeout) computed with the user's current settings."""
        return self.conn.execute(_SAMPLE, (since, limit)).fetchall()

    def stored_day_seconds(self, user_id: uuid.UUID, day: date) -> float | None:
        """The day's total in its stored summary, None when there is none."""
        row = self.conn.execute(
            "SELECT seconds FROM daily_summaries WHERE user_id = %s AND day = %s", (user_id, day)
        ).fetchone()
        return row[0] if row else None
