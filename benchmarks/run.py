"""`make bench`: writer throughput against raw COPY, read latency for a 500,000-heartbeat user, export/import/delete.

Starts its own PostgreSQL 15 + TimescaleDB and Redis (tests/servers.py), so figures come from one run on one
machine; the ratio against COPY is the number to compare across machines. Prints a table; asserts nothing.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests"), str(ROOT / "benchmarks")]

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


RESULTS = ROOT / "benchmarks" / "results.json"


class Results:
    """Every printed figure, also written to benchmarks/results.json: value, unit, its reference and the ratio."""

    def __init__(self) -> None:
        self.figures: dict[str, dict[str, object]] = {}

    def add(self, key: str, value: float, unit: str, reference: str | None = None,
            reference_value: float | None = None, target: str | None = None) -> None:  # fmt: skip
        figure: dict[str, object] = {"value": round(value, 4), "unit": unit}
        if reference is not None and reference_value:
            figure.update(reference=reference, reference_value=round(reference_value, 4),
                          ratio=round(value / reference_value, 4))  # fmt: skip
        if target is not None:
            figure["target"] = target
        self.figures[key] = figure

    def write(self, args: argparse.Namespace) -> None:
        RESULTS.write_text(json.dumps({
            "measured_at": datetime.now().astimezone().isoformat(timespec="seconds"),
            "machine": {"cores": os.cpu_count(), "python": sys.version.split()[0], "platform": sys.platform},
            "parameters": {"heartbeats": args.heartbeats, "days": args.days, "batch": args.batch,
                           "rounds": args.rounds},
            "figures": self.figures,
        }, indent=2) + "\n")  # fmt: skip
        print(f"\nfigures written to {RESULTS.relative_to(ROOT)}")


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


def p50_p95(samples: list[float]) -> tuple[float, float]:
    """Median and 95th percentile, in milliseconds."""
    ms = sorted(s * 1000 for s in samples)
    return statistics.median(ms), ms[min(len(ms) - 1, int(len(ms) * 0.95))]


def percentiles(samples: list[float]) -> str:
    p50, p95 = p50_p95(samples)
    return f"p50 {p50:7.2f} ms   p95 {p95:7.2f} ms   (n={len(samples)})"


# The naive reference for reads: a year of summaries computed the straightforward way, one window query over raw
# heartbeats (WakaTime's rule: each heartbeat owns the gap to the next of its local day, up to the timeout), grouped
# per day and dimension. Written out here rather than imported, so it stays the same while the code under test moves.
NAIVE_SUMMARY = """
WITH hb AS (
    SELECT (time AT TIME ZONE %(tz)s)::date AS day, coalesce(project, '') AS project,
           coalesce(language, '') AS language, coalesce(editor, '') AS editor,
           coalesce(operating_system, '') AS operating_system, coalesce(machine, '') AS machine,
           coalesce(branch, '') AS branch, category,
           extract(epoch FROM lead(time) OVER (PARTITION BY (time AT TIME ZONE %(tz)s)::date
                                               ORDER BY time, seq) - time) AS gap
    FROM heartbeats WHERE user_id = %(user_id)s AND time >= %(lo)s AND time < %(hi)s
)
SELECT day, project, language, editor, operating_system, machine, branch, category,
       sum(CASE WHEN gap <= 900 THEN gap ELSE 0 END)
FROM hb
GROUP BY GROUPING SETS ((day), (day, project), (day, language), (day, editor), (day, operating_system),
                        (day, machine), (day, branch), (day, category))
