"""Daily maintenance: heartbeat retention, chunk compression (licensed TimescaleDB only), an aggregate audit, and
completing background jobs that were interrupted."""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

import psycopg
from aws_lambda_powertools.metrics import MetricUnit

from codetime.config import get_settings
from codetime.db import get_pool
from codetime.logs import logger, metrics
from codetime.repositories.aggregates import AggregateRepository
from codetime.repositories.maintenance import MaintenanceRepository
from codetime.services import aggregation, leaderboards

# Background work normally runs from queue messages; this budget finishes what a lost message or a dead worker left.
_PENDING_BUDGET_SECONDS = 300


def _env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    return int(raw) if raw else default


@dataclass(slots=True)
class MaintenanceResult:
    retention_cutoff: datetime | None = None
    chunks_dropped: int = 0
    heartbeats_deleted: int = 0
    compression: str = "not run"
    chunks_compressed: int = 0
    days_audited: int = 0
    days_repaired: int = 0
    jobs_completed: int = 0
    leaderboard_users_refreshed: int = 0
    errors: list[str] = field(default_factory=list)


def run_maintenance(now: datetime | None = None) -> MaintenanceResult:
    """Every step, each on its own; a failed step is logged and the run raises at the end (so EventBridge retries
    and the schedule's dead-letter alarm sees it) after the others have done their work."""
    now = now or datetime.now(UTC)
    result = MaintenanceResult()
    steps: list[tuple[str, Callable[[], None]]] = [
        ("retention", lambda: apply_retention(now, result)),
        ("compression", lambda: compress_chunks(now, result)),
        ("audit", lambda: audit_aggregates(result)),
        ("pending_jobs", lambda: complete_pending_jobs(result)),
        ("leaderboards", lambda: refresh_leaderboards(result)),
    ]
    for name, step in steps:
        try:
            step()
        except Exception as exc:
            logger.exception("maintenance step failed", extra={"step": name})
            result.errors.append(f"{name}: {type(exc).__name__}")
    counts = {
        "HeartbeatsDeleted": result.heartbeats_deleted, "ChunksDropped": result.chunks_dropped,
        "ChunksCompressed": result.chunks_compressed, "AggregatesAudited": result.days_audited,
        "AggregatesRepaired": result.days_repaired, "JobsCompleted": result.jobs_completed,
    }  # fmt: skip
    for name, value in counts.items():
        metrics.add_metric(name=name, unit=MetricUnit.Count, value=value)
    logger.info("maintenance done", extra={"maintenance": {k: str(getattr(result, k)) for k in result.__slots__}})
    if result.errors:
        raise MaintenanceFailed(", ".join(result.errors))
    return result


class MaintenanceFailed(Exception):
    pass


def refresh_leaderboards(result: MaintenanceResult) -> None:
    """Every leaderboard user that is due (the hourly schedule does the same; daily here as a backstop)."""
    result.leaderboard_users_refreshed = leaderboards.refresh_all_due()


# ------------------------------------------------------------------------------------------------ retention


def retention_cutoff(now: datetime) -> datetime | None:
    """Heartbeats before this instant go: CODETIME_RETENTION_MONTHS back (0 keeps everything), but never inside
    the window live ingestion still accepts (CODETIME_MAX_HEARTBEAT_AGE_DAYS), whose days may be recomputed."""
    months = _env_int("CODETIME_RETENTION_MONTHS", 24)
    if months <= 0:
        return None
    year, month = divmod(now.year * 12 + now.month - 1 - months, 12)
    day = min(now.day, 28)
    cutoff = now.replace(year=year, month=month + 1, day=day)
    floor = now - timedelta(days=get_settings().max_heartbeat_age_days + 1)
    return min(cutoff, floor)


def apply_retention(now: datetime, result: MaintenanceResult) -> None:
    """Drop whole chunks older than the cutoff (TimescaleDB), then delete what is left before it in batches (the
    boundary chunk, or everything on plain PostgreSQL). Aggregates are kept."""
    cutoff = retention_cutoff(now)
    result.retention_cutoff = cutoff
    if cutoff is None:
        return
    batch = _env_int("CODETIME_RETENTION_BATCH", 10_000)
    with get_pool().connection() as conn:
        repo = MaintenanceRepository(conn)
        if repo.heartbeats_is_hypertable():
            result.chunks_dropped += repo.drop_heartbeat_chunks(cutoff)
        while True:  # one short transaction per batch (autocommit): no long locks, no huge WAL bursts
            deleted = repo.delete_heartbeats_before(cutoff, batch)
            result.heartbeats_deleted += deleted
            if deleted < batch:
                break


