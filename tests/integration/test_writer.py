"""The batch writer against real PostgreSQL: TimescaleDB and plain, idempotent, recomputing, isolating poison."""

from __future__ import annotations

import json
import threading
import uuid
from datetime import date

import psycopg
import pytest

from codetime.db import get_pool
from codetime.domain.durations import compute_durations
from codetime.domain.heartbeats import RequestContext, normalize_heartbeat
from codetime.queue_messages import encode_messages
from codetime.repositories.aggregates import AggregateRepository
from codetime.services import aggregation
from codetime.services.keys import create_user
from codetime.services.writer import write_heartbeats
from functions.writer import process_sqs_event
from harness import FIXTURES, sqs_event

pytestmark = pytest.mark.integration
ARN = "arn:aws:sqs:us-east-1:123456789012:codetime-heartbeats"
DAY = date(2026, 8, 18)


def _user(tz: str = "Europe/Moscow", name: str = "dev"):  # type: ignore[no-untyped-def]
    user, _ = create_user(email=f"{name}@example.com", username=name, timezone=tz)
    return user


def _golden(user_id: str) -> list:
    raw = json.loads((FIXTURES / "wakatime-live/heartbeats-day.json").read_text())["data"]
    ctx = RequestContext(user_id=user_id, user_agent="wakatime/v1.0 (linux-6-x86_64) go1.21 vim/9 vim-wakatime/1")
    return [normalize_heartbeat(hb, ctx, now=hb["time"], max_age_seconds=1) for hb in raw]


def _event(*bodies: str) -> dict:
    messages = [{"MessageId": str(uuid.uuid4()), "ReceiptHandle": "rh", "Body": b} for b in bodies]
    return sqs_event(messages, ARN)


def _day_total(user_id, day: date = DAY) -> float:  # type: ignore[no-untyped-def]
    with get_pool().connection() as conn:
        rows = AggregateRepository(conn).totals(user_id, day, day)
    return round(sum(r.seconds for r in rows), 6)


def _count(sql: str, *params: object) -> int:
    with get_pool().connection() as conn:
        return conn.execute(sql, params).fetchone()[0]


def test_golden_day_aggregates_equal_wakatime(any_db_env: str) -> None:
    user = _user()
    heartbeats = _golden(str(user.id))
    bodies = encode_messages(heartbeats)
    assert process_sqs_event(_event(*bodies)) == {"batchItemFailures": []}
    assert _day_total(user.id) == pytest.approx(21839.291, abs=1e-3)
    with get_pool().connection() as conn:
        rows = AggregateRepository(conn).totals(user.id, DAY, DAY)
        timescale = (
            conn.execute("SELECT count(*) FROM timescaledb_information.hypertables")
            if "timescale" in any_db_env
            else None
        )
        assert timescale is None or timescale.fetchone()[0] == 1
    # The SQL attribution equals the reference implementation in every dimension.
    ordered = sorted(heartbeats, key=lambda hb: hb.time)  # stable: ties keep arrival order, like seq
    for dim in ("project", "language", "category"):
        expected: dict[str, float] = {}
        for d in compute_durations(ordered, 900, key=lambda hb, dim=dim: getattr(hb, dim) or ""):
            expected[d.value] = expected.get(d.value, 0.0) + d.duration
        got: dict[str, float] = {}
        for row in rows:
            got[getattr(row, dim)] = got.get(getattr(row, dim), 0.0) + row.seconds
        assert {k: round(v, 3) for k, v in got.items()} == {k: round(v, 3) for k, v in expected.items() if v}


def test_redelivery_and_out_of_order_batches_never_double_count(any_db_env: str) -> None:
    user = _user()
    heartbeats = _golden(str(user.id))
    halves = [heartbeats[1::2], heartbeats[::2]]  # interleaved: every batch is "late" for the other
    for half in reversed(halves):
        process_sqs_event(_event(*encode_messages(half)))
    process_sqs_event(_event(*encode_messages(heartbeats)))  # full redelivery
    process_sqs_event(_event(*encode_messages(heartbeats[:10])))
    # The capture holds 4 pairs equal in every field but their AI token counts: distinct events (WakaTime's token
    # sums count both), so all 502 are stored once each.
    distinct = len({(hb.time, hb.content_hash) for hb in heartbeats})
    assert distinct == 502
    assert _count("SELECT count(*) FROM heartbeats WHERE user_id = %s", user.id) == distinct
    assert _day_total(user.id) == pytest.approx(21839.291, abs=1e-3)


