"""Background recompute jobs: one row per job, progress saved per slice of days."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime

import psycopg
from psycopg.rows import class_row

_COLUMNS = "id, user_id, kind, reason, status, first_day, last_day, next_day, attempts, created_at, updated_at"
OPEN = ("pending", "running")


@dataclass(slots=True)
class Job:
    id: uuid.UUID
    user_id: uuid.UUID
    kind: str
    reason: str | None
    status: str
    first_day: date | None
    last_day: date | None
    next_day: date | None
    attempts: int
    created_at: datetime
    updated_at: datetime


@dataclass(slots=True)
class JobListing(Job):
    """A job as the administrators' list shows it: whose, what, how far (a job plus these)."""

    username: str
    error: str | None
    finished_at: datetime | None


class JobRepository:
    def __init__(self, conn: psycopg.Connection) -> None:
        self.conn = conn

    def create(self, user_id: uuid.UUID, kind: str, reason: str) -> Job:
        """A new job; open jobs of the same kind for the user are superseded (the new one redoes their work)."""
        self.conn.execute(
            "UPDATE jobs SET status = 'superseded', updated_at = now(), finished_at = now() "
            "WHERE user_id = %s AND kind = %s AND status IN ('pending', 'running')",
            (user_id, kind),
        )
        with self.conn.cursor(row_factory=class_row(Job)) as cur:
            return cur.execute(  # type: ignore[return-value]
                f"INSERT INTO jobs (id, user_id, kind, reason) VALUES (%s, %s, %s, %s) RETURNING {_COLUMNS}",
                (uuid.uuid4(), user_id, kind, reason),
            ).fetchone()

    def has_open(self, user_id: uuid.UUID) -> bool:
        return (
            self.conn.execute(
                "SELECT 1 FROM jobs WHERE user_id = %s AND status IN ('pending', 'running') LIMIT 1", (user_id,)
            ).fetchone()
            is not None
        )

    def claim(self, job_id: uuid.UUID) -> Job | None:
        """Lock an open job for this transaction; None when it is finished or another worker holds it."""
        with self.conn.cursor(row_factory=class_row(Job)) as cur:
            return cur.execute(
                f"SELECT {_COLUMNS} FROM jobs WHERE id = %s AND status IN ('pending', 'running') "
                "FOR UPDATE SKIP LOCKED",
                (job_id,),
            ).fetchone()

    def save(
        self, job_id: uuid.UUID, *, status: str, first_day: date | None, last_day: date | None, next_day: date | None
    ) -> None:
        self.conn.execute(
            "UPDATE jobs SET status = %s, first_day = %s, last_day = %s, next_day = %s, updated_at = now(), "
            "attempts = attempts + CASE WHEN status = 'pending' THEN 1 ELSE 0 END, "
            "finished_at = CASE WHEN %s = 'done' THEN now() END WHERE id = %s",
            (status, first_day, last_day, next_day, status, job_id),
        )

    def open_jobs(self, limit: int) -> list[uuid.UUID]:
        """Open jobs, least recently advanced first."""
        return [
            row[0]
            for row in self.conn.execute(
                "SELECT id FROM jobs WHERE status IN ('pending', 'running') ORDER BY updated_at LIMIT %s", (limit,)
            )
        ]

    def get(self, job_id: uuid.UUID) -> Job | None:
        with self.conn.cursor(row_factory=class_row(Job)) as cur:
            return cur.execute(f"SELECT {_COLUMNS} FROM jobs WHERE id = %s", (job_id,)).fetchone()

    def listing(self, statuses: tuple[str, ...] | None, limit: int, offset: int) -> tuple[list[JobListing], int]:
        """One page of jobs (of `statuses`, or all), newest first, and how many there are in all."""
        where = "WHERE j.status = ANY(%(statuses)s)" if statuses else ""
        args = {"statuses": list(statuses or ()), "limit": limit, "offset": offset}
        total = self.conn.execute(f"SELECT count(*) FROM jobs j {where}", args).fetchone()[0]  # type: ignore[index]
        with self.conn.cursor(row_factory=class_row(JobListing)) as cur:
            rows = cur.execute(
                "SELECT j.id, j.user_id, u.username, j.kind, j.reason, j.status, j.first_day, j.last_day, "
                "j.next_day, j.attempts, j.error, j.created_at, j.updated_at, j.finished_at "
                f"FROM jobs j JOIN users u ON u.id = j.user_id {where} "
                "ORDER BY j.created_at DESC, j.id LIMIT %(limit)s OFFSET %(offset)s",
                args,
            ).fetchall()
        return rows, int(total)