"""


def bench_naive_summary(dsn: str, user_id: str, rounds: int) -> list[float]:
    """Latency of the naive 1-year summary (reference for every read figure)."""
    import psycopg

    from codetime.domain.ranges import today_in

    today = today_in(TZ)
    zone = ZoneInfo(TZ)
    lo = datetime.combine(today - timedelta(days=364), datetime.min.time(), zone)
    hi = datetime.combine(today + timedelta(days=1), datetime.min.time(), zone)
    params = {"tz": TZ, "user_id": user_id, "lo": lo, "hi": hi}
    samples = []
    with psycopg.connect(dsn) as conn:
        for _ in range(rounds):
            started = time.perf_counter()
            conn.execute(NAIVE_SUMMARY, params).fetchall()
            samples.append(time.perf_counter() - started)
    return samples


# Cold start: a fresh interpreter imports the Lambda's entry module (app build included) and serves its first
# request, as Lambda's init + first invoke do. The reference is a bare interpreter in the same venv.
COLD_START = """
import json, sys, time
started = time.perf_counter()
import importlib
module = importlib.import_module("functions." + sys.argv[1])
imported = time.perf_counter()
from harness import http_event, invoke, basic
event = http_event(sys.argv[2], sys.argv[3], headers=basic(sys.argv[4]), body=json.loads(sys.argv[5]))
response = invoke(module.handler, event)
done = time.perf_counter()
print(json.dumps({"import": imported - started, "first": done - imported, "status": response["statusCode"]}))
"""
COLD_REQUESTS = {
    "ingestion": (
        "POST",
        "/api/v1/users/current/heartbeats.bulk",
        [{"entity": "/tmp/cold.py", "type": "file", "time": 0, "project": "cold", "language": "Python"}],
    ),
    "summary": ("GET", "/api/v1/users/current/statusbar/today", None),
    "keys": ("GET", "/api/v1/auth/keys", None),
    "ops": ("GET", "/health", None),
}


def bench_cold_start(key: str, rounds: int) -> dict[str, tuple[list[float], list[float], int]]:
    """Per API Lambda: (import + app build, first request) seconds over `rounds` fresh interpreters, last status."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), str(ROOT / "tests")])}
    out: dict[str, tuple[list[float], list[float], int]] = {}
    for name, (method, path, body) in COLD_REQUESTS.items():
        if body:
            body = [{**hb, "time": time.time() - 60} for hb in body]
        imports, firsts, status = [], [], 0
        for _ in range(rounds):
            run = subprocess.run([sys.executable, "-c", COLD_START, name, method, path, key, json.dumps(body)],
                                 env=env, capture_output=True, text=True, check=True)  # fmt: skip
            figures = json.loads(run.stdout.strip().splitlines()[-1])
            imports.append(figures["import"])
            firsts.append(figures["first"])
            status = figures["status"]
        out[name] = (imports, firsts, status)
    return out


def bench_interpreter(rounds: int) -> list[float]:
    samples = []
    for _ in range(rounds):
        started = time.perf_counter()
        subprocess.run([sys.executable, "-c", "pass"], check=True)
        samples.append(time.perf_counter() - started)
    return samples


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
        "user_agents": ("/api/v1/users/current/user_agents", {}),
    }
    return time_reads(reads, user_key, rounds, lambda: invalidate_user_summaries(user.id))


def time_reads(
    reads: dict[str, tuple[str, dict]], key: str, rounds: int, invalidate: Callable[[], None]
) -> dict[str, tuple[list[float], list[float]]]:
    """Each read through the summary Lambda handler: `rounds` times uncached (`invalidate` first), then 4 x
    `rounds` times cached; (uncached, cached) seconds by name."""
    from functions import summary
    from harness import basic, http_event, invoke

    results = {}
    for name, (path, query) in reads.items():
        uncached, cached = [], []
        event = http_event("GET", path, headers=basic(key), query=query)  # accepts gzip, as plugins do
        for _ in range(rounds):
            invalidate()
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


TEAM_SIZE = 25  # a realistic engineering team on one dashboard


