"""Operations surfaces through the real handlers: health, admin-only access, DLQ list/replay (moto SQS and the
local queue) written exactly once, per-user Prometheus metrics, writer metrics."""

from __future__ import annotations

import http.server
import json
import threading
from datetime import UTC, datetime, time, timedelta

import pytest
from reports_helpers import seed

from codetime.db import get_pool
from codetime.domain.heartbeats import RequestContext, normalize_heartbeat
from codetime.queue_messages import encode_messages
from codetime.services.keys import create_user
from functions import ops, summary
from harness import basic, call_api, start_of_today

pytestmark = pytest.mark.e2e

ADMIN_KEY = "waka_aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee"
USER_KEY = "waka_12345678-1234-4234-8234-123456789abc"


ISSUER = "https://issuer.codetime.test"


@pytest.fixture
def people(monkeypatch: pytest.MonkeyPatch, tmp_path):  # type: ignore[no-untyped-def]
    """An administrator (signed in with a real RS256 token of the dev issuer) and a plain user (API key)."""
    from codetime.clients import jwks_client
    from codetime.config import get_settings
    from codetime.local import dev_issuer

    # The issuer's signing keys, served on loopback: validation fetches them as it would from a real issuer.
    body = json.dumps(dev_issuer.jwks(tmp_path)).encode()

    class Jwks(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *_: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Jwks)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    monkeypatch.setenv("CODETIME_OIDC_ISSUER", ISSUER)
    monkeypatch.setenv("CODETIME_OIDC_AUDIENCE", dev_issuer.DEV_AUDIENCE)
    monkeypatch.setenv("CODETIME_OIDC_JWKS_URL", f"http://127.0.0.1:{server.server_port}/jwks.json")
    monkeypatch.setenv("CODETIME_ADMINS", "someone@else.org, Ops@Example.com")
    get_settings.cache_clear()
    jwks_client.cache_clear()
    admin, _ = create_user(email="ops@example.com", username="ops", timezone="UTC", api_key=ADMIN_KEY)
    user, _ = create_user(email="dev@example.com", username="dev", timezone="UTC", api_key=USER_KEY)
    token = dev_issuer.issue_token(tmp_path, email="ops@example.com", issuer=ISSUER)
    ADMIN.clear()
    ADMIN["authorization"] = f"Bearer {token}"
    yield admin, user
    server.shutdown()
    get_settings.cache_clear()
    jwks_client.cache_clear()


# Headers of the signed-in administrator (set by the `people` fixture).
ADMIN: dict[str, str] = {}


def _bodies(user, count: int, start: float) -> list[str]:  # type: ignore[no-untyped-def]
    context = RequestContext(user_id=str(user.id), user_agent="wakatime/v1.90.0 (linux-6.1) go1.22 vscode/1.90.0")
    beats = [
        normalize_heartbeat({"entity": f"/x/{i}.py", "time": start + 60 * i, "project": "p"}, context,
                            now=start + 86400, max_age_seconds=86400 * 30)
        for i in range(count)
    ]  # fmt: skip
    return encode_messages(beats)


def _heartbeats() -> int:
    with get_pool().connection() as conn:
        return conn.execute("SELECT count(*) FROM heartbeats").fetchone()[0]


def test_liveness_needs_no_key(db_env: str) -> None:
    got = call_api(ops.handler, "GET", "/health")
    assert got.status == 200 and got.json == {"status": "ok"}


def test_ops_routes_are_for_admins_only(db_env: str, people) -> None:  # type: ignore[no-untyped-def]
    for method, path in (("GET", "/api/v1/ops/health"), ("GET", "/api/v1/ops/dlq"), ("POST", "/api/v1/ops/dlq/replay"),
                         ("GET", "/api/v1/ops/jobs")):  # fmt: skip
        assert call_api(ops.handler, method, path).status == 401
        denied = call_api(ops.handler, method, path, headers=basic(USER_KEY))
        assert denied.status == 403 and denied.json == {"error": "Administrators only."}
        # An API key is never an administrator, not even the administrator's own.
        own_key = call_api(ops.handler, method, path, headers=basic(ADMIN_KEY))
        assert own_key.status == 403 and own_key.json == {"error": "Administrators only."}


