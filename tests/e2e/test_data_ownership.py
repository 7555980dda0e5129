"""Import, export, clear and delete through the real handlers (API Gateway v2 events), moto SQS, the writer,
real PostgreSQL/TimescaleDB and real Redis; and the CLI commands against the same database."""

from __future__ import annotations

import gzip
import json
import time
import uuid
from pathlib import Path

import psycopg
import pytest

from codetime.clients import key_pepper
from codetime.db import get_pool
from codetime.domain.keys import hash_key
from codetime.repositories.accounts import user_id_tables
from codetime.services.keys import create_user
from functions import ingestion, keys, summary
from harness import FIXTURES, basic, call_api, confirmed, http_event, invoke

pytestmark = pytest.mark.e2e
ALICE = "waka_aaaaaaaa-1111-4222-8333-444444444444"
BOB = "waka_bbbbbbbb-1111-4222-8333-444444444444"
DAY = "2026-08-18"
GOLDEN_SECONDS = 21839.291
OLD = 1_546_300_800.0  # 2019-01-01: far older than live ingestion's 365 days


def _golden() -> list[dict]:
    return json.loads((FIXTURES / "wakatime-live/heartbeats-day.json").read_text())["data"]


def _unique(heartbeats: list[dict]) -> int:
    """How many distinct heartbeats (by content hash) a list holds: the capture repeats a few."""
    from codetime.domain.heartbeats import RequestContext, normalize_heartbeat

    ctx = RequestContext(user_id=str(uuid.uuid4()))
    return len({normalize_heartbeat(hb, ctx, now=time.time(), max_age_seconds=None).content_hash for hb in heartbeats})


def _dump(heartbeats: list[dict]) -> dict:
    """WakaTime's data dump shape (user, range, days with heartbeats)."""
    return {
        "user": {"username": "someone", "timezone": "Europe/Moscow"},
        "range": {"start": 0, "end": 0},
        "days": [{"date": DAY, "heartbeats": heartbeats[:200]}, {"date": DAY, "heartbeats": heartbeats[200:]}],
    }


@pytest.fixture
def people(sqs):  # type: ignore[no-untyped-def]
    alice, _ = create_user(email="alice@example.com", username="alice", timezone="Europe/Moscow", api_key=ALICE)
    bob, _ = create_user(email="bob@example.com", username="bob", timezone="Europe/Moscow", api_key=BOB)
    return alice, bob


def _import(key: str, body: object, **kwargs: object):  # type: ignore[no-untyped-def]
    return call_api(keys.handler, "POST", "/api/v1/users/current/imports", headers=basic(key), body=body, **kwargs)


def _day(key: str, day: str = DAY) -> dict:
    response = call_api(summary.handler, "GET", "/api/v1/users/current/summaries", headers=basic(key),
                        query={"start": day, "end": day})  # fmt: skip
    assert response.status == 200, response
    return response.json["data"][0]


def _post_live(key: str, times: list[float], project: str) -> None:
    beats = [{"entity": f"{project}.py", "type": "file", "time": t, "project": project} for t in times]
    response = call_api(ingestion.handler, "POST", "/api/v1/users/current/heartbeats.bulk", headers=basic(key),
                        body=beats)  # fmt: skip
    assert response.status == 202, response


def _rows_per_table(user_id: uuid.UUID) -> dict[str, int]:
    with get_pool().connection() as conn:
        return {
            table: conn.execute(
                psycopg.sql.SQL("SELECT count(*) FROM {} WHERE user_id = %s").format(psycopg.sql.Identifier(table)),
                (user_id,),
            ).fetchone()[0]
            for table in user_id_tables(conn)
        }


def _count(sql: str, *params: object) -> int:
    with get_pool().connection() as conn:
        return conn.execute(sql, params).fetchone()[0]


# --- import ---------------------------------------------------------------------------------------------------


