"""Background recomputes of a user's aggregates after a timezone, timeout or rule change.

A change writes a `jobs` row in the same transaction as the change and sends a job message on the heartbeat queue;
the writer (or `run_pending`, for jobs whose message was lost or whose worker died) recomputes the user's days from
raw heartbeats in slices of days, saving a resume point after each, so an interrupted job continues where it stopped
and recomputing a day twice changes nothing. Until a user's jobs are done `aggregation.is_current` is False and reads
compute from raw heartbeats with the current settings and rules (services/summaries.py), so answers stay correct.
"""

from __future__ import annotations

import time
import uuid
from datetime import timedelta

import psycopg

from codetime.config import get_settings
from codetime.db import get_pool
from codetime.logs import logger
from codetime.queue import QueueUnavailable, get_queue
from codetime.queue_messages import encode_job_message
from codetime.repositories.aggregates import AggregateRepository
from codetime.repositories.jobs import JobRepository
from codetime.repositories.users import UserRepository
from codetime.services import aggregation

RECOMPUTE = "recompute"


def create_recompute(conn: psycopg.Connection, user_id: uuid.UUID, reason: str) -> uuid.UUID:
    """Record a recompute job inside the caller's transaction (send it with `notify` after the commit)."""
    return JobRepository(conn).create(user_id, RECOMPUTE, reason).id


def notify(job_id: uuid.UUID) -> None:
    """Queue the job's message; if the queue is down the job stays pending and `run_pending` completes it."""
    try:
        get_queue().send([encode_job_message(job_id)])
    except QueueUnavailable:
        logger.warning("job message not queued; left for run_pending", extra={"job_id": str(job_id)})


def has_open(user_id: uuid.UUID) -> bool:
    """Whether a recompute job of the user is pending or running."""
    with get_pool().connection() as conn:
        return JobRepository(conn).has_open(user_id)


def run_slice(job_id: uuid.UUID) -> bool | None:
    """Recompute the job's next slice of days in one transaction. True when the job is finished, False when more
    remains, None when another worker holds it or it is no longer open."""
    slice_days = get_settings().job_slice_days
    with get_pool().connection() as conn, conn.transaction():
        jobs = JobRepository(conn)
        job = jobs.claim(job_id)
        if job is None:
            return None
        aggregation.lock_user(conn, job.user_id)  # the writer's lock: no heartbeat batch of this user interleaves
        found = UserRepository(conn).time_settings([job.user_id]).get(job.user_id)
        if found is None:
            return None  # the user was deleted (the job row goes with it)
        tz, _ = found  # always the current settings: a later change supersedes this job anyway
        first, last, next_day = job.first_day, job.last_day, job.next_day
        if first is None:
            bounds = AggregateRepository(conn).recompute_bounds(job.user_id, tz)
            if bounds is None:
                jobs.save(job_id, status="done", first_day=None, last_day=None, next_day=None)
                return True
            first, last = bounds
            next_day = first
        assert last is not None and next_day is not None
        end = min(next_day + timedelta(days=slice_days - 1), last)
        aggregation.recompute(
            conn, {job.user_id: [next_day + timedelta(days=i) for i in range((end - next_day).days + 1)]}
        )
        done = end >= last
        jobs.save(job_id, status="done" if done else "running", first_day=first, last_day=last,
                  next_day=None if done else end + timedelta(days=1))  # fmt: skip
        user_id = job.user_id
    aggregation.changed([user_id])
    return done


def run_job(job_id: uuid.UUID, budget_seconds: float | None = None) -> bool:
    """Run slices until the job is finished (True) or the time budget is spent (False: continue later)."""
    budget = get_settings().job_budget_seconds if budget_seconds is None else budget_seconds
    deadline = time.monotonic() + budget
    while True:
        outcome = run_slice(job_id)
        if outcome is None or outcome:
            return True
        if time.monotonic() >= deadline:
            return False


def run_pending(limit: int = 10, budget_seconds: float | None = None) -> int:
    """Advance up to `limit` open jobs, oldest progress first (for the maintenance schedule: lost messages,
    interrupted workers). Returns how many are finished."""
    with get_pool().connection() as conn:
        job_ids = JobRepository(conn).open_jobs(limit)
    return sum(run_job(job_id, budget_seconds) for job_id in job_ids)
