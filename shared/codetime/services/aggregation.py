"""The read model's write side: every (user, local day) aggregate is recomputed here, and only here.

Heartbeat batches (services/writer.py), background recomputes (services/jobs.py) and account clears
(services/accounts.py) all come through `recompute`: lock the user (a fixed order when several), load the
timezone and keystroke timeout through one repository method, replace the days' aggregates with a fresh computation
from raw heartbeats, store each day's summary, and, once the caller's transaction has committed, invalidate the
user's cached reads. Recomputing never increments, so redelivery, late heartbeats and repeated jobs cannot
double-count.
"""

from __future__ import annotations

import json
import uuid
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from datetime import date

import psycopg

from codetime.domain.summaries import TotalsRow, build_day, day_seconds
from codetime.repositories.aggregates import AggregateRepository
from codetime.repositories.users import UserRepository
from codetime.services.cache_keys import invalidate_user_summaries


def recompute(conn: psycopg.Connection, days: Mapping[uuid.UUID, Iterable[date]], *, lock: str | None = None) -> set:
    """Recompute these users' local days inside the caller's transaction; returns the users that still exist.

    Users are locked in a fixed order (concurrent writers stay deadlock-free) with the writer's advisory lock, so no
    other recompute of the same user interleaves; `lock` also locks their `users` rows (see
    UserRepository.time_settings). Settings are read after the lock: always the current ones."""
    wanted = {user_id: sorted(set(user_days)) for user_id, user_days in days.items()}
    aggregates = AggregateRepository(conn)
    for user_id in sorted(wanted):
        aggregates.lock_user(user_id)
    settings = UserRepository(conn).time_settings(list(wanted), lock=lock)
    for user_id in sorted(settings):
        if wanted[user_id]:
            tz, timeout = settings[user_id]
            refresh_days(aggregates, user_id, tz, timeout, wanted[user_id])
    return set(settings)


def refresh_days(
    aggregates: AggregateRepository, user_id: uuid.UUID, tz: str, timeout: int, days: Sequence[date]
) -> None:
    """Recompute these days' aggregates from raw heartbeats and store their summary JSON (caller holds the lock)."""
    aggregates.recompute_days(user_id, tz, timeout, days)
    first, last = min(days), max(days)
    wanted = set(days)
    rows: dict[date, list[TotalsRow]] = defaultdict(list)
    for row in aggregates.totals(user_id, first, last):
        if row.day in wanted:
            rows[row.day].append(row)
    dependencies: dict[date, dict[str, float]] = defaultdict(dict)
    for day, name, seconds in aggregates.dependency_totals(user_id, first, last):
        dependencies[day][name] = seconds
    stored = []
    for day in sorted(rows):
        body = json.dumps(build_day(day, tz, rows[day], dependencies[day]), separators=(",", ":"))
        stored.append((day, body, *day_seconds(rows[day])))
    aggregates.store_summaries(user_id, stored)


def lock_user(conn: psycopg.Connection, user_id: uuid.UUID) -> None:
    """Take the recompute lock of one user until the transaction ends (no recompute of that user interleaves)."""
    AggregateRepository(conn).lock_user(user_id)


def changed(user_ids: Iterable[uuid.UUID]) -> None:
    """After a commit that changed these users' aggregates or raw data: their cached reads are stale."""
    for user_id in user_ids:
        invalidate_user_summaries(user_id)