def test_poison_message_fails_alone(any_db_env: str) -> None:
    user = _user()
    good = encode_messages(_golden(str(user.id))[:50])
    event = _event(good[0], '{"v": 1, "heartbeats": [{"entity": 1}]}', "not json")
    response = process_sqs_event(event)
    failed = {f["itemIdentifier"] for f in response["batchItemFailures"]}
    assert failed == {event["Records"][1]["messageId"], event["Records"][2]["messageId"]}
    assert _count("SELECT count(*) FROM heartbeats") == 50


def test_database_poison_is_isolated_by_retrying_per_message(any_db_env: str) -> None:
    user = _user()
    heartbeats = _golden(str(user.id))[:20]
    # Passes decoding but PostgreSQL rejects it (a NUL byte): only that message may fail.
    bad = json.loads(encode_messages(heartbeats[:1])[0])
    bad["heartbeats"][0]["entity"] = "a\u0000b"
    event = _event(encode_messages(heartbeats[1:10])[0], json.dumps(bad), encode_messages(heartbeats[10:])[0])
    response = process_sqs_event(event)
    assert [f["itemIdentifier"] for f in response["batchItemFailures"]] == [event["Records"][1]["messageId"]]
    assert _count("SELECT count(*) FROM heartbeats") == 19


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("entity", "a\u0000b"),
        ("project", "\ud800"),
        ("entity", "".join(chr(0x10000 + i * 7919 % 0xFFFF) for i in range(4096))),
    ],
    ids=["nul", "lone-surrogate", "too-big-for-an-index-row"],
)
def test_one_unwritable_heartbeat_never_costs_its_neighbours(any_db_env: str, field: str, value: str) -> None:
    """Something ingestion should have refused still reaches the writer: the heartbeats next to it in its message
    are stored, only the message fails (for the DLQ), and a redelivery stores nothing twice."""
    user = _user()
    heartbeats = _golden(str(user.id))[:20]
    message = json.loads(encode_messages(heartbeats[:10])[0])
    message["heartbeats"][4][field] = value
    event = _event(json.dumps(message), encode_messages(heartbeats[10:])[0])
    for _ in range(2):  # the first delivery and SQS's redelivery of the failed message
        response = process_sqs_event(event)
        assert [f["itemIdentifier"] for f in response["batchItemFailures"]] == [event["Records"][0]["messageId"]]
        assert _count("SELECT count(*) FROM heartbeats") == 19


@pytest.mark.parametrize(
    ("field", "value"), [("project", 7), ("lines", "12"), ("is_write", "yes"), ("dependencies", ["a", 1])]
)
def test_wrongly_typed_field_fails_only_its_message(any_db_env: str, field: str, value: object) -> None:
    user = _user()
    heartbeats = _golden(str(user.id))[:20]
    bad = json.loads(encode_messages(heartbeats[:1])[0])
    bad["heartbeats"][0][field] = value
    event = _event(encode_messages(heartbeats[1:10])[0], json.dumps(bad), encode_messages(heartbeats[10:])[0])
    response = process_sqs_event(event)
    assert [f["itemIdentifier"] for f in response["batchItemFailures"]] == [event["Records"][1]["messageId"]]
    assert _count("SELECT count(*) FROM heartbeats") == 19


def test_heartbeats_of_deleted_users_are_dropped(any_db_env: str) -> None:
    ghost = str(uuid.uuid4())
    response = process_sqs_event(_event(*encode_messages(_golden(ghost)[:5])))
    assert response == {"batchItemFailures": []}
    assert _count("SELECT count(*) FROM heartbeats") == 0