def test_health_with_local_queue_and_redis(redis_env: str, people, redis_server) -> None:  # type: ignore[no-untyped-def]
    admin, user = people
    with get_pool().connection() as conn, conn.cursor() as cur:
        cur.executemany("INSERT INTO local_queue (body, sent_at, dead) VALUES (%s, now() - interval '90 seconds', %s)",
                        [("{}", False), ("{}", True), ("{}", True)])  # fmt: skip
    got = call_api(ops.handler, "GET", "/api/v1/ops/health", headers=ADMIN)
    assert got.status == 200, got
    checks = got.json["checks"]
    assert checks["database"]["ok"] and checks["redis"] == {**checks["redis"], "ok": True, "configured": True}
    queue = checks["queue"]
    assert queue["kind"] == "local" and queue["depth"] == 1 and queue["dlq_depth"] == 2
    assert queue["oldest_age_seconds"] >= 90
    assert checks["writer"]["last_success"] is None
    redis_server.stop()
    try:
        down = call_api(ops.handler, "GET", "/api/v1/ops/health", headers=ADMIN)
        assert down.status == 503 and down.json["status"] == "degraded"
        assert down.json["checks"]["redis"]["ok"] is False and down.json["checks"]["database"]["ok"] is True
    finally:
        redis_server.start()


