"""Report settings, stored reports and the delivery ledger."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import psycopg
from psycopg.rows import class_row
from psycopg.types.json import Jsonb


@dataclass(slots=True)
class ReportSettings:
    daily: bool = False
    weekly: bool = True
    hour: int = 9
    weekday: int = 0
    email: bool = True
    webhooks: list[dict[str, str]] | None = None


@dataclass(slots=True)
class ScheduleRow:
    """A user as the report tick sees them: timezone, e-mail and settings (defaults when they have none)."""

    user_id: uuid.UUID
    username: str
    display_name: str | None
    email: str | None
    timezone: str
    daily: bool
    weekly: bool
    hour: int
    weekday: int
    send_email: bool
    webhooks: list[dict[str, str]]


@dataclass(slots=True)
class StoredReport:
    id: uuid.UUID
    user_id: uuid.UUID
    cadence: str
    period_start: date
    period_end: date
    timezone: str
    body: dict[str, Any]
    created_at: datetime


@dataclass(slots=True)
class Delivery:
    report_id: uuid.UUID
    user_id: uuid.UUID
    channel: str
    kind: str
    target: str
    attempts: int


@dataclass(slots=True)
class DeliveryStatus:
    channel: str
    kind: str
    status: str
    attempts: int
    last_error: str | None
    delivered_at: datetime | None


_DEFAULTS = ReportSettings()
_SCHEDULE = f"""
SELECT u.id, u.username, u.display_name, u.email, coalesce(u.timezone, 'UTC'),
       coalesce(s.daily, {_DEFAULTS.daily}), coalesce(s.weekly, {_DEFAULTS.weekly}),
       coalesce(s.hour, {_DEFAULTS.hour}), coalesce(s.weekday, {_DEFAULTS.weekday}),
       coalesce(s.email, {_DEFAULTS.email}), coalesce(s.webhooks, '[]'::jsonb)