def test_days_follow_the_users_timezone(any_db_env: str) -> None:
    east, west = _user("Pacific/Kiritimati", "east"), _user("Pacific/Honolulu", "west")  # UTC+14 / UTC-10
    t = 1_795_305_600.0  # 2026-11-22T00:00:00Z
    for user in (east, west):
        ctx = RequestContext(user_id=str(user.id))
        beats = [normalize_heartbeat({"entity": "a", "time": t + i * 60}, ctx, now=t, max_age_seconds=10**9)
                 for i in range(3)]  # fmt: skip
        process_sqs_event(_event(*encode_messages(beats)))
    assert _day_total(east.id, date(2026, 11, 22)) == 120
    assert _day_total(west.id, date(2026, 11, 21)) == 120


def test_late_heartbeat_recomputes_the_day(any_db_env: str) -> None:
    user = _user("UTC")
    ctx = RequestContext(user_id=str(user.id))
    t = 1_795_305_600.0

    def beat(offset: float):  # type: ignore[no-untyped-def]
        return normalize_heartbeat({"entity": "a", "time": t + offset}, ctx, now=t, max_age_seconds=10**9)

    process_sqs_event(_event(*encode_messages([beat(0), beat(1200)])))  # gap over the timeout: 0 s
    assert _day_total(user.id, date(2026, 11, 22)) == 0
    process_sqs_event(_event(*encode_messages([beat(600)])))  # arrives late from an offline queue
    assert _day_total(user.id, date(2026, 11, 22)) == 1200


def test_concurrent_writers_of_one_user_converge(any_db_env: str) -> None:
    user = _user()
    heartbeats = _golden(str(user.id))
    parts = [heartbeats[i::4] for i in range(4)]
    errors: list[BaseException] = []

    def write(part: list) -> None:
        try:
            with psycopg.connect(any_db_env, autocommit=True) as conn:
                write_heartbeats(conn, part)
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)

    threads = [threading.Thread(target=write, args=(p,)) for p in parts]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    assert _day_total(user.id) == pytest.approx(21839.291, abs=1e-3)


def test_summaries_join_stored_parts_and_rows_from_before_parts(any_db_env: str) -> None:
    """The writer stores each day compressed (migration 0013); a range is one gzip answer joined from those parts,
    with empty days around them. Rows written before 0013 hold text: they read the same until recomputed."""
    import gzip

    from codetime.gzip_parts import inflate
    from codetime.services import summaries
    from codetime.services.cache_keys import invalidate_user_summaries

    user = _user()
    assert process_sqs_event(_event(*encode_messages(_golden(str(user.id))))) == {"batchItemFailures": []}
    start, end = date(2026, 8, 16), date(2026, 8, 20)
    joined = summaries.summaries(user, start, end).gzipped
    answer = json.loads(gzip.decompress(joined))
    assert [d["range"]["date"] for d in answer["data"]] == ["2026-08-16", "2026-08-17", "2026-08-18", "2026-08-19",
                                                            "2026-08-20"]  # fmt: skip
    assert answer["data"][2]["grand_total"]["total_seconds"] == pytest.approx(21839.291, abs=1e-3)
    assert answer["data"][2]["grand_total"]["ai_additions"] == 2207
    assert answer["cumulative_total"]["seconds"] == pytest.approx(21839.291, abs=1e-3)
    with get_pool().connection() as conn:
        stored = AggregateRepository(conn).stored_summaries(user.id, DAY, DAY)
        assert stored[0].body is None and stored[0].part is not None
        assert json.loads(inflate(stored[0].part)) == answer["data"][2]
        # As migration 0013 leaves an older row: text, no part.
        conn.execute(
            "UPDATE daily_summaries SET body = %s, body_deflated = NULL, body_crc = NULL, body_length = NULL "
            "WHERE user_id = %s AND day = %s",
            (inflate(stored[0].part).decode(), user.id, DAY),
        )
    invalidate_user_summaries(user.id)
    assert gzip.decompress(summaries.summaries(user, start, end).gzipped) == gzip.decompress(joined)
    legacy_day = json.loads(gzip.decompress(summaries.summaries(user, DAY, DAY).gzipped))["data"][0]
    assert legacy_day == answer["data"][2]
    with get_pool().connection() as conn:  # a rewrite of the day stores a part again
        aggregation.recompute(conn, {user.id: [DAY]})
        assert AggregateRepository(conn).stored_summaries(user.id, DAY, DAY)[0].body is None