def bench_team(owner_key: str, rounds: int, size: int = TEAM_SIZE) -> dict[str, tuple[list[float], list[float]]]:
    """(f) team reads through the summary Lambda: a dashboard of `size` members, each with 30 days of activity
    (3,000 heartbeats written by the writer); uncached = the group's cache generation dropped before each read."""
    from codetime.db import get_pool
    from codetime.domain.ranges import today_in
    from codetime.services import orgs
    from codetime.services.auth import authenticate_key
    from codetime.services.cache_keys import invalidate_group
    from codetime.services.keys import create_user
    from codetime.services.writer import write_heartbeats

    owner = authenticate_key(owner_key).user
    org = uuid.UUID(orgs.create(owner, orgs.ORG, "Bench Team", ["codetime", "infra*"])["id"])
    members = []
    for i in range(size):
        member, _ = create_user(email=f"member{i}@example.com", username=f"member{i}", timezone=TZ)
        beats = generate(str(member.id), 3000, 30)
        with get_pool().connection() as conn:
            for start in range(0, len(beats), 1000):
                with conn.transaction():
                    write_heartbeats(conn, beats[start : start + 1000])
        members.append(orgs.join(member, orgs.invite(owner, orgs.ORG, org)["code"])["member_id"])
        if i % 5 == 4:  # a fifth of the team shares only matching projects, a fifth totals only
            orgs.set_privacy(member, orgs.ORG, org, "matching" if i % 10 == 4 else "totals")
    dashboard = orgs.create_dashboard(owner, org, "Engineering", [uuid.UUID(m) for m in members])["id"]
    with get_pool().connection() as conn, conn.transaction():  # everyone joined before the activity began
        conn.execute("UPDATE org_members SET joined_at = now() - interval '90 days' WHERE org_id = %s", (org,))
    today = today_in(TZ)
    base = f"/api/v1/users/current/orgs/{org}/dashboards/{dashboard}"
    reads = {
        f"team summaries, {size} members, 7 days": (f"{base}/summaries",
                                                    {"start": str(today - timedelta(days=6)), "end": str(today)}),
        f"team summaries, {size} members, 30 days": (f"{base}/summaries",
                                                     {"start": str(today - timedelta(days=29)), "end": str(today)}),
        "one member's summaries, 30 days": (f"{base}/members/{members[0]}/summaries",
                                            {"start": str(today - timedelta(days=29)), "end": str(today)}),
        f"dashboard leaderboard, {size} members": (f"{base}/leaderboard", {}),
    }  # fmt: skip
    return time_reads(reads, owner_key, rounds, lambda: invalidate_group(org))


def bench_accounts(user, tmp: Path, results: Results) -> None:  # type: ignore[no-untyped-def]
    """(d) export the user to a file, import it into a fresh user (CLI path), delete that user."""
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
    print(f"\n(d) account data, {n:,} heartbeats ({size / 1e6:,.1f} MB of JSON)")
    print(f"    export (server-side cursor -> file): {n / exported:10,.0f} heartbeats/s  ({exported:6.2f} s)")
    print(f"    import (stream -> writer path):      {n / imported:10,.0f} heartbeats/s  ({imported:6.2f} s)")
    print(f"    delete account (windowed purge):     {n / deleted:10,.0f} heartbeats/s  ({deleted:6.2f} s,"
          f" complete={status.complete})")  # fmt: skip
    results.add("accounts.export", n / exported, "heartbeats/s")
    results.add("accounts.import", n / imported, "heartbeats/s")
    results.add("accounts.delete", n / deleted, "heartbeats/s")


