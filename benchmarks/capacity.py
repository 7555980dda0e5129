"""Figures for docs/capacity.md: the writer under production-shaped traffic, and bytes stored per heartbeat.

`make bench` (benchmarks/run.py) writes one user's year in 1,000-heartbeat batches: the writer's best case. Here
many users send a day each the way wakatime-cli does (requests of up to 25 heartbeats = one queue message each),
and the queue hands the writer batches of interleaved users' messages, so every message means a per-(user, day)
recompute. Then the database size per stored heartbeat. Prints figures; asserts nothing.

    .venv/bin/python benchmarks/capacity.py [--users 200] [--per-user 500]
"""

from __future__ import annotations

import argparse
import os
import sys
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests"), str(ROOT / "benchmarks")]

from run import generate  # noqa: E402

from servers import PostgresServer, RedisServer  # noqa: E402

REQUEST_SIZE = 25  # wakatime-cli's most heartbeats per request


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--users", type=int, default=200)
    parser.add_argument("--per-user", type=int, default=500, help="heartbeats per user (one day; the golden day: 502)")
    args = parser.parse_args()

    with PostgresServer() as pg, RedisServer() as redis_server:
        dsn = pg.create_database("codetime_capacity", timescale=True)
        os.environ.update({"DATABASE_URL": dsn, "REDIS_URL": redis_server.url, "CODETIME_KEY_PEPPER": "bench",
                           "POWERTOOLS_METRICS_DISABLED": "true", "POWERTOOLS_LOG_LEVEL": "WARNING"})  # fmt: skip
        os.environ.pop("SQS_QUEUE_URL", None)
        import psycopg

        from codetime.db.migrate import migrate
        from codetime.lifecycle import reset_clients
        from codetime.logs import logger
        from codetime.queue_messages import encode_messages
        from codetime.services.keys import create_user
        from functions.writer import process_sqs_event
        from harness import sqs_event

        logger.setLevel("WARNING")
        reset_clients()
        with psycopg.connect(dsn) as conn:
            migrate(conn, timescale=True)

        per_user: list[list[str]] = []
        for i in range(args.users):
            user, _ = create_user(email=f"u{i}@example.com", username=f"u{i}", timezone="Europe/Berlin")
            beats = generate(str(user.id), args.per_user, 1)
            per_user.append([b for s in range(0, len(beats), REQUEST_SIZE) for b in encode_messages(beats[s : s + 25])])
        # Interleaved as they arrive: every user's first request, then every user's second, ...
        bodies = [msgs[j] for j in range(max(map(len, per_user))) for msgs in per_user if j < len(msgs)]
        total = args.users * args.per_user
        print(f"{args.users} users x {args.per_user} heartbeats, {len(bodies)} messages of <= {REQUEST_SIZE}")

        for label, batch in (("100 messages per batch (busy queue)", 100), ("10 messages per batch (quiet)", 10)):
            with psycopg.connect(dsn, autocommit=True) as conn:
                conn.execute("TRUNCATE heartbeats, daily_totals, daily_entity_totals, daily_dependency_totals, "
                             "daily_activity")  # fmt: skip
            records = [{"MessageId": str(uuid.uuid4()), "ReceiptHandle": "r", "Body": b} for b in bodies]
            arn = "arn:aws:sqs:us-east-1:123456789012:capacity"
            events = [sqs_event(records[s : s + batch], arn) for s in range(0, len(records), batch)]
            started = time.perf_counter()
            for event in events:
                assert process_sqs_event(event) == {"batchItemFailures": []}
            elapsed = time.perf_counter() - started
            print(f"  writer, {label}: {total / elapsed:8,.0f} heartbeats/s, "
                  f"{1000 * elapsed / len(events):6.1f} ms per invocation ({len(events)} invocations)")  # fmt: skip

        with psycopg.connect(dsn, autocommit=True) as conn:
            conn.execute("VACUUM FULL ANALYZE")  # live size, not the recomputes' dead rows
            heartbeats = conn.execute("SELECT hypertable_size('heartbeats')").fetchone()[0]  # type: ignore[index]
            daily = conn.execute(
                "SELECT sum(pg_total_relation_size(t)) FROM unnest(ARRAY['daily_totals', 'daily_entity_totals',"
                " 'daily_dependency_totals', 'daily_activity']::regclass[]) AS t"
            ).fetchone()[0]  # type: ignore[index]
            rows = conn.execute("SELECT count(*) FROM heartbeats").fetchone()[0]  # type: ignore[index]
        print(f"  stored: heartbeats {heartbeats / rows:6.0f} B/heartbeat (table + indexes, {rows:,} rows), "
              f"per-day aggregates {daily / rows:6.0f} B/heartbeat")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
