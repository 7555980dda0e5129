"""Scheduled reports: EventBridge ticks through the real handler, moto SES, a loopback webhook, the ledger."""

from __future__ import annotations

import copy
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from reports_helpers import WebhookReceiver, hours, local, seed

from codetime.db import get_pool
from codetime.repositories.reports import ReportRepository, ReportSettings
from codetime.services import reports as service
from codetime.services.keys import create_user
from functions import reports as reports_fn
from functions import summary
from harness import basic, call_api, confirmed, invoke, load_event

pytestmark = pytest.mark.e2e

SENDER = "reports@codetime.example.com"
TONGA, HONOLULU = "Pacific/Tongatapu", "Pacific/Honolulu"  # UTC+13 and UTC-10, no DST in either
KEY_T = "waka_11111111-2222-4333-8444-555555555555"
KEY_H = "waka_66666666-7777-4888-8999-aaaaaaaaaaaa"


@pytest.fixture
def env(db_env: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[WebhookReceiver]:
    from moto import mock_aws

    from codetime.clients import aws_client
    from codetime.lifecycle import reset_clients

    for name, value in {
        "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_DEFAULT_REGION": "us-east-1",
        "CODETIME_REPORT_SENDER": SENDER, "CODETIME_WEBHOOK_ALLOW_PRIVATE": "1",
    }.items():  # fmt: skip
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    receiver = WebhookReceiver()
    with mock_aws():
        reset_clients()
        aws_client("ses").verify_email_identity(EmailAddress=SENDER)
        yield receiver
    receiver.close()
    reset_clients()


def _sent_emails() -> list:
    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.ses.models import ses_backends

    return list(ses_backends[DEFAULT_ACCOUNT_ID]["us-east-1"].sent_messages)


def _tick(at: datetime) -> dict:
    event = copy.deepcopy(load_event("eventbridge_report_tick.json"))
    event["time"] = at.strftime("%Y-%m-%dT%H:%M:%SZ")
    event["id"] = f"tick-{at:%Y%m%d%H}"
    return invoke(reports_fn.handler, event, "codetime-reports")


def _users(receiver: WebhookReceiver):  # type: ignore[no-untyped-def]
    tonga, _ = create_user(email="tonga@example.com", username="tonga", timezone=TONGA, api_key=KEY_T)
    honolulu, _ = create_user(email=None, username="honolulu", timezone=HONOLULU, api_key=KEY_H)
    with get_pool().connection() as conn:
        repo = ReportRepository(conn)
        repo.save_settings(tonga.id, ReportSettings(daily=True, weekly=False, hour=8, webhooks=[]))
        repo.save_settings(honolulu.id, ReportSettings(daily=True, weekly=False, hour=8, email=True, webhooks=[
            {"url": receiver.url("/slack"), "format": "slack"}, {"url": receiver.url("/json"), "format": "json"},
        ]))  # fmt: skip
    return tonga, honolulu


def _report_rows() -> list[tuple]:
    with get_pool().connection() as conn:
        return conn.execute(
            "SELECT u.username, r.cadence, r.period_start, r.created_at FROM reports r "
            "JOIN users u ON u.id = r.user_id ORDER BY u.username"
        ).fetchall()


def test_each_user_gets_one_report_at_their_own_local_hour(env: WebhookReceiver) -> None:
    tonga, honolulu = _users(env)
    day = datetime.now(UTC).date() - timedelta(days=3)  # the local day reported on
    seed(tonga, local(TONGA, day, 10), 60)
    seed(honolulu, local(HONOLULU, day, 10), 30, project="site", language="TypeScript")
    send_day = day + timedelta(days=1)
    tonga_due = local(TONGA, send_day, 8).astimezone(UTC)  # 19:00 UTC the day before
    honolulu_due = local(HONOLULU, send_day, 8).astimezone(UTC)  # 18:00 UTC the same day
    assert tonga_due.hour == 19 and honolulu_due.hour == 18 and (honolulu_due - tonga_due) == timedelta(hours=23)

    created_at: dict[str, datetime] = {}
    for at in hours(tonga_due - timedelta(hours=12), honolulu_due + timedelta(hours=12)):
        before = {row[0] for row in _report_rows()}
        result = _tick(at)
        for name in {row[0] for row in _report_rows()} - before:
            created_at[name] = at
        assert result["failed"] == 0
    assert created_at == {"tonga": tonga_due, "honolulu": honolulu_due}
    rows = _report_rows()
    assert [(r[0], r[1], r[2]) for r in rows] == [("honolulu", "daily", day), ("tonga", "daily", day)]

    emails = _sent_emails()
    assert len(emails) == 1  # Honolulu has no e-mail address; Tonga has no webhooks
    mail = emails[0]
    assert mail.source == SENDER and mail.destinations["ToAddresses"] == ["tonga@example.com"]
    # moto keeps the HTML part when both are sent (the plain-text rendering is checked in the unit tests).
    assert mail.subject.startswith("Your coding on") and "<b>1 hr 0 mins</b>" in mail.body
    assert 'bgcolor="#4f46e5"' in mail.body and "<script" not in mail.body.lower()
    slack = [r for r in env.received if r["path"] == "/slack"]
    plain = [r for r in env.received if r["path"] == "/json"]
    assert len(slack) == 1 and len(plain) == 1
    assert slack[0]["json"]["blocks"][0]["type"] == "header" and "30 mins" in slack[0]["json"]["text"]
    report = plain[0]["json"]["report"]
    assert report["total_seconds"] == pytest.approx(1800) and report["start"] == report["end"] == day.isoformat()
    assert report["projects"][0]["name"] == "site" and report["languages"][0]["name"] == "TypeScript"


def test_a_schedule_fired_three_times_gives_one_report_and_one_delivery_per_channel(env: WebhookReceiver) -> None:
    tonga, honolulu = _users(env)
    day = datetime.now(UTC).date() - timedelta(days=2)
    seed(tonga, local(TONGA, day, 9), 20)
    seed(honolulu, local(HONOLULU, day, 9), 20)
    due = local(HONOLULU, day + timedelta(days=1), 8).astimezone(UTC)
    # Tonga's report for the same local day was due 23 hours earlier: outside the grace window at `due`.
    for _ in range(3):
        _tick(due)
    _tick(due + timedelta(minutes=30))  # a late retry of the same tick
    assert [r[0] for r in _report_rows()] == ["honolulu"]
    assert len(env.received) == 2  # slack + json, once each
    with get_pool().connection() as conn:
        statuses = conn.execute("SELECT status, attempts FROM report_deliveries").fetchall()
    assert statuses == [("delivered", 1), ("delivered", 1)]


def test_overlapping_ticks_create_and_deliver_once(env: WebhookReceiver) -> None:
    _, honolulu = _users(env)
    day = datetime.now(UTC).date() - timedelta(days=2)
    seed(honolulu, local(HONOLULU, day, 9), 20)
    due = local(HONOLULU, day + timedelta(days=1), 8).astimezone(UTC)
    errors: list[BaseException] = []

    def run() -> None:
        try:
            service.run_tick(due)
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert not errors
    assert len(_report_rows()) == 1
    assert sorted(r["path"] for r in env.received) == ["/json", "/slack"]


def test_failed_delivery_is_retried_on_later_ticks_then_recorded_as_failed(
    env: WebhookReceiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CODETIME_REPORT_RETRY_SECONDS", "0")  # later ticks may retry at once
    monkeypatch.setenv("CODETIME_REPORT_MAX_ATTEMPTS", "3")
    _, honolulu = _users(env)
    day = datetime.now(UTC).date() - timedelta(days=2)
    seed(honolulu, local(HONOLULU, day, 9), 20)
    due = local(HONOLULU, day + timedelta(days=1), 8).astimezone(UTC)

    env.fail_next = 1  # the first webhook call fails once, then succeeds on the next tick
    first = _tick(due)
    assert first["delivered"] == 1 and first["retrying"] == 1
    second = _tick(due + timedelta(hours=1))
    assert second["delivered"] == 1 and second["retrying"] == 0
    assert sorted(r["path"] for r in env.received) == ["/json", "/slack"]

    # A receiver that is gone for good: attempts run out and the row says failed, with a reason.
    with get_pool().connection() as conn:
        conn.execute("UPDATE report_deliveries SET status = 'pending', attempts = 0, delivered_at = NULL")
    env.close()
    outcomes = [_tick(due + timedelta(hours=2 + i)) for i in range(4)]
    assert [o["failed"] for o in outcomes] == [0, 0, 2, 0]
    with get_pool().connection() as conn:
        rows = conn.execute("SELECT status, attempts, last_error FROM report_deliveries").fetchall()
    assert all(r[0] == "failed" and r[1] == 3 and "unreachable" in r[2] for r in rows), rows
    assert all("127.0.0.1" not in r[2] for r in rows)  # webhook URLs (secrets for Slack/Discord) stay out


def test_a_crashed_claim_is_taken_over_after_its_lease(env: WebhookReceiver) -> None:
    _, honolulu = _users(env)
    day = datetime.now(UTC).date() - timedelta(days=2)
    seed(honolulu, local(HONOLULU, day, 9), 20)
    due = local(HONOLULU, day + timedelta(days=1), 8).astimezone(UTC)
    service.create_due_reports(due)
    with get_pool().connection() as conn:
        claimed = ReportRepository(conn).claim(10, lease_seconds=0)  # a run that died right after claiming
    assert len(claimed) == 2
    result = service.deliver_pending()
    assert result.delivered == 2 and len(env.received) == 2
    assert service.deliver_pending().delivered == 0


def test_reports_api_settings_list_and_one(env: WebhookReceiver) -> None:
    tonga, honolulu = _users(env)
    day = datetime.now(UTC).date() - timedelta(days=2)
    seed(honolulu, local(HONOLULU, day, 9), 20)
    _tick(local(HONOLULU, day + timedelta(days=1), 8).astimezone(UTC))

    got = call_api(summary.handler, "GET", "/api/v1/users/current/reports/settings", headers=basic(KEY_H))
    assert got.status == 200, got
    assert got.json["data"]["daily"] is True and got.json["data"]["timezone"] == HONOLULU
    assert [w["format"] for w in got.json["data"]["webhooks"]] == ["slack", "json"]

    new = {"daily": False, "weekly": True, "hour": 7, "weekday": 4, "email": False,
           "webhooks": [{"url": env.url("/discord"), "format": "discord"}]}  # fmt: skip
    put = call_api(summary.handler, "PUT", "/api/v1/users/current/reports/settings",
                   headers=confirmed(basic(KEY_H), honolulu), body=new)  # fmt: skip
    assert put.status == 200, put
    assert put.json["data"]["hour"] == 7 and put.json["data"]["webhooks"][0]["format"] == "discord"
    bad = call_api(summary.handler, "PUT", "/api/v1/users/current/reports/settings",
                   headers=confirmed(basic(KEY_H), honolulu), body={**new, "hour": 24})  # fmt: skip
    assert bad.status == 400 and "hour" in bad.json["errors"]
    bad_format = call_api(summary.handler, "PUT", "/api/v1/users/current/reports/settings",
                          headers=confirmed(basic(KEY_H), honolulu),
                          body={**new, "webhooks": [{"url": "ftp://x", "format": "json"}]})  # fmt: skip
    assert bad_format.status == 400

    listed = call_api(summary.handler, "GET", "/api/v1/users/current/reports", headers=basic(KEY_H))
    assert listed.status == 200 and len(listed.json["data"]) == 1
    item = listed.json["data"][0]
    assert item["cadence"] == "daily" and item["start"] == day.isoformat()
    assert sorted(d["status"] for d in item["deliveries"]) == ["delivered", "delivered"]
    assert all("target" not in d for d in item["deliveries"])

    one = call_api(summary.handler, "GET", f"/api/v1/users/current/reports/{item['id']}", headers=basic(KEY_H))
    assert one.status == 200 and one.json["data"]["report"]["total_seconds"] == pytest.approx(1200)
    assert "20 mins" in one.json["data"]["text"]
    as_html = call_api(summary.handler, "GET", f"/api/v1/users/current/reports/{item['id']}",
                       headers=basic(KEY_H), query={"format": "html"})  # fmt: skip
    assert as_html.status == 200 and as_html.headers["content-type"].startswith("text/html")
    assert "<script" not in as_html.text.lower()
    # Another user's report is not found, not forbidden: ids do not leak.
    other = call_api(summary.handler, "GET", f"/api/v1/users/current/reports/{item['id']}", headers=basic(KEY_T))
    assert other.status == 404
    assert call_api(summary.handler, "GET", "/api/v1/users/current/reports", headers=basic(KEY_T)).json["data"] == []


def test_report_rows_go_with_the_user(env: WebhookReceiver) -> None:
    _, honolulu = _users(env)
    day = datetime.now(UTC).date() - timedelta(days=2)
    seed(honolulu, local(HONOLULU, day, 9), 20)
    _tick(local(HONOLULU, day + timedelta(days=1), 8).astimezone(UTC))
    with get_pool().connection() as conn:
        assert conn.execute("SELECT count(*) FROM reports").fetchone()[0] == 1
        conn.execute("DELETE FROM users WHERE id = %s", (honolulu.id,))
        counts = [conn.execute(f"SELECT count(*) FROM {t} WHERE user_id = %s", (honolulu.id,)).fetchone()[0]
                  for t in ("reports", "report_deliveries", "report_settings")]  # fmt: skip
    assert counts == [0, 0, 0]


def test_empty_periods_send_nothing(env: WebhookReceiver) -> None:
    _users(env)
    today = datetime.now(UTC).date()
    result = _tick(local(HONOLULU, today - timedelta(days=1), 8).astimezone(UTC))
    assert result["created"] == 0 and not env.received and not _sent_emails()
    assert _report_rows() == []


def test_cli_prints_a_report_for_a_period(env: WebhookReceiver, capsys: pytest.CaptureFixture[str]) -> None:
    from codetime.cli import main

    tonga, _ = _users(env)
    yesterday = datetime.now(UTC).astimezone(ZoneInfo(TONGA)).date() - timedelta(days=1)
    seed(tonga, local(TONGA, yesterday, 10), 40, project="cli-project")
    assert main(["report", "--email", "tonga@example.com", "--period", "last_7_days"]) == 0
    out = capsys.readouterr().out
    assert "Total: 40 mins" in out and "cli-project" in out and "Python" in out
    assert main(["report", "--email", "nobody@example.com", "--period", "last_week"]) == 2
    assert main(["report", "--email", "tonga@example.com", "--period", "fortnight"]) == 2
    assert "Unknown range" in capsys.readouterr().err


def test_one_broken_user_does_not_hold_back_the_others(env: WebhookReceiver) -> None:
    tonga, honolulu = _users(env)
    day = datetime.now(UTC).date() - timedelta(days=2)
    seed(honolulu, local(HONOLULU, day, 9), 20)
    due = local(HONOLULU, day + timedelta(days=1), 8).astimezone(UTC)
    with get_pool().connection() as conn:  # e.g. a timezone this runtime's tzdata does not know
        conn.execute("UPDATE users SET timezone = 'Mars/Olympus_Mons' WHERE id = %s", (tonga.id,))
    with pytest.raises(service.ReportTickFailed, match="1 user"):
        _tick(due)
    assert [r[0] for r in _report_rows()] == ["honolulu"]
    assert sorted(r["path"] for r in env.received) == ["/json", "/slack"]


def test_webhook_redirects_are_not_followed(env: WebhookReceiver) -> None:
    report = service.report_for_period(_users(env)[0], "yesterday")
    with pytest.raises(service.DeliveryError, match="HTTP 307"):
        service.send_webhook(env.url("/redirect"), "json", report)
    assert env.received == []


def test_a_key_saving_settings_keeps_the_webhooks_it_sees_masked(env: WebhookReceiver) -> None:
    """A key reads webhook URLs masked; sending them back (a changed hour, the rest as read) keeps the real URLs,
    and a masked URL that stands for no saved webhook is refused, never saved as an address."""
    _, honolulu = _users(env)
    path = "/api/v1/users/current/reports/settings"
    with get_pool().connection() as conn:
        before = ReportRepository(conn).settings(honolulu.id).webhooks
    read = call_api(summary.handler, "GET", path, headers=basic(KEY_H)).json["data"]
    assert all(hook["url"].endswith("/********") for hook in read["webhooks"]) and len(read["webhooks"]) == 2
    body = {k: read[k] for k in ("daily", "weekly", "weekday", "email", "webhooks")} | {"hour": 6}
    put = call_api(summary.handler, "PUT", path, headers=confirmed(basic(KEY_H), honolulu), body=body)
    assert put.status == 200, put
    assert put.json["data"]["webhooks"] == read["webhooks"]  # still masked for the key
    with get_pool().connection() as conn:
        after = ReportRepository(conn).settings(honolulu.id)
    assert after.hour == 6 and after.webhooks == before
    # Dropping one keeps the other; the masked form of an address never saved is refused.
    body["webhooks"] = read["webhooks"][1:]
    assert call_api(summary.handler, "PUT", path, headers=confirmed(basic(KEY_H), honolulu), body=body).status == 200
    with get_pool().connection() as conn:
        assert ReportRepository(conn).settings(honolulu.id).webhooks == before[1:]
    body["webhooks"] = [{"url": "https://93.184.215.14/********", "format": "json"}]
    refused = call_api(summary.handler, "PUT", path, headers=confirmed(basic(KEY_H), honolulu), body=body)
    assert refused.status == 400 and "matches no saved webhook" in refused.text
    with get_pool().connection() as conn:
        assert ReportRepository(conn).settings(honolulu.id).webhooks == before[1:]


def test_webhook_urls_must_be_public_https(env: WebhookReceiver, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CODETIME_WEBHOOK_ALLOW_PRIVATE")
    for url in ("http://example.com/hook", "https://127.0.0.1/hook", "https://10.0.0.5/x", "https://[::1]/x",
                "https://169.254.169.254/latest"):  # fmt: skip
        with pytest.raises(service.WebhookRejected):
            service.check_webhook_url(url)
    service.check_webhook_url("https://93.184.215.14/hook")  # a public address literal: no DNS needed


def test_a_webhook_host_rebound_to_an_internal_address_is_not_connected_to(
    env: WebhookReceiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    """DNS rebinding: the name answers a public address when the webhook is saved and a loopback one when a report
    is sent. The send checks the addresses it connects to, so the internal service never sees a byte.
    (getaddrinfo is replaced: no DNS server that changes its answers can run here.)"""
    import socket

    internal = socket.create_server(("127.0.0.1", 0))
    internal.settimeout(0.5)
    port = internal.getsockname()[1]
    answers = iter(["93.184.215.14", "127.0.0.1"])  # the save's, then the send's

    def rebinding(host: str, *args: object, **kwargs: object) -> list:
        assert host == "hooks.example.com"
        return [(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP, "", (next(answers), port))]

    monkeypatch.delenv("CODETIME_WEBHOOK_ALLOW_PRIVATE")
    monkeypatch.setattr(socket, "getaddrinfo", rebinding)
    report = service.report_for_period(_users(env)[0], "yesterday")
    service.check_webhook_url(f"https://hooks.example.com:{port}/hook")  # saved: it was public then
    with pytest.raises(service.DeliveryError, match="public address"):
        service.send_webhook(f"https://hooks.example.com:{port}/hook", "json", report, timeout=2.0)
    with pytest.raises(TimeoutError):
        internal.accept()  # nothing ever connected
    internal.close()


def test_a_user_without_channels_still_gets_a_readable_report(env: WebhookReceiver) -> None:
    tonga, _ = _users(env)
    with get_pool().connection() as conn:
        ReportRepository(conn).save_settings(tonga.id, ReportSettings(daily=True, weekly=False, hour=8, email=False))
    day = datetime.now(UTC).date() - timedelta(days=2)
    seed(tonga, local(TONGA, day, 9), 20)
    _tick(local(TONGA, day + timedelta(days=1), 8).astimezone(UTC))
    listed = call_api(summary.handler, "GET", "/api/v1/users/current/reports", headers=basic(KEY_T)).json["data"]
    assert len(listed) == 1 and listed[0]["deliveries"] == [] and not _sent_emails()


def test_reports_carry_goal_progress(env: WebhookReceiver) -> None:
    from codetime.domain.reports import render_text
    from codetime.services import goals
    from codetime.services.reports import report_for_period

    tonga, _ = _users(env)
    today = datetime.now(UTC).astimezone(ZoneInfo(TONGA)).date()
    goals.create(tonga, {"seconds": 3600, "delta": "day", "languages": ["Python"], "ignore_zero_days": False})
    for days_ago in (1, 2):  # 40 and 80 coded minutes of Python against 1 hr a day
        seed(tonga, local(TONGA, today - timedelta(days=days_ago), 10), 40 * days_ago)
    seed(tonga, local(TONGA, today - timedelta(days=2), 15), 30, language="Go")  # not counted by the goal
    report = report_for_period(tonga, "last_7_days")
    (progress,) = report.goals
    assert progress.title == "Code 1 hr per day in Python"
    assert progress.target_seconds == 7 * 3600 and progress.actual_seconds == pytest.approx(120 * 60)
    assert "Code 1 hr per day in Python" in render_text(report)


@pytest.fixture
def slow_drip() -> Iterator[str]:
    """A real local HTTP server that answers one byte a second, for ever (each byte well within a socket timeout)."""
    import socket

    server = socket.create_server(("127.0.0.1", 0))
    stop = threading.Event()

    def serve() -> None:
        conn, _ = server.accept()
        with conn:
            conn.recv(65536)
            for byte in b"HTTP/1.1 200 OK\r\n" + b"X-Drip: " + b"." * 10_000:
                if stop.wait(1.0):
                    return
                conn.sendall(bytes([byte]))

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.getsockname()[1]}/hook"
    stop.set()
    server.close()
    thread.join(5)


def test_a_slow_drip_webhook_is_cut_off_by_the_overall_deadline(env: WebhookReceiver, slow_drip: str) -> None:
    import time

    report = service.report_for_period(_users(env)[0], "yesterday")
    started = time.monotonic()
    with pytest.raises(service.DeliveryError, match=r"did not answer within 2 s"):
        service.send_webhook(slow_drip, "json", report, timeout=2.0)
    assert time.monotonic() - started < 6  # generous: the deadline is 2 s; without it this never returns


def test_a_delivery_whose_last_attempt_is_spent_is_not_claimed_again(
    env: WebhookReceiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CODETIME_REPORT_MAX_ATTEMPTS", "2")
    _, honolulu = _users(env)
    day = datetime.now(UTC).date() - timedelta(days=2)
    seed(honolulu, local(HONOLULU, day, 9), 20)
    service.create_due_reports(local(HONOLULU, day + timedelta(days=1), 8).astimezone(UTC))
    with get_pool().connection() as conn:  # both attempts claimed by runs that died before recording a result
        for _ in range(2):
            assert len(ReportRepository(conn).claim(10, lease_seconds=0, max_attempts=2)) == 2
    result = service.deliver_pending()
    assert result.delivered == 0 and result.failed == 2 and env.received == []
    with get_pool().connection() as conn:
        rows = conn.execute("SELECT status, attempts, last_error FROM report_deliveries").fetchall()
    assert rows == [("failed", 2, "no result recorded for the last attempt")] * 2


def test_reports_carry_ai_vs_human_lines_and_tokens_when_there_are_any(env: WebhookReceiver) -> None:
    from codetime.domain.heartbeats import RequestContext, normalize_heartbeat
    from codetime.services.writer import write_heartbeats

    tonga, honolulu = _users(env)
    day = datetime.now(UTC).date() - timedelta(days=3)
    seed(tonga, local(TONGA, day, 10), 30)  # Tonga codes by hand only: no AI part in the report
    seed(honolulu, local(HONOLULU, day, 10), 30)
    context = RequestContext(user_id=str(honolulu.id), user_agent="wakatime/v1.130.0 (linux) go1.24 opus/4.6 claude")
    first = local(HONOLULU, day, 11).timestamp()
    raws = [
        {"entity": "/src/a.py", "type": "file", "time": first, "category": "ai coding", "ai_session": "s1",
         "ai_line_changes": 40, "ai_input_tokens": 1200, "ai_cached_input_tokens": 9000, "ai_output_tokens": 300,
         "ai_prompt_length": 80},
        {"entity": "/src/a.py", "type": "file", "time": first + 60, "category": "ai coding", "ai_session": "s1",
         "ai_line_changes": -4},
        {"entity": "/src/a.py", "type": "file", "time": first + 120, "category": "coding", "human_line_changes": 3},
    ]  # fmt: skip
    beats = [normalize_heartbeat(raw, context, now=first + 3600, max_age_seconds=None) for raw in raws]
    with get_pool().connection() as conn:
        write_heartbeats(conn, beats)
    send_day = day + timedelta(days=1)
    for user_tz in (TONGA, HONOLULU):
        _tick(local(user_tz, send_day, 8).astimezone(UTC))

    report = next(r for r in env.received if r["path"] == "/json")["json"]["report"]
    assert report["ai"] == {
        "ai_additions": 40, "ai_deletions": 4, "human_additions": 3, "human_deletions": 0, "ai_input_tokens": 1200,
        "ai_cached_input_tokens": 9000, "ai_output_tokens": 300, "ai_sessions": 1,
    }  # fmt: skip
    slack = next(r for r in env.received if r["path"] == "/slack")["json"]
    assert "AI coding: AI +40 / -4 lines, you +3 / -0 lines; 1,200 input tokens (9,000 cached)" in str(slack)
    (mail,) = _sent_emails()  # Tonga's, without AI activity
    assert "AI coding" not in mail.body
    from codetime.domain.reports import render_html, render_text
    from codetime.services.reports import report_for_period

    with_ai = report_for_period(honolulu, "last_7_days")
    assert with_ai.ai is not None and "AI +40 / -4 lines" in render_text(with_ai)
    assert '<h3 style="margin:16px 0 4px">AI coding</h3>' in render_html(with_ai)
    assert report_for_period(tonga, "last_7_days").ai is None
