"""Clear and delete racing the writer on real PostgreSQL (TimescaleDB and plain): the row lock orders them."""

from __future__ import annotations

import threading
import time

import psycopg
import pytest

from codetime.db import get_pool
from codetime.domain.heartbeats import RequestContext, normalize_heartbeat
from codetime.services.accounts import clear_data, delete_account
from codetime.services.keys import create_user
from codetime.services.writer import write_heartbeats

pytestmark = pytest.mark.integration


def _beats(user_id: str, project: str, queued_at: float) -> list:
    ctx = RequestContext(user_id=user_id)
    now = time.time()
    beats = [normalize_heartbeat({"entity": "a.py", "time": now - 300 + i, "project": project}, ctx, now=now,
                                 max_age_seconds=None) for i in range(3)]  # fmt: skip
    for hb in beats:
        hb.queued_at = queued_at
    return beats


def _projects(user_id) -> set[str]:  # type: ignore[no-untyped-def]
    with get_pool().connection() as conn:
        return {p for (p,) in conn.execute("SELECT DISTINCT project FROM heartbeats WHERE user_id = %s", (user_id,))}


@pytest.mark.parametrize("operation", ["clear", "delete"])
def test_a_writer_committing_during_the_operation_cannot_resurrect_data(any_db_env: str, operation: str) -> None:
    user, _ = create_user(email="a@example.com", username="a", timezone="UTC")
    with psycopg.connect(any_db_env, autocommit=True) as writer_conn:
        with writer_conn.transaction():  # the writer's batch is written but not committed yet
            write_heartbeats(writer_conn, _beats(str(user.id), "in-flight", time.time()))
            run = clear_data if operation == "clear" else delete_account
            done = threading.Event()
            worker = threading.Thread(target=lambda: (run(user.id, budget_seconds=None), done.set()))
            worker.start()
            time.sleep(0.5)
            assert not done.is_set(), "the operation must wait for the writer's row lock"
        worker.join(10)
        assert done.is_set()
    assert _projects(user.id) == set()
    if operation == "clear":  # heartbeats queued after the clear are written and counted again
        with get_pool().connection() as conn:
            write_heartbeats(conn, _beats(str(user.id), "after", time.time() + 0.01))
            days = conn.execute("SELECT sum(seconds) FROM daily_activity WHERE user_id = %s", (user.id,)).fetchone()
        assert _projects(user.id) == {"after"} and days[0] == 2
