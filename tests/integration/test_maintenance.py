"""Daily maintenance on real TimescaleDB and plain PostgreSQL: retention, the compression license check, the audit."""

from __future__ import annotations

import copy
from datetime import UTC, datetime, time, timedelta

import pytest
from reports_helpers import local, seed

from codetime.db import get_pool
from codetime.services import maintenance
from codetime.services.keys import create_user
from functions import maintenance as maintenance_fn
from harness import invoke, load_event


def _event(at: datetime) -> dict:
    event = copy.deepcopy(load_event("eventbridge_maintenance.json"))
    event["time"] = at.strftime("%Y-%m-%dT%H:%M:%SZ")
    return event


def _counts() -> tuple[int, int, int]:
    with get_pool().connection() as conn:
        return tuple(
            conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
            for table in ("heartbeats", "daily_totals", "daily_activity")
        )  # type: ignore[return-value]


def test_retention_drops_old_heartbeats_and_keeps_aggregates(any_db_env: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CODETIME_RETENTION_MONTHS", "13")
    monkeypatch.setenv("CODETIME_RETENTION_BATCH", "7")  # several batches
    user, _ = create_user(email="old@example.com", timezone="UTC")
    # Noon: an hour of heartbeats seeded at 23:10 UTC would cross midnight and count as two days of activity.
    now = datetime.combine(datetime.now(UTC).date(), time(12), UTC)
    seed(user, now - timedelta(days=600), 60)  # gone
    seed(user, now - timedelta(days=420), 60)  # gone (older than 13 months)
    seed(user, now - timedelta(days=300), 60)  # kept
    before = _counts()
    assert before[0] == 3 * 31 and before[2] == 3

    result = invoke(maintenance_fn.handler, _event(now), "codetime-maintenance")
    heartbeats, totals, activity = _counts()
    assert heartbeats == 31 and (totals, activity) == before[1:]  # aggregates stay
    with get_pool().connection() as conn:
        oldest = conn.execute("SELECT min(time) FROM heartbeats").fetchone()[0]
    assert oldest > now - timedelta(days=301)
    if "timescale" in any_db_env:
        assert result["chunks_dropped"] >= 2  # whole 7-day chunks went, no row-by-row delete for them
        assert result["heartbeats_deleted"] == 0
    else:
        assert result["chunks_dropped"] == 0 and result["heartbeats_deleted"] == 62


def test_retention_never_reaches_into_the_ingestion_window(db_env: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CODETIME_RETENTION_MONTHS", "1")  # shorter than CODETIME_MAX_HEARTBEAT_AGE_DAYS (365)
    now = datetime(2026, 11, 22, tzinfo=UTC)
    assert maintenance.retention_cutoff(now) == now - timedelta(days=366)
    monkeypatch.setenv("CODETIME_RETENTION_MONTHS", "0")
    assert maintenance.retention_cutoff(now) is None


def test_compression_is_skipped_on_the_apache_build(db_env: str) -> None:
    with get_pool().connection() as conn:
        assert maintenance.timescale_license(conn) == "apache"
    result = maintenance.MaintenanceResult()
    maintenance.compress_chunks(datetime.now(UTC), result)
    assert result.compression == "skipped (timescaledb.license=apache)" and result.chunks_compressed == 0


def test_compression_statements_for_licensed_timescale() -> None:
    # The Apache build cannot compress, so the licensed path's statements are checked against a recording
    # connection (the one place a real server cannot run here).
    class Recorder:
        def __init__(self) -> None:
            self.sql: list[tuple[str, tuple]] = []

        def execute(self, sql: str, params: tuple = ()):  # type: ignore[no-untyped-def]
            self.sql.append((sql, params))
            rows = {"compression_enabled": [(False,)], "show_chunks": [("_timescaledb_internal._hyper_1_1_chunk",)]}
            found = next((v for k, v in rows.items() if k in sql), [])
            cursor = {"fetchone": lambda s: found[0] if found else None, "fetchall": lambda s: found}
            return type("Cursor", (), cursor)()

    conn = Recorder()
    cutoff = datetime(2026, 11, 1, tzinfo=UTC)
    assert maintenance.compress_old_chunks(conn, cutoff) == 1  # type: ignore[arg-type]
    statements = [s for s, _ in conn.sql]
    assert "timescaledb.compress_segmentby = 'user_id'" in statements[1]
    assert "compress_orderby = 'time, content_hash'" in statements[1]
    assert conn.sql[2] == ("SELECT c::text FROM show_chunks('heartbeats', older_than => %s) c", (cutoff,))
    assert conn.sql[3] == (
        "SELECT compress_chunk(%s::regclass, if_not_compressed => true)",
        ("_timescaledb_internal._hyper_1_1_chunk",),
    )


def test_audit_repairs_a_corrupted_day_and_counts_it(any_db_env: str) -> None:
    user, _ = create_user(email="audit@example.com", timezone="Europe/Berlin")
    now = datetime.now(UTC)
    for days_ago in (1, 2, 3):  # at noon in Berlin: two hours before a late-evening run crossed midnight
        seed(user, local("Europe/Berlin", now.date() - timedelta(days=days_ago), 12), 30)
    clean = maintenance.MaintenanceResult()
    maintenance.audit_aggregates(clean)
    assert (clean.days_audited, clean.days_repaired) == (3, 0)

    with get_pool().connection() as conn:
        day = conn.execute("SELECT min(day) FROM daily_totals").fetchone()[0]
        expected = conn.execute("SELECT sum(seconds) FROM daily_totals WHERE day = %s", (day,)).fetchone()[0]
        conn.execute("UPDATE daily_totals SET seconds = seconds + 999 WHERE day = %s", (day,))
    result = invoke(maintenance_fn.handler, _event(now), "codetime-maintenance")
    assert result["days_audited"] == 3 and result["days_repaired"] == 1
    with get_pool().connection() as conn:
        assert conn.execute("SELECT sum(seconds) FROM daily_totals WHERE day = %s", (day,)).fetchone()[0] == (
            pytest.approx(expected)
        )
        summary = conn.execute(
            "SELECT seconds FROM daily_summaries WHERE user_id = %s AND day = %s", (user.id, day)
        ).fetchone()[0]
    assert summary == pytest.approx(expected)
    again = maintenance.MaintenanceResult()
    maintenance.audit_aggregates(again)
    assert again.days_repaired == 0


def test_audit_also_repairs_a_lost_summary_row(db_env: str) -> None:
    user, _ = create_user(email="audit2@example.com", timezone="UTC")
    # Yesterday at noon: "27 hours ago" crossed midnight in the small hours (two days to repair, not one).
    seed(user, local("UTC", datetime.now(UTC).date() - timedelta(days=1), 12), 30)
    with get_pool().connection() as conn:
        conn.execute("DELETE FROM daily_summaries")
    result = maintenance.MaintenanceResult()
    maintenance.audit_aggregates(result)
    assert result.days_repaired == 1
    with get_pool().connection() as conn:
        assert conn.execute("SELECT count(*) FROM daily_summaries").fetchone()[0] == 1


def test_audit_repairs_lost_or_changed_ai_sums(db_env: str) -> None:
    from codetime.domain.heartbeats import RequestContext, normalize_heartbeat
    from codetime.services.writer import write_heartbeats

    user, _ = create_user(email="audit3@example.com", timezone="UTC")
    first = local("UTC", datetime.now(UTC).date() - timedelta(days=1), 12).timestamp()
    context = RequestContext(user_id=str(user.id), user_agent="wakatime/v1.130.0 (linux) go1.24 opus/4.6 claude")
    raws = [{"entity": "a.py", "time": first + i * 30, "category": "ai coding", "ai_session": "s", "ai_line_changes": 5}
            for i in range(4)]  # fmt: skip
    with get_pool().connection() as conn:
        write_heartbeats(conn, [normalize_heartbeat(r, context, now=first + 600, max_age_seconds=None) for r in raws])
    for damage in ("DELETE FROM daily_ai_totals", "UPDATE daily_ai_totals SET ai_additions = ai_additions + 1"):
        with get_pool().connection() as conn:
            conn.execute(damage)
        result = maintenance.MaintenanceResult()
        maintenance.audit_aggregates(result)
        assert result.days_repaired == 1, damage
        with get_pool().connection() as conn:
            assert conn.execute("SELECT ai_additions FROM daily_ai_totals").fetchall() == [(20,)]


def test_interrupted_recomputes_and_purges_are_finished_and_a_failing_step_fails_the_run(
    db_env: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from codetime.repositories.accounts import AccountRepository
    from codetime.services import jobs

    mover, _ = create_user(email="mover@example.com", timezone="UTC")
    leaver, _ = create_user(email="leaver@example.com", timezone="UTC")
    start = datetime.now(UTC) - timedelta(days=3)
    seed(mover, start, 30)
    seed(leaver, start, 30)
    with get_pool().connection() as conn, conn.transaction():
        # What a settings change and a clear leave behind when their queue messages are lost.
        conn.execute("UPDATE users SET timezone = 'Pacific/Auckland' WHERE id = %s", (mover.id,))
        jobs.create_recompute(conn, mover.id, "timezone changed")
        assert AccountRepository(conn).clear_data(leaver.id)
    result = maintenance.run_maintenance()
    assert result.jobs_completed >= 1
    with get_pool().connection() as conn:
        assert conn.execute("SELECT count(*) FROM heartbeats WHERE user_id = %s", (leaver.id,)).fetchone()[0] == 0
        assert conn.execute("SELECT count(*) FROM data_purges").fetchone()[0] == 0
        assert conn.execute("SELECT count(*) FROM heartbeats WHERE user_id = %s", (mover.id,)).fetchone()[0] == 16
        zones = {row[0] for row in conn.execute("SELECT timezone FROM daily_activity WHERE user_id = %s", (mover.id,))}
    assert zones == {"Pacific/Auckland"} and not jobs.has_open(mover.id)

    def broken(**_: object) -> int:
        raise RuntimeError("boom")

    monkeypatch.setattr(jobs, "run_pending", broken)
    with pytest.raises(maintenance.MaintenanceFailed, match="pending_jobs: RuntimeError"):
        maintenance.run_maintenance()