def test_dump_import_goes_through_the_writer_and_twice_changes_nothing(people) -> None:  # type: ignore[no-untyped-def]
    golden = _golden()
    old = {"entity": "old.py", "type": "file", "time": OLD, "project": "history"}
    broken = [{"time": OLD + 60}, "not a heartbeat"]
    body = _dump(golden)
    body["days"].insert(0, {"date": "2019-01-01", "heartbeats": [old, *broken]})

    first = _import(ALICE, body)
    assert first.status == 200, first
    unique = _unique(golden)
    assert first.json["data"]["imported"] == unique + 1
    assert first.json["data"]["invalid"] == 2
    assert first.json["data"]["duplicates"] == len(golden) - unique
    assert first.json["data"]["errors"][0] == {"index": 1, "errors": {"entity": ["This field is required."]}}
    assert _day(ALICE)["grand_total"]["total_seconds"] == pytest.approx(GOLDEN_SECONDS, abs=1e-3)
    assert _day(ALICE, "2019-01-01")["projects"][0]["name"] == "history"  # no maximum age for imports

    stored = _count("SELECT count(*) FROM heartbeats")
    again = _import(ALICE, body)
    assert again.json["data"] == {**first.json["data"], "imported": 0, "duplicates": len(golden) + 1}
    assert _count("SELECT count(*) FROM heartbeats") == stored
    assert _day(ALICE)["grand_total"]["total_seconds"] == pytest.approx(GOLDEN_SECONDS, abs=1e-3)