FROM users u LEFT JOIN report_settings s ON s.user_id = u.id
WHERE u.id > %s
ORDER BY u.id
LIMIT %s
"""

# Claim due deliveries: concurrent ticks skip each other's rows; an expired claim (a crashed run) is claimable
# again. Each claim counts as an attempt; a row whose attempts are spent is never claimed again.
_CLAIM = """
UPDATE report_deliveries d
SET status = 'sending', attempts = d.attempts + 1, claimed_until = now() + make_interval(secs => %(lease)s)
WHERE (d.report_id, d.channel) IN (
    SELECT report_id, channel FROM report_deliveries
    WHERE next_attempt_at <= %(due_by)s AND attempts < %(max_attempts)s
      AND (status = 'pending' OR (status = 'sending' AND claimed_until < now()))
    ORDER BY next_attempt_at
    LIMIT %(limit)s
    FOR UPDATE SKIP LOCKED
)
RETURNING d.report_id, d.user_id, d.channel, d.kind, d.target, d.attempts
"""


class ReportRepository:
    def __init__(self, conn: psycopg.Connection) -> None:
        self.conn = conn

    # --- settings ---------------------------------------------------------------------------------------------

    def settings(self, user_id: uuid.UUID) -> ReportSettings:
        row = self.conn.execute(
            "SELECT daily, weekly, hour, weekday, email, webhooks FROM report_settings WHERE user_id = %s",
            (user_id,),
        ).fetchone()
        return ReportSettings(*row) if row else ReportSettings(webhooks=[])

    def save_settings(self, user_id: uuid.UUID, s: ReportSettings) -> None:
        self.conn.execute(
            "INSERT INTO report_settings (user_id, daily, weekly, hour, weekday, email, webhooks) "
            "VALUES (%s, %s, %s, %s, %s, %s, %s) ON CONFLICT (user_id) DO UPDATE SET daily = excluded.daily, "
            "weekly = excluded.weekly, hour = excluded.hour, weekday = excluded.weekday, email = excluded.email, "
            "webhooks = excluded.webhooks, updated_at = now()",
            (user_id, s.daily, s.weekly, s.hour, s.weekday, s.email, Jsonb(s.webhooks or [])),
        )

    def schedule(self, page_size: int = 500) -> Iterator[ScheduleRow]:
        """Every user with their report settings, in pages (keyset on id)."""
        after = uuid.UUID(int=0)
        while True:
            rows = self.conn.execute(_SCHEDULE, (after, page_size)).fetchall()
            for row in rows:
                yield ScheduleRow(*row)
            if len(rows) < page_size:
                return
            after = rows[-1][0]

    # --- reports ----------------------------------------------------------------------------------------------

    def exists(self, user_id: uuid.UUID, cadence: str, start: date) -> bool:
        return (
            self.conn.execute(
                "SELECT 1 FROM reports WHERE user_id = %s AND cadence = %s AND period_start = %s",
                (user_id, cadence, start),
            ).fetchone()
            is not None
        )

    def create(
        self, user_id: uuid.UUID, cadence: str, start: date, end: date, tz: str, body: dict[str, Any],
        channels: list[tuple[str, str, str]],
    ) -> uuid.UUID | None:  # fmt: skip
        """Store a report and its pending deliveries ((channel, kind, target) each) in one transaction; None
        when this (user, cadence, period) already has one (another tick or a retry got there first)."""
        with self.conn.transaction():
            row = self.conn.execute(
                "INSERT INTO reports (id, user_id, cadence, period_start, period_end, timezone, body) "
                "VALUES (%s, %s, %s, %s, %s, %s, %s) ON CONFLICT (user_id, cadence, period_start) DO NOTHING "
                "RETURNING id",
                (uuid.uuid4(), user_id, cadence, start, end, tz, Jsonb(body)),
            ).fetchone()
            if row is None:
                return None
            with self.conn.cursor() as cur:
                cur.executemany(
                    "INSERT INTO report_deliveries (report_id, user_id, channel, kind, target) "
                    "VALUES (%s, %s, %s, %s, %s) ON CONFLICT DO NOTHING",
                    [(row[0], user_id, *channel) for channel in channels],
                )
            return row[0]

    def recent(self, user_id: uuid.UUID, limit: int, before: datetime | None = None) -> list[StoredReport]:
        with self.conn.cursor(row_factory=class_row(StoredReport)) as cur:
            return cur.execute(
                "SELECT id, user_id, cadence, period_start, period_end, timezone, body, created_at FROM reports "
                "WHERE user_id = %s AND (%s::timestamptz IS NULL OR created_at < %s) "
                "ORDER BY created_at DESC, id LIMIT %s",
                (user_id, before, before, limit),
            ).fetchall()

    def get(self, user_id: uuid.UUID, report_id: uuid.UUID) -> StoredReport | None:
        with self.conn.cursor(row_factory=class_row(StoredReport)) as cur:
            return cur.execute(
                "SELECT id, user_id, cadence, period_start, period_end, timezone, body, created_at FROM reports "
                "WHERE user_id = %s AND id = %s",
                (user_id, report_id),
            ).fetchone()

    def delivery_statuses(self, report_ids: list[uuid.UUID]) -> dict[uuid.UUID, list[DeliveryStatus]]:
        found: dict[uuid.UUID, list[DeliveryStatus]] = {}
        for report_id, *rest in self.conn.execute(
            "SELECT report_id, channel, kind, status, attempts, last_error, delivered_at FROM report_deliveries "
            "WHERE report_id = ANY(%s) ORDER BY channel",
            (report_ids,),
        ):
            found.setdefault(report_id, []).append(DeliveryStatus(*rest))
        return found

    # --- the ledger -------------------------------------------------------------------------------------------

    def now(self) -> datetime:
        return self.conn.execute("SELECT now()").fetchone()[0]

    def claim(
        self, limit: int, lease_seconds: int, due_by: datetime | None = None, max_attempts: int = 2**31 - 1
    ) -> list[Delivery]:
        """Claim up to `limit` deliveries due by `due_by` (default: now) with attempts left."""
        params = {"limit": limit, "lease": lease_seconds, "due_by": due_by or self.now(), "max_attempts": max_attempts}
        rows = self.conn.execute(_CLAIM, params).fetchall()
        return [Delivery(*row) for row in rows]

    def give_up_spent(self, max_attempts: int) -> int:
        """Record as failed the deliveries whose last attempt is spent but never recorded (the process died while
        sending, the lease expired) or that wait with no attempt left (the limit was lowered)."""
        return self.conn.execute(
            "UPDATE report_deliveries SET status = 'failed', claimed_until = NULL, "
            "last_error = coalesce(last_error, 'no result recorded for the last attempt') "
            "WHERE attempts >= %s AND (status = 'pending' OR (status = 'sending' AND claimed_until < now()))",
            (max_attempts,),
        ).rowcount

    def delivered(self, d: Delivery) -> None:
        self.conn.execute(
            "UPDATE report_deliveries SET status = 'delivered', delivered_at = now(), claimed_until = NULL, "
            "last_error = NULL WHERE report_id = %s AND channel = %s",
            (d.report_id, d.channel),
        )

    def failed(self, d: Delivery, error: str, *, final: bool, retry_after_seconds: int) -> None:
        self.conn.execute(
            "UPDATE report_deliveries SET status = %s, last_error = %s, claimed_until = NULL, "
            "next_attempt_at = now() + make_interval(secs => %s) WHERE report_id = %s AND channel = %s",
            ("failed" if final else "pending", error[:500], retry_after_seconds, d.report_id, d.channel),
        )

    def body(self, report_id: uuid.UUID) -> dict[str, Any]:
        return self.conn.execute("SELECT body FROM reports WHERE id = %s", (report_id,)).fetchone()[0]