def test_sqs_dlq_list_and_replay_write_exactly_once(sqs, people, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    admin, user = people
    monkeypatch.setenv("SQS_DLQ_URL", sqs.dlq_url)
    start = (datetime.now(UTC) - timedelta(hours=3)).timestamp()
    first, second = _bodies(user, 5, start), _bodies(user, 3, start + 3600)
    client = sqs.client
    # `first` was written once already and also dead-lettered (a timeout after the commit); `second` never was.
    client.send_message(QueueUrl=sqs.queue_url, MessageBody=first[0])
    sqs.drain()
    assert _heartbeats() == 5
    for body in (first[0], second[0], second[0], '{"v": 99}'):  # a duplicate, and a poison message
        client.send_message(QueueUrl=sqs.dlq_url, MessageBody=body)

    listed = call_api(ops.handler, "GET", "/api/v1/ops/dlq", headers=ADMIN)
    assert listed.status == 200, listed
    assert listed.json["count"] == 4
    summaries = sorted(listed.json["data"], key=lambda d: d["heartbeats"] or 0)
    assert summaries[0]["problem"] == "undecodable message" and summaries[0]["heartbeats"] is None
    assert [s["heartbeats"] for s in summaries[1:]] == [3, 3, 5]
    assert summaries[3]["users"] == {str(user.id): 5}
    assert "entity" not in listed.text and "/x/" not in listed.text  # no heartbeat bodies
    assert sqs.depth(sqs.dlq_url) == 4  # looking does not hide them

    replayed = call_api(ops.handler, "POST", "/api/v1/ops/dlq/replay", headers=ADMIN)
    assert replayed.status == 200 and replayed.json == {"replayed": 4, "failed": 0}
    assert sqs.depth(sqs.dlq_url) == 0 and sqs.depth() == 4
    sqs.drain()
    assert _heartbeats() == 8  # 5 + 3: the duplicate and the already-written message changed nothing
    with get_pool().connection() as conn:
        assert conn.execute("SELECT count(DISTINCT (user_id, time, content_hash)) FROM heartbeats").fetchone()[0] == 8
    # The poison message went back to the queue and fails again on its own; the health check counts the writer.
    health = call_api(ops.handler, "GET", "/api/v1/ops/health", headers=ADMIN).json
    queue = health["checks"]["queue"]
    assert queue["kind"] == "sqs" and queue["depth"] + queue["in_flight"] == 1 and queue["dlq_depth"] == 0
    assert health["checks"]["writer"]["last_success"] is not None
    assert health["checks"]["writer"]["last_batch"]["inserted"] >= 0


def test_local_dead_letters_list_and_replay(db_env: str, people, capsys: pytest.CaptureFixture[str]) -> None:  # type: ignore[no-untyped-def]
    from codetime.cli import main
    from codetime.local.queue_worker import LocalQueueWorker
    from functions.writer import handler as writer_handler

    admin, user = people
    bodies = _bodies(user, 4, (datetime.now(UTC) - timedelta(hours=2)).timestamp())
    with get_pool().connection() as conn, conn.cursor() as cur:
        cur.executemany("INSERT INTO local_queue (body, receive_count, dead) VALUES (%s, 5, true)",
                        [(bodies[0],), (bodies[0],)])  # fmt: skip
    assert main(["ops", "dlq", "list"]) == 0
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [line["heartbeats"] for line in lines] == [4, 4] and lines[0]["receive_count"] == 5
    assert main(["ops", "dlq", "replay"]) == 0
    assert "replayed 2 message(s)" in capsys.readouterr().out
    worker = LocalQueueWorker(writer_handler)
    while worker.run_once():
        pass
    assert _heartbeats() == 4
    with get_pool().connection() as conn:
        assert conn.execute("SELECT count(*) FROM local_queue").fetchone()[0] == 0


def test_prometheus_metrics_per_user(db_env: str, people) -> None:  # type: ignore[no-untyped-def]
    admin, user = people
    # Every group within one day, at any hour: today's after midnight (up to 30 min ahead of the clock, as a
    # plugin's may be), the older one at noon three days ago.
    now = max(datetime.now(UTC), datetime.fromtimestamp(start_of_today() + 3000, UTC))
    seed(user, now - timedelta(minutes=30), 20, project='we"ird\\name')
    seed(user, datetime.combine(now.date() - timedelta(days=3), time(12), UTC), 10, project="older")
    seed(admin, now - timedelta(minutes=50), 40, project="not-mine")
    got = call_api(summary.handler, "GET", "/api/v1/users/current/metrics", headers=basic(USER_KEY))
    assert got.status == 200 and got.headers["content-type"].startswith("text/plain; version=0.0.4")
    lines = got.text.splitlines()
    assert "wakatime_cumulative_seconds_total 1800.000000" in lines
    assert "wakatime_seconds_total 1200.000000" in lines
    assert 'wakatime_project_seconds_total{name="we\\"ird\\\\name"} 1200.000000' in lines
    assert 'wakatime_language_seconds_total{name="Python"} 1200.000000' in lines
    assert "# TYPE wakatime_editor_seconds_total counter" in lines
    assert "not-mine" not in got.text and "older" not in got.text
    assert call_api(summary.handler, "GET", "/api/v1/users/current/metrics").status == 401


def test_writer_emits_batch_size_lag_and_records_its_success(
    sqs,
    people,
    capsys: pytest.CaptureFixture[str],  # type: ignore[no-untyped-def]
) -> None:
    admin, user = people
    for body in _bodies(user, 3, (datetime.now(UTC) - timedelta(hours=1)).timestamp()):
        sqs.client.send_message(QueueUrl=sqs.queue_url, MessageBody=body)
    capsys.readouterr()
    sqs.drain()
    emf = [json.loads(line) for line in capsys.readouterr().out.splitlines() if line.startswith('{"_aws"')]
    batch = next(m for m in emf if "WriterBatchSize" in m)
    assert batch["WriterBatchSize"] == [1.0] and batch["HeartbeatsWritten"] == [3.0]
    assert 0 <= batch["WriterLagSeconds"][0] < 600
    units = {d["Name"]: d["Unit"] for d in batch["_aws"]["CloudWatchMetrics"][0]["Metrics"]}
    assert units["WriterLagSeconds"] == "Seconds"
    with get_pool().connection() as conn:
        detail = conn.execute("SELECT detail FROM ops_status WHERE name = 'writer'").fetchone()[0]
    assert detail == {"received": 3, "inserted": 3}


def test_reads_count_cache_hits_and_misses(db_env: str, people, capsys: pytest.CaptureFixture[str]) -> None:  # type: ignore[no-untyped-def]
    for _ in range(2):
        assert call_api(summary.handler, "GET", "/api/v1/users/current/statusbar/today",
                        headers=basic(USER_KEY)).status == 200  # fmt: skip
    emf = [json.loads(line) for line in capsys.readouterr().out.splitlines() if line.startswith('{"_aws"')]
    assert [("CacheMiss" in m, "CacheHit" in m) for m in emf] == [(True, False), (False, True)]


def test_ingestion_counts_accepted_rejected_and_skipped(
    db_env: str,
    people,
    capsys: pytest.CaptureFixture[str],  # type: ignore[no-untyped-def]
) -> None:
    from functions import ingestion

    now = datetime.now(UTC).timestamp()
    beat = {"entity": "/a.py", "time": now - 60, "project": "p"}
    got = call_api(ingestion.handler, "POST", "/api/v1/users/current/heartbeats.bulk", headers=basic(USER_KEY),
                   body=[beat, beat, {"time": now}])  # fmt: skip
    assert [status for _, status in got.json["responses"]] == [201, 202, 400]
    emf = [json.loads(line) for line in capsys.readouterr().out.splitlines() if line.startswith('{"_aws"')]
    counts = next(m for m in emf if "HeartbeatsAccepted" in m)
    assert (counts["HeartbeatsAccepted"], counts["HeartbeatsRejected"], counts["HeartbeatsSkipped"]) == (
        [1.0],
        [1.0],
        [1.0],
    )


def test_jobs_list_newest_first_filtered_and_paginated(db_env: str, people) -> None:  # type: ignore[no-untyped-def]
    from codetime.repositories.jobs import JobRepository

    admin, user = people
    made = []
    for owner, kind, reason in ((admin, "recompute", "timezone"), (user, "recompute", "rules"),
                                (user, "recompute", "week start"), (user, "purge", "delete")):  # fmt: skip
        with get_pool().connection() as conn, conn.transaction():  # one transaction each: distinct created_at
            made.append(JobRepository(conn).create(owner.id, kind, reason))
    with get_pool().connection() as conn:  # the admin's job finished; the user's first recompute was superseded
        JobRepository(conn).save(made[0].id, status="done", first_day=None, last_day=None, next_day=None)

    def jobs(**query: str):  # type: ignore[no-untyped-def]
        return call_api(ops.handler, "GET", "/api/v1/ops/jobs", query=query, headers=ADMIN)

    everything = jobs()
    assert everything.status == 200, everything
    body = everything.json
    assert [j["id"] for j in body["data"]] == [str(j.id) for j in reversed(made)]
    assert [j["status"] for j in body["data"]] == ["pending", "pending", "superseded", "done"]
    assert body["data"][-1]["username"] == admin.username and body["data"][-1]["finished_at"] is not None
    assert (body["total"], body["total_pages"], body["page"], body["next_page"]) == (4, 1, 1, None)
    opened = jobs(status="open", limit="1").json
    assert [j["reason"] for j in opened["data"]] == ["delete"]
    assert (opened["total"], opened["total_pages"], opened["next_page"]) == (2, 2, 2)
    second = jobs(status="open", limit="1", page="2").json
    assert [j["reason"] for j in second["data"]] == ["week start"] and second["prev_page"] == 1
    beyond = jobs(status="open", limit="1", page="3").json
    assert beyond["data"] == [] and beyond["total"] == 2
    failed = jobs(status="failed").json
    assert failed["data"] == [] and failed["total_pages"] == 1
    for bad in ("status=unknown", "limit=0", "limit=101", "page=0", "page=x"):
        refused = jobs(**dict([bad.split("=")]))
        assert refused.status == 400, (bad, refused)


def test_jobs_filters_agree_with_the_route() -> None:
    from typing import get_args

    from codetime.api.routes.ops import JobFilter
    from codetime.services.ops import JOB_FILTERS

    assert set(get_args(JobFilter)) == set(JOB_FILTERS)