def bench_leaderboard(users: int, rounds: int, results: Results) -> None:
    """(e) the public leaderboard over `users` opted-in users: the precomputed table as the refresh leaves it (one
    row per user and language), read through the summary handler without any cache (leaders are never cached)."""
    import psycopg

    from codetime.db import get_pool
    from functions import summary
    from harness import http_event, invoke

    rng = random.Random(7)
    languages = ["Python", "TypeScript", "Go", "Rust", "Java", "SQL", "Markdown", "Bash"]
    countries = ["DE", "US", "FR", "IN", "BR", "JP", "GB", "NL"]
    with get_pool().connection() as conn:
        ids = [uuid.uuid4() for _ in range(users)]
        with conn.cursor() as cur:
            with cur.copy("COPY users (id, username, display_name, public_leaderboard, country_code) FROM STDIN") as cp:
                for i, user_id in enumerate(ids):
                    cp.write_row((user_id, f"coder{i:05d}", f"Coder {i}", True, countries[i % len(countries)]))
            copy = (
                "COPY leaderboard_totals (user_id, language, seconds, days, public, country_code, username) FROM STDIN"
            )
            with cur.copy(copy) as cp:
                for i, user_id in enumerate(ids):
                    days = rng.randint(1, 7)
                    # Whole minutes: equal totals happen, as on a real board (ties share a rank).
                    spent = {lang: 60.0 * rng.randint(1, 600) for lang in rng.sample(languages, rng.randint(1, 4))}
                    user = (True, countries[i % len(countries)], f"coder{i:05d}")
                    cp.write_row((user_id, "", sum(spent.values()), days, *user))
                    for lang, seconds in spent.items():
                        cp.write_row((user_id, lang, seconds, days, *user))
            cur.execute(
                "INSERT INTO leaderboard_users (user_id, start_day, end_day, computed_at) "
                "SELECT id, current_date - 6, current_date, now() FROM users WHERE username LIKE 'coder%%'"
            )
    # As autovacuum leaves a table the refresh writes now and then: visibility map set (index-only scans), analyzed.
    # A VACUUM right after the load may not mark its pages all-visible yet (the loading snapshot's horizon): again.
    with psycopg.connect(os.environ["DATABASE_URL"], autocommit=True) as conn:
        for _ in range(5):
            for table in ("users", "leaderboard_totals", "leaderboard_users"):
                conn.execute(f"VACUUM ANALYZE {table}")
            visible = conn.execute("SELECT relallvisible >= relpages FROM pg_class WHERE relname = "
                                   "'leaderboard_totals'").fetchone()  # fmt: skip
            if visible and visible[0]:
                break
            time.sleep(1)
    reads = {
        "first page": {},
        "page 50 (of 100)": {"page": "50"},
        "language=Python": {"language": "Python"},
        "country_code=DE": {"country_code": "DE"},
    }
    print(f"\n(e) public leaderboard, {users:,} opted-in users (GET /api/v1/leaders, never cached)")
    for name, query in reads.items():
        event = http_event("GET", "/api/v1/leaders", headers={"authorization": None}, query=query or None)
        samples = []
        for _ in range(rounds):
            started = time.perf_counter()
            response = invoke(summary.handler, event)
            samples.append(time.perf_counter() - started)
            assert response["statusCode"] == 200, response
        p50, p95 = p50_p95(samples)
        print(f"    {name:38s} uncached {percentiles(samples)}")
        key = "leaderboard_10k." + name.split(" (")[0].replace("=", "_").replace(" ", "_")
        results.add(f"{key}.p95", p95, "ms", target="<= 20 ms")
        results.add(f"{key}.p50", p50, "ms")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--heartbeats", type=int, default=500_000)
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--batch", type=int, default=1000, help="heartbeats per SQS batch (10 messages)")
    parser.add_argument("--rounds", type=int, default=40)
    parser.add_argument("--leaderboard-users", type=int, default=10_000)
    parser.add_argument("--cold-rounds", type=int, default=5, help="fresh interpreters per Lambda for cold starts")
    args = parser.parse_args()
    results = Results()

    with PostgresServer() as pg, RedisServer() as redis_server:
        dsn = pg.create_database("codetime_bench", timescale=True)
        os.environ.update({"DATABASE_URL": dsn, "REDIS_URL": redis_server.url, "CODETIME_KEY_PEPPER": "bench",
                           "POWERTOOLS_METRICS_DISABLED": "true", "POWERTOOLS_LOG_LEVEL": "WARNING",
                           # Latency, not the read rate limit, is measured here.
                           "CODETIME_RATE_LIMIT_READ": "off"})  # fmt: skip
        os.environ.pop("SQS_QUEUE_URL", None)
        import psycopg

        from codetime.db.migrate import migrate
        from codetime.lifecycle import reset_clients
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
        results.add("writer.throughput", n / writer, "heartbeats/s", "raw COPY, same batches", n / batched_copy,
                    target="ratio >= 0.5")  # fmt: skip
        results.add("writer.throughput_vs_single_copy", n / writer, "heartbeats/s", "raw COPY, one stream",
                    n / single_copy)  # fmt: skip
        print(f"    raw COPY, same batches: {n / batched_copy:7,.0f} rows/s        ({batched_copy:6.2f} s)"
              f"   writer/COPY = {batched_copy / writer:.2f}")  # fmt: skip
        print(f"    raw COPY, one stream:   {n / single_copy:7,.0f} rows/s        ({single_copy:6.2f} s)"
              f"   writer/COPY = {single_copy / writer:.2f}")  # fmt: skip

        print(f"\n(b) reads through the summary Lambda handler, user with {n:,} heartbeats (Redis cache)")
        naive = bench_naive_summary(dsn, str(user.id), args.rounds)
        naive_p50, naive_p95 = p50_p95(naive)
        print(f"    {'naive reference: 1-year summary,':38s}")
        print(f"    {'  one window query over raw':38s} uncached {percentiles(naive)}")
        results.add("reads.naive_summary_1y.p95", naive_p95, "ms", target="reference")
        targets = {
            "statusbar/today": ("<= 5 ms", "<= 3 ms"),
            "goal progress (2 hrs Python/weekday)": (None, None),
            "user_agents": ("<= 20 ms", "<= 3 ms"),
        }
        for name, (uncached, cached) in bench_reads(issued.plaintext, args.rounds).items():
            u50, u95 = p50_p95(uncached)
            c50, c95 = p50_p95(cached)
            print(f"    {name:38s} uncached {percentiles(uncached)}   p95/naive {u95 / naive_p95:.3f}")
            print(f"    {'':38s} cached   {percentiles(cached)}   p95/naive {c95 / naive_p95:.3f}")
            uncached_target, cached_target = targets.get(name, ("<= 25 ms", "<= 3 ms"))
            key = "reads." + name.split(" (")[0].replace(", ", "_").replace(" ", "_").replace("/", "_")
            results.add(f"{key}.uncached.p95", u95, "ms", "naive 1-year summary p95", naive_p95, uncached_target)
            results.add(f"{key}.uncached.p50", u50, "ms", "naive 1-year summary p50", naive_p50)
            results.add(f"{key}.cached.p95", c95, "ms", "naive 1-year summary p95", naive_p95, cached_target)

        print(f"\n(f) team reads through the summary Lambda handler: a dashboard of {TEAM_SIZE} members, 30 days each"
              " (a fifth sharing matching projects only, a fifth totals only)")  # fmt: skip
        for name, (uncached, cached) in bench_team(issued.plaintext, args.rounds).items():
            u50, u95 = p50_p95(uncached)
            c50, c95 = p50_p95(cached)
            print(f"    {name:38s} uncached {percentiles(uncached)}")
            print(f"    {'':38s} cached   {percentiles(cached)}")
            days = "_30d" if "30 days" in name else "_7d" if "7 days" in name else ""
            key = "teams." + name.split(",")[0].replace("'", "").replace(" ", "_") + days
            results.add(f"{key}.uncached.p50", u50, "ms")
            results.add(f"{key}.uncached.p95", u95, "ms")
            results.add(f"{key}.cached.p50", c50, "ms")
            results.add(f"{key}.cached.p95", c95, "ms", target="<= 5 ms")

        print("\n(c) cold start: fresh interpreter, import the Lambda's entry module (app build) + first request")
        interpreter = bench_interpreter(args.cold_rounds)
        i50, _ = p50_p95(interpreter)
        print(f"    {'bare interpreter (reference)':38s} p50 {i50:7.1f} ms")
        for name, (imports, firsts, status) in bench_cold_start(issued.plaintext, args.cold_rounds).items():
            totals = [a + b for a, b in zip(imports, firsts, strict=True)]
            t50, t95 = p50_p95(totals)
            m50, _ = p50_p95(imports)
            f50, _ = p50_p95(firsts)
            print(f"    {name:12s} init+first p50 {t50:7.1f} ms  p95 {t95:7.1f} ms  (import {m50:6.1f} ms,"
                  f" first request {f50:6.1f} ms, status {status})")  # fmt: skip
            results.add(f"cold_start.{name}.p50", t50, "ms", "bare interpreter", i50, "<= 500 ms")
            results.add(f"cold_start.{name}.import.p50", m50, "ms", "bare interpreter", i50)
        print("    SnapStart (restore from a snapshot) cannot be measured outside AWS Lambda: not measured here.")
        with tempfile.TemporaryDirectory() as tmp:
            bench_accounts(user, Path(tmp), results)
        bench_leaderboard(args.leaderboard_users, args.rounds, results)
        import live

        live.run(results)
        reset_clients()
    results.write(args)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