def test_heartbeat_array_imports_and_bad_bodies_are_4xx(people, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from codetime.config import get_settings

    array = _import(BOB, _golden()[:50])
    assert array.status == 200 and array.json["data"]["imported"] == 50, array
    # Heartbeats API answers ({"data": [...]}) import too.
    assert _import(BOB, {"data": _golden()[:60]}).json["data"]["imported"] == 10

    bad = _import(BOB, None, raw_body='{"days": [{"heartbeats": [')
    assert bad.status == 400 and "not valid JSON" in bad.json["error"], bad
    assert _import(BOB, None, raw_body="42").status == 400
    monkeypatch.setenv("CODETIME_MAX_IMPORT_BYTES", "1000")
    get_settings.cache_clear()
    too_big = _import(BOB, _golden()[:50])
    assert too_big.status == 413 and "codetime import" in too_big.json["error"], too_big
    get_settings.cache_clear()


# --- export ---------------------------------------------------------------------------------------------------


def test_export_round_trips_into_a_fresh_user(people) -> None:  # type: ignore[no-untyped-def]
    _import(ALICE, _dump(_golden()))
    _import(ALICE, [{"entity": "old.py", "time": OLD, "project": "history", "user_agent": "vim/9 vim-wakatime/1"}])

    plain = call_api(keys.handler, "GET", "/api/v1/users/current/export",
                     headers={**basic(ALICE), "accept-encoding": None})  # fmt: skip
    assert plain.status == 200 and "attachment" in plain.headers["content-disposition"], plain
    document = json.loads(plain.text)
    assert [d["date"] for d in document["days"]] == ["2019-01-01", DAY]
    assert document["user"]["username"] == "alice"
    assert sum(len(d["heartbeats"]) for d in document["days"]) == _count("SELECT count(*) FROM heartbeats")
    zipped = call_api(keys.handler, "GET", "/api/v1/users/current/export",
                      headers={**basic(ALICE), "accept-encoding": "gzip"})  # fmt: skip
    assert zipped.headers["content-encoding"] == "gzip"
    assert json.loads(zipped.text)["days"] == document["days"]

    result = _import(BOB, document)
    assert result.json["data"]["imported"] == sum(len(d["heartbeats"]) for d in document["days"])
    for day in (DAY, "2019-01-01"):
        mine, theirs = _day(ALICE, day), _day(BOB, day)
        for key in ("grand_total", "projects", "languages", "editors", "operating_systems", "categories"):
            assert mine[key] == theirs[key], (day, key)


def test_export_of_a_user_without_heartbeats_is_an_empty_dump(people) -> None:  # type: ignore[no-untyped-def]
    response = call_api(keys.handler, "GET", "/api/v1/users/current/export",
                        headers={**basic(BOB), "accept-encoding": None})  # fmt: skip
    assert json.loads(response.text)["days"] == []


# --- delete and clear -----------------------------------------------------------------------------------------


def _redis_keys(redis_url: str) -> list[str]:
    import redis

    return [k.decode() for k in redis.Redis.from_url(redis_url).scan_iter("*")]


def test_delete_removes_every_row_key_and_cache_entry_and_spares_others(people, sqs, redis_env) -> None:  # type: ignore[no-untyped-def]
    alice, bob = people
    for key in (ALICE, BOB):
        _import(key, _dump(_golden()))
        _post_live(key, [time.time() - 120, time.time() - 60], "live")
    sqs.drain()
    for key in (ALICE, BOB):  # warm every cache: key lookups, users, generations, reads
        _day(key)
        call_api(summary.handler, "GET", "/api/v1/users/current/statusbar/today", headers=basic(key))
    _post_live(ALICE, [time.time() - 30], "queued")  # still in the queue when the account goes
    assert any(str(alice.id) in k for k in _redis_keys(redis_env))
    assert f"ct:key:{hash_key(ALICE, key_pepper()).hex()}" in _redis_keys(redis_env)
    with get_pool().connection() as conn:
        alice_key_ids = [k for (k,) in conn.execute("SELECT id FROM api_keys WHERE user_id = %s", (alice.id,))]
    assert any(f"ct:keyused:{alice_key_ids[0]}" == k for k in _redis_keys(redis_env))
    bob_rows = _rows_per_table(bob.id)
    assert bob_rows["heartbeats"] > 0 and bob_rows["daily_totals"] > 0 and bob_rows["api_keys"] == 1

    refused = call_api(keys.handler, "DELETE", "/api/v1/users/current", headers=confirmed(basic(ALICE), alice),
                       query={"confirm": "bob"})  # fmt: skip
    assert refused.status == 400 and "confirm=alice" in refused.json["error"]
    assert _rows_per_table(alice.id)["heartbeats"] > 0

    done = call_api(keys.handler, "DELETE", "/api/v1/users/current", headers=confirmed(basic(ALICE), alice),
                    query={"confirm": "alice"})  # fmt: skip
    assert done.status == 200 and done.json == {"data": {"deleted": "account", "complete": True}}, done
    sqs.drain()  # the queued heartbeat reaches the writer after the deletion: dropped, not resurrected

    assert set(_rows_per_table(alice.id).values()) == {0}, _rows_per_table(alice.id)
    assert _count("SELECT count(*) FROM users WHERE id = %s", alice.id) == 0
    assert _count("SELECT count(*) FROM data_purges") == 0
    cached = _redis_keys(redis_env)
    alice_markers = [str(alice.id), hash_key(ALICE, key_pepper()).hex(), *map(str, alice_key_ids)]
    # Only the revoked keys' markers stay (ct:keyrevoked:<hash>, expiring with the longest-lived key entry): they
    # stop a login that was in flight during the deletion from caching the key again.
    left = [k for k in cached if any(m in k for m in alice_markers)]
    assert left == [f"ct:keyrevoked:{hash_key(ALICE, key_pepper()).hex()}"]
    assert f"ct:key:{hash_key(BOB, key_pepper()).hex()}" in cached  # bob's lookups stay cached
    assert call_api(summary.handler, "GET", "/api/v1/users/current/statusbar/today", headers=basic(ALICE)).status == 401
    assert _rows_per_table(bob.id) == bob_rows
    assert _day(BOB)["grand_total"]["total_seconds"] == pytest.approx(GOLDEN_SECONDS, abs=1e-3)


def test_deleting_much_data_finishes_through_the_queue(people, sqs, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from codetime.config import get_settings

    alice, bob = people
    # Heartbeats spread over months: several purge windows.
    spread = [{"entity": f"f{i}.py", "time": OLD + i * 86400 * 3, "project": "p"} for i in range(120)]
    _import(ALICE, spread)
    _import(BOB, spread)
    monkeypatch.setenv("CODETIME_PURGE_BUDGET_SECONDS", "0")  # each step stops after one window
    get_settings.cache_clear()
    response = call_api(keys.handler, "DELETE", "/api/v1/users/current", headers=confirmed(basic(ALICE), alice),
                        query={"confirm": str(alice.id)})  # fmt: skip
    assert response.status == 202 and response.json["data"] == {"deleted": "account", "complete": False}
    assert call_api(summary.handler, "GET", "/api/v1/users/current/summaries", headers=basic(ALICE)).status == 401
    remaining = _rows_per_table(alice.id)
    assert 0 < remaining["heartbeats"] < 120 and remaining["api_keys"] == 0
    assert _count("SELECT count(*) FROM data_purges WHERE user_id = %s", alice.id) == 1
    sqs.drain()  # each purge message deletes a window and queues the next
    assert set(_rows_per_table(alice.id).values()) == {0}
    assert _count("SELECT count(*) FROM data_purges") == 0
    assert _rows_per_table(bob.id)["heartbeats"] == 120
    get_settings.cache_clear()


def test_clear_keeps_the_account_and_queued_old_heartbeats_stay_cleared(people, sqs) -> None:  # type: ignore[no-untyped-def]
    alice, bob = people
    now = time.time()
    _post_live(ALICE, [now - 900, now - 800], "before")
    _post_live(BOB, [now - 900, now - 800], "bob")
    sqs.drain()
    _post_live(ALICE, [now - 700, now - 600], "queued-before-clear")  # queued, delivered only after the clear

    refused = call_api(keys.handler, "DELETE", "/api/v1/users/current/data", headers=confirmed(basic(ALICE), alice))
    assert refused.status == 400
    cleared = call_api(keys.handler, "DELETE", "/api/v1/users/alice/data", headers=confirmed(basic(ALICE), alice),
                       query={"confirm": "alice"})  # fmt: skip
    assert cleared.status == 200 and cleared.json["data"] == {"deleted": "data", "complete": True}, cleared
    _post_live(ALICE, [now - 300, now - 200], "after")  # sent after the clear: kept
    sqs.drain()

    with get_pool().connection() as conn:
        projects = {p for (p,) in conn.execute("SELECT DISTINCT project FROM heartbeats WHERE user_id = %s",
                                                (alice.id,))}  # fmt: skip
    assert projects == {"after"}
    today = call_api(summary.handler, "GET", "/api/v1/users/current/statusbar/today", headers=basic(ALICE))
    assert today.status == 200  # the key still works
    assert [p["name"] for p in today.json["data"]["projects"]] == ["after"]
    assert today.json["data"]["grand_total"]["total_seconds"] == 100
    assert _rows_per_table(bob.id)["heartbeats"] == 2


def test_writer_drops_messages_queued_before_the_clear(people) -> None:  # type: ignore[no-untyped-def]
    """The mechanism alone: a message stamped before data_cleared_at is dropped, one stamped after is written."""
    from codetime.domain.heartbeats import RequestContext, normalize_heartbeat
    from codetime.queue_messages import encode_messages
    from codetime.services.accounts import clear_data
    from functions.writer import process_sqs_event
    from harness import sqs_event

    alice, _ = people
    ctx = RequestContext(user_id=str(alice.id))
    beat = normalize_heartbeat({"entity": "a", "time": time.time() - 60}, ctx, now=time.time(), max_age_seconds=None)
    before = encode_messages([beat], queued_at=time.time())
    clear_data(alice.id, budget_seconds=None)
    after = encode_messages([beat], queued_at=time.time() + 0.01)
    message = {"MessageId": "m1", "ReceiptHandle": "r", "Body": before[0]}
    assert process_sqs_event(sqs_event([message], "arn:aws:sqs:us-east-1:1:q")) == {"batchItemFailures": []}
    assert _count("SELECT count(*) FROM heartbeats") == 0
    process_sqs_event(sqs_event([{**message, "Body": after[0]}], "arn:aws:sqs:us-east-1:1:q"))
    assert _count("SELECT count(*) FROM heartbeats") == 1


# --- CLI ------------------------------------------------------------------------------------------------------


def _cli(*args: str) -> int:
    from codetime.cli import main

    return main(list(args))


def test_cli_import_reports_counts_and_a_rerun_after_interruption_imports_nothing_twice(  # type: ignore[no-untyped-def]
    people, tmp_path: Path, capsys, monkeypatch
) -> None:
    from codetime.services import imports

    path = tmp_path / "dump.json"
    path.write_text(json.dumps(_dump(_golden())))
    unique = _unique(_golden())

    calls = {"n": 0}
    real = imports.write_heartbeats

    def interrupted(conn, batch):  # type: ignore[no-untyped-def]
        calls["n"] += 1
        if calls["n"] == 3:
            raise KeyboardInterrupt
        return real(conn, batch)

    monkeypatch.setattr(imports, "write_heartbeats", interrupted)
    monkeypatch.setattr(imports, "BATCH_SIZE", 100)
    monkeypatch.setattr(imports.import_heartbeats, "__kwdefaults__", {"batch_size": 100, "progress": None})
    assert _cli("import", str(path), "--email", "alice@example.com") == 130
    assert "run the same command again" in capsys.readouterr().err
    partial = _count("SELECT count(*) FROM heartbeats")
    assert 0 < partial < unique

    monkeypatch.setattr(imports, "write_heartbeats", real)
    assert _cli("import", str(path), "--email", "alice@example.com") == 0
    out = capsys.readouterr().out
    assert f"imported {unique - partial}, duplicate {len(_golden()) - unique + partial}, invalid 0" in out
    assert _count("SELECT count(*) FROM heartbeats") == unique
    assert _cli("import", str(path), "--username", "alice") == 0
    assert f"imported 0, duplicate {len(_golden())}, invalid 0" in capsys.readouterr().out
    assert _cli("import", str(path), "--email", "nobody@example.com") == 2


def test_cli_progress_line_has_rate_and_eta() -> None:
    from codetime.cli.data import _progress_line

    line = _progress_line(512 * 1024 * 1024, 2 * 1024**3, 10.0, "imported 5 duplicate 0 invalid 0")
    assert "25.0%" in line and "51.2 MB/s" in line and "ETA 0m30s" in line and "512.0 MB/2.0 GB" in line


def test_cli_export_then_import_and_delete_and_clear(people, tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    alice, bob = people
    source = tmp_path / "golden.json"
    source.write_text(json.dumps(_golden()))
    assert _cli("import", str(source), "--username", "alice", "--quiet") == 0
    target = tmp_path / "export.json"
    assert _cli("export", "--email", "alice@example.com", "--output", str(target)) == 0
    assert not (tmp_path / "export.json.partial").exists()
    assert _cli("import", str(target), "--username", "bob") == 0
    assert _day(ALICE)["grand_total"] == _day(BOB)["grand_total"]

    assert _cli("users", "clear", "--username", "bob", "--yes") == 0
    assert _rows_per_table(bob.id)["heartbeats"] == 0 and _rows_per_table(bob.id)["api_keys"] == 1
    assert _cli("users", "delete", "--email", "alice@example.com", "--yes") == 0
    assert set(_rows_per_table(alice.id).values()) == {0}
    assert _count("SELECT count(*) FROM users") == 1
    assert _cli("users", "delete", "--email", "bob@example.com") == 1  # no terminal and no --yes: refused
    assert "pass --yes" in capsys.readouterr().err
    assert _count("SELECT count(*) FROM users") == 1


def test_gzip_export_is_valid_gzip(people) -> None:  # type: ignore[no-untyped-def]
    raw = invoke(keys.handler, http_event("GET", "/api/v1/users/current/export",
                                          headers={**basic(ALICE), "accept-encoding": "gzip"}))  # fmt: skip
    import base64

    assert json.loads(gzip.decompress(base64.b64decode(raw["body"])))["days"] == []
