"""`make bench`: writer throughput against raw COPY, read latency for a 500,000-heartbeat user, export/import/delete.

Starts its own PostgreSQL 15 + TimescaleDB and Redis (tests/servers.py), so figures come from one run on one
machine; the ratio against COPY is the number to compare across machines. Prints a table; asserts nothing.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
import uuid
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from servers import PostgresServer, RedisServer  # noqa: E402

TZ = "Europe/Berlin"
PROJECTS = ["codetime", "website", "infra", "notes", "client-app", "data-pipeline"]
LANGUAGES = {"codetime": ["Python", "SQL", "Markdown"], "website": ["TypeScript", "CSS", "HTML"],
             "infra": ["Python", "YAML"], "notes": ["Markdown"], "client-app": ["Kotlin", "XML"],
             "data-pipeline": ["Python", "SQL", "Bash"]}  # fmt: skip
EXT = {"Python": "py", "SQL": "sql", "Markdown": "md", "TypeScript": "ts", "CSS": "css", "HTML": "html",
       "YAML": "yaml", "Kotlin": "kt", "XML": "xml", "Bash": "sh"}  # fmt: skip
AGENTS = [
    "wakatime/v1.102.1 (linux-6.1.0-18-amd64-x86_64) go1.23.1 vscode/1.95.3 vscode-wakatime/25.0.0",
    "wakatime/v1.102.1 (darwin-23.5.0-arm64) go1.23.1 IntelliJ/2024.3 intellij-wakatime/15.0.0",
]


def generate(user_id: str, count: int, days: int) -> list:
    """`count` realistic heartbeats over the last `days` local days, sessions of 30-90 s cadence."""
    from codetime.domain.heartbeats import RequestContext, normalize_heartbeat

    rng = random.Random(42)
    per_day = count // days
    today = datetime.now(ZoneInfo(TZ)).date()
    contexts = [
        RequestContext(user_id=user_id, user_agent=a, machine=m)
        for a, m in zip(AGENTS, ["desk", "laptop"], strict=True)
    ]
    out = []
    for d in range(days):
        day = today - timedelta(days=days - 1 - d)
        t = datetime(day.year, day.month, day.day, 7, tzinfo=ZoneInfo(TZ)).timestamp()
        n = per_day + (count - per_day * days if d == days - 1 else 0)
        if d == days - 1:  # today: end about now, so statusbar/today has data and nothing is in the future
            t = time.time() - n * 32 - 4 * 1800
        project = rng.choice(PROJECTS)
        ctx = rng.choice(contexts)
        for i in range(n):
            if i % 120 == 0:
                project, ctx = rng.choice(PROJECTS), rng.choice(contexts)
                t += rng.choice([60, 300, 600, 1800])
            language = rng.choice(LANGUAGES[project])
            raw = {
                "entity": f"/home/dev/{project}/src/module_{rng.randrange(40)}.{EXT[language]}", "type": "file",
                "category": "coding" if rng.random() < 0.85 else "debugging", "time": t, "project": project,
                "branch": rng.choice(["main", "main", "feature/x"]), "language": language,
                "lines": rng.randrange(10, 900), "lineno": rng.randrange(1, 900), "is_write": rng.random() < 0.2,
                "dependencies": rng.sample(["fastapi", "psycopg", "react", "boto3"], 2),
            }  # fmt: skip
            out.append(normalize_heartbeat(raw, ctx, now=time.time(), max_age_seconds=10**10))
            t += rng.uniform(15, 45)
    return out


def percentiles(samples: list[float]) -> str:
    ms = sorted(s * 1000 for s in samples)
    p95 = ms[min(len(ms) - 1, int(len(ms) * 0.95))]
    return f"p50 {statistics.median(ms):7.2f} ms   p95 {p95:7.2f} ms   (n={len(ms)})"


def bench_writer(dsn: str, heartbeats: list, batch: int) -> tuple[float, float, float]:
    import psycopg

    from codetime.queue_messages import encode_messages
    from codetime.repositories.heartbeats import _STAGING_DDL, STAGING_COLUMNS, copy_text
    from functions.writer import process_sqs_event
    from harness import sqs_event

    chunks = [heartbeats[i : i + batch] for i in range(0, len(heartbeats), batch)]
    events = []
    for chunk in chunks:  # 10 messages of `batch/10` heartbeats: one full SQS batch
        bodies = [
            b for i in range(0, len(chunk), max(1, batch // 10)) for b in encode_messages(chunk[i : i + batch // 10])
        ]
        events.append(sqs_event([{"MessageId": str(uuid.uuid4()), "ReceiptHandle": "r", "Body": b} for b in bodies],
                                "arn:aws:sqs:us-east-1:123456789012:bench"))  # fmt: skip
    started = time.perf_counter()
    for event in events:
        assert process_sqs_event(event) == {"batchItemFailures": []}
    writer = time.perf_counter() - started

    # Reference: the same rows, formatted the same way, COPYed into a bare table with one unique index.
    columns = STAGING_COLUMNS
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute("DROP TABLE IF EXISTS copy_reference")
        conn.execute(_STAGING_DDL.replace("TEMP TABLE IF NOT EXISTS heartbeat_staging", "TABLE copy_reference")
                     .replace(" ON COMMIT DELETE ROWS", ""))  # fmt: skip
        conn.execute("CREATE UNIQUE INDEX ON copy_reference (user_id, time, content_hash)")
        started = time.perf_counter()
        for chunk in chunks:
            with (
                conn.transaction(),
                conn.cursor() as cur,
                cur.copy(f"COPY copy_reference ({columns}) FROM STDIN") as cp,
            ):
                cp.write(copy_text(chunk))
        batched_copy = time.perf_counter() - started
        conn.execute("TRUNCATE copy_reference")
        started = time.perf_counter()
        with (
            conn.transaction(),
            conn.cursor() as cur,
            cur.copy(f"COPY copy_reference ({columns}) FROM STDIN") as cp,
        ):
            for chunk in chunks:
                cp.write(copy_text(chunk))
        single_copy = time.perf_counter() - started
        conn.execute("DROP TABLE copy_reference")
    return writer, batched_copy, single_copy


def bench_reads(user_key: str, rounds: int) -> dict[str, tuple[list[float], list[float]]]:
    from codetime.domain.ranges import today_in
    from codetime.services import goals
    from codetime.services.auth import authenticate_key
    from codetime.services.cache_keys import invalidate_user_summaries
    from functions import summary
    from harness import basic, http_event, invoke

    user = authenticate_key(user_key).user
    weekdays = {"seconds": 7200, "languages": ["Python"], "ignore_days": ["saturday", "sunday"]}
    goal_id = goals.create(user, weekdays)["id"]
    today = today_in(TZ)
    year_ago = today - timedelta(days=364)
    reads = {
        "summaries, 1-year range": (
            "/api/v1/users/current/summaries",
            {"start": str(year_ago), "end": str(today)},
        ),
        "statusbar/today": ("/api/v1/users/current/statusbar/today", {}),
        "dashboard summary, last_year": ("/api/v1/summary", {"interval": "last_year"}),
        "stats/last_year": ("/api/v1/users/current/stats/last_year", {}),
        "stats/all_time": ("/api/v1/users/current/stats/all_time", {}),
        "goal progress (2 hrs Python/weekday)": (f"/api/v1/users/current/goals/{goal_id}", {}),
    }
    results = {}
    for name, (path, query) in reads.items():
        uncached, cached = [], []
        event = http_event("GET", path, headers=basic(user_key), query=query)  # accepts gzip, as plugins do
        for _ in range(rounds):
            invalidate_user_summaries(user.id)
            started = time.perf_counter()
            response = invoke(summary.handler, event)
            uncached.append(time.perf_counter() - started)
            assert response["statusCode"] == 200, response
        for _ in range(rounds * 4):
            started = time.perf_counter()
            response = invoke(summary.handler, event)
            cached.append(time.perf_counter() - started)
            assert response["statusCode"] == 200, response
        results[name] = (uncached, cached)
    return results


def bench_accounts(user, tmp: Path) -> None:  # type: ignore[no-untyped-def]
    """(c) export the user to a file, import it into a fresh user (CLI path), delete that user."""
    from codetime.services.accounts import delete_account
    from codetime.services.exports import export_chunks
    from codetime.services.imports import import_heartbeats
    from codetime.services.keys import create_user

    path = tmp / "export.json"
    started = time.perf_counter()
    with path.open("wb") as handle:
        for chunk in export_chunks(user):
            handle.write(chunk)
    exported = time.perf_counter() - started
    size = path.stat().st_size
    fresh, _ = create_user(email="copy@example.com", username="copy", timezone=TZ)
    started = time.perf_counter()
    with path.open("rb") as handle:
        result = import_heartbeats(fresh, handle)
    imported = time.perf_counter() - started
    started = time.perf_counter()
    status = delete_account(fresh.id, budget_seconds=None)
    deleted = time.perf_counter() - started
    n = result.imported
    print(f"\n(c) account data, {n:,} heartbeats ({size / 1e6:,.1f} MB of JSON)")
    print(f"    export (server-side cursor -> file): {n / exported:10,.0f} heartbeats/s  ({exported:6.2f} s)")
    print(f"    import (stream -> writer path):      {n / imported:10,.0f} heartbeats/s  ({imported:6.2f} s)")
    print(f"    delete account (windowed purge):     {n / deleted:10,.0f} heartbeats/s  ({deleted:6.2f} s,"
          f" complete={status.complete})")  # fmt: skip


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--heartbeats", type=int, default=500_000)
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--batch", type=int, default=1000, help="heartbeats per SQS batch (10 messages)")
    parser.add_argument("--rounds", type=int, default=40)
    args = parser.parse_args()

    with PostgresServer() as pg, RedisServer() as redis_server:
        dsn = pg.create_database("codetime_bench", timescale=True)
        os.environ.update({"DATABASE_URL": dsn, "REDIS_URL": redis_server.url, "CODETIME_KEY_PEPPER": "bench",
                           "POWERTOOLS_METRICS_DISABLED": "true", "POWERTOOLS_LOG_LEVEL": "WARNING",
                           # Latency, not the read rate limit, is measured here.
                           "CODETIME_RATE_LIMIT_READ": "off"})  # fmt: skip
        os.environ.pop("SQS_QUEUE_URL", None)
        import psycopg

        from codetime.clients import reset_clients
        from codetime.db.migrate import migrate
        from codetime.logs import logger
        from codetime.services.keys import create_user

        logger.setLevel("WARNING")
        reset_clients()
        with psycopg.connect(dsn) as conn:
            migrate(conn, timescale=True)
        user, issued = create_user(email="bench@example.com", username="bench", timezone=TZ)

        print(f"generating {args.heartbeats:,} heartbeats over {args.days} days ...", flush=True)
        heartbeats = generate(str(user.id), args.heartbeats, args.days)
        writer, batched_copy, single_copy = bench_writer(dsn, heartbeats, args.batch)
        n = len(heartbeats)
        print("\n(a) batch writer -> TimescaleDB (decode, COPY to staging, dedup insert, per-day recompute, cache)")
        print(f"    writer:              {n / writer:10,.0f} heartbeats/s  ({writer:6.2f} s)")
        print(f"    raw COPY, same batches: {n / batched_copy:7,.0f} rows/s        ({batched_copy:6.2f} s)"
              f"   writer/COPY = {batched_copy / writer:.2f}")  # fmt: skip
        print(f"    raw COPY, one stream:   {n / single_copy:7,.0f} rows/s        ({single_copy:6.2f} s)"
              f"   writer/COPY = {single_copy / writer:.2f}")  # fmt: skip

        print(f"\n(b) reads through the summary Lambda handler, user with {n:,} heartbeats (Redis cache)")
        for name, (uncached, cached) in bench_reads(issued.plaintext, args.rounds).items():
            print(f"    {name:38s} uncached {percentiles(uncached)}")
            print(f"    {'':38s} cached   {percentiles(cached)}")
        with tempfile.TemporaryDirectory() as tmp:
            bench_accounts(user, Path(tmp))
        reset_clients()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