# ------------------------------------------------------------------------------------------------ compression


def timescale_license(conn: psycopg.Connection) -> str | None:
    """`timescale` (community license: compression available), `apache`, or None without TimescaleDB."""
    return MaintenanceRepository(conn).timescale_license()


def compress_chunks(now: datetime, result: MaintenanceResult) -> None:
    """Compress heartbeat chunks whose data is older than CODETIME_COMPRESS_AFTER_DAYS (default 14), where the
    TimescaleDB license allows it. Late heartbeats still land in compressed chunks (TimescaleDB 2.11+)."""
    with get_pool().connection() as conn:
        license_ = timescale_license(conn)
        if license_ != "timescale" or not MaintenanceRepository(conn).heartbeats_is_hypertable():
            result.compression = f"skipped (timescaledb.license={license_ or 'none'})"
            return
        result.chunks_compressed += compress_old_chunks(
            conn, now - timedelta(days=_env_int("CODETIME_COMPRESS_AFTER_DAYS", 14))
        )
        result.compression = "done"


def compress_old_chunks(conn: psycopg.Connection, older_than: datetime) -> int:
    """Enable compression on `heartbeats` once, then compress every chunk entirely before `older_than`."""
    repo = MaintenanceRepository(conn)
    if not repo.compression_enabled():
        repo.enable_compression()
    chunks = repo.heartbeat_chunks_before(older_than)
    for chunk in chunks:
        repo.compress_chunk(chunk)
    return len(chunks)


# ------------------------------------------------------------------------------------------------ audit


def _key(row: object) -> tuple:
    return tuple(getattr(row, name) for name in ("day", "project", "language", "editor", "operating_system",
                                                  "machine", "branch", "category"))  # fmt: skip


def _differs(stored: list, fresh: list) -> bool:
    a = {_key(r): r.seconds for r in stored}
    b = {_key(r): r.seconds for r in fresh}
    return a.keys() != b.keys() or any(abs(a[k] - b[k]) > 1e-6 for k in a)


def audit_aggregates(result: MaintenanceResult, *, sample: int | None = None, days: int | None = None) -> None:
    """Recompute a random sample of recent (user, day) aggregates from raw heartbeats; repair any difference."""
    sample = sample if sample is not None else _env_int("CODETIME_AUDIT_SAMPLE", 50)
    days = days if days is not None else _env_int("CODETIME_AUDIT_DAYS", 7)
    since = datetime.now(UTC).date() - timedelta(days=days)
    with get_pool().connection() as conn:
        picked = MaintenanceRepository(conn).audit_sample(since, sample)
    for user_id, day, tz, timeout in picked:
        if _audit_day(user_id, day, tz, timeout):
            result.days_repaired += 1
            logger.warning("aggregate repaired", extra={"user_id": str(user_id), "day": day.isoformat()})
        result.days_audited += 1


def _audit_day(user_id: uuid.UUID, day: date, tz: str, timeout: int) -> bool:
    with get_pool().connection() as conn, conn.transaction():
        repo = AggregateRepository(conn)
        repo.lock_user(user_id)  # no writer recomputes this user meanwhile
        fresh = repo.totals_from_raw(user_id, day, day, tz, timeout)
        stored = repo.totals(user_id, day, day)
        summary = MaintenanceRepository(conn).stored_day_seconds(user_id, day)
        fresh_total = sum(r.seconds for r in fresh)
        broken = (
            _differs(stored, fresh)
            or (summary is None) != (not fresh)
            or (summary is not None and abs(summary - fresh_total) > 1e-6)
        )
        if broken:
            aggregation.refresh_days(repo, user_id, tz, timeout, [day])
    if broken:
        aggregation.changed([user_id])
    return broken


# ------------------------------------------------------------------------------------------------ jobs


def complete_pending_jobs(result: MaintenanceResult) -> None:
    """Finish interrupted background work: timezone/timeout/rule recomputes and account purges."""
    from codetime.services.accounts import run_pending_purges
    from codetime.services.jobs import run_pending

    result.jobs_completed += run_pending(limit=50, budget_seconds=_PENDING_BUDGET_SECONDS)
    result.jobs_completed += run_pending_purges(_PENDING_BUDGET_SECONDS)
