"""Scheduled reports: which are due, building them from the aggregates, and delivering each exactly once.

The hourly tick (functions/reports.py) first creates every report that is due (a unique key per user, cadence and
period makes a second tick, a retried invocation or an overlapping one a no-op), each with one ledger row per
channel; then it claims due ledger rows (FOR UPDATE SKIP LOCKED, a lease) and sends them. A failed send is retried
on later ticks with backoff and recorded as `failed` after CODETIME_REPORT_MAX_ATTEMPTS; nothing is dropped.
The only duplicate a channel can see is a send that succeeded while the process died before recording it.
"""

from __future__ import annotations

import hashlib
import http.client
import ipaddress
import json
import os
import socket
import ssl
import time
import uuid
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from aws_lambda_powertools.metrics import MetricUnit

from codetime.clients import aws_client
from codetime.db import get_pool
from codetime.domain import ai
from codetime.domain import reports as model
from codetime.domain.errors import InvalidInput, NotFound
from codetime.logs import logger, metrics
from codetime.repositories.reports import Delivery, ReportRepository, ReportSettings, ScheduleRow, StoredReport
from codetime.repositories.users import User, UserRepository
from codetime.services import aggregation
from codetime.services import goals as goals_service
from codetime.services.summaries import dashboard_summary

WEBHOOK_FORMATS = tuple(model.WEBHOOK_FORMATS)
MAX_WEBHOOKS = 5


def _env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    return int(raw) if raw else default


def goal_progress(user: User, start: date, end: date) -> list[model.GoalProgress]:
    """Each enabled goal's target and coded time over start..end (periods the goal ignores left out)."""
    items = []
    for goal in goals_service.progress(user, start, end):
        counted = [period for period in goal["chart_data"] if period["range_status"] != "ignored"]
        items.append(
            model.GoalProgress(
                title=goal["title"],
                target_seconds=sum(period["goal_seconds"] for period in counted),
                actual_seconds=sum(period["actual_seconds"] for period in counted),
            )
        )
    return items


def grace_hours() -> int:
    return _env_int("CODETIME_REPORT_GRACE_HOURS", 6)


def max_attempts() -> int:
    return _env_int("CODETIME_REPORT_MAX_ATTEMPTS", 5)


def _allow_private_webhooks() -> bool:
    return os.environ.get("CODETIME_WEBHOOK_ALLOW_PRIVATE", "").lower() in ("1", "true", "yes")


class ReportTickFailed(Exception):
    pass


class ReportNotFound(NotFound):
    pass


class WebhookRejected(InvalidInput):
    pass


# ------------------------------------------------------------------------------------------------ building


def build_report(user: User, cadence: model.Cadence, start: date, end: date) -> model.Report:
    """The report of [start, end] from the per-day aggregates (the dashboard summary, cached per user)."""
    length = (end - start).days + 1
    current = json.loads(dashboard_summary(user, start, end, {}).json_bytes())
    previous = json.loads(
        dashboard_summary(user, start - timedelta(days=length), start - timedelta(days=1), {}).json_bytes()
    )
    per_day = {day: seconds for day, seconds, _ in aggregation.range_totals(user, start, end).days}
    total = current["total_seconds"]
    goals = goal_progress(user, start, end)
    return model.Report(
        user_name=user.display_name or user.username,
        cadence=cadence,
        start=start,
        end=end,
        timezone=user.effective_timezone,
        total_seconds=total,
        previous_total_seconds=previous["total_seconds"],
        days=[model.DayTotal(day=d, seconds=per_day.get(d, 0.0)) for d in _days(start, end)],
        projects=model.ranked(current["projects"], total),
        languages=model.ranked(current["languages"], total),
        editors=model.ranked(current["editors"], total),
        goals=goals,
        ai=_ai_lines(user, start, end),
    )


def _ai_lines(user: User, start: date, end: date) -> model.AiLines | None:
    """The period's AI vs human lines and tokens, or None when there are none (the report then has no AI part)."""
    totals = ai.line_totals(aggregation.ai_range_figures(user, start, end, by=()).total)
    if not any(totals.values()):
        return None
    return model.AiLines(**{name: totals[name] for name in model.AiLines.model_fields})


def _days(start: date, end: date) -> list[date]:
    return [start + timedelta(days=i) for i in range((end - start).days + 1)]


# ------------------------------------------------------------------------------------------------ the tick


@dataclass(slots=True)
class TickResult:
    created: int = 0
    skipped_empty: int = 0
    delivered: int = 0
    retrying: int = 0
    failed: int = 0
    errors: int = 0
    reports: list[str] = field(default_factory=list)


def run_tick(now: datetime | None = None, *, lease_seconds: int = 600) -> TickResult:
    """One scheduled tick: create due reports, then deliver every due ledger row."""
    now = now or datetime.now(UTC)
    result = TickResult()
    create_due_reports(now, result)
    deliver_pending(result, lease_seconds=lease_seconds)
    metrics.add_metric(name="ReportsCreated", unit=MetricUnit.Count, value=result.created)
    metrics.add_metric(name="ReportDeliveries", unit=MetricUnit.Count, value=result.delivered)
    metrics.add_metric(name="ReportDeliveryRetries", unit=MetricUnit.Count, value=result.retrying)
    metrics.add_metric(name="ReportDeliveryFailures", unit=MetricUnit.Count, value=result.failed)
    if result.errors:
        # After every other user was served: the invocation fails, EventBridge retries it (idempotent) and the
        # schedule's dead-letter alarm fires if it keeps failing.
        raise ReportTickFailed(f"{result.errors} user(s) failed; see the logs")
    logger.info(
        "report tick done",
        extra={
            f"reports_{k}": getattr(result, k) for k in ("created", "skipped_empty", "delivered", "retrying", "failed")
        },  # fmt: skip
    )
    return result


def _channels(row: ScheduleRow) -> list[tuple[str, str, str]]:
    channels = []
    if row.send_email and row.email:
        channels.append(("email", "email", row.email))
    for hook in row.webhooks:
        digest = hashlib.sha256(hook["url"].encode()).hexdigest()[:16]
        channels.append((f"webhook:{digest}", hook.get("format", "json"), hook["url"]))
    return channels


def create_due_reports(now: datetime, result: TickResult | None = None) -> TickResult:
    result = result or TickResult()
    with get_pool().connection() as conn:
        schedule = list(ReportRepository(conn).schedule())
    # One pooled connection at a time: building a report reads through the summaries service's own connections.
    for row in schedule:
        try:
            _create_for_user(row, now, result)
        except Exception:  # one user's problem must not keep everyone else's report back
            logger.exception("report creation failed", extra={"user_id": str(row.user_id)})
            result.errors += 1
    return result


def _create_for_user(row: ScheduleRow, now: datetime, result: TickResult) -> None:
    # A report is stored even without a channel: it can still be read through the API.
    channels = _channels(row)
    for cadence in ("daily", "weekly"):
        if not getattr(row, cadence):
            continue
        period = model.due_period(cadence, now, row.timezone, row.hour, row.weekday, grace_hours())  # type: ignore[arg-type]
        if period is None:
            continue
        with get_pool().connection() as conn:
            if ReportRepository(conn).exists(row.user_id, cadence, period[0]):
                continue
            user = UserRepository(conn).get(row.user_id)
        if user is None:  # deleted meanwhile
            return
        report = build_report(user, cadence, *period)  # type: ignore[arg-type]
        if report.total_seconds <= 0:  # nothing coded: no report (README); looked at again next tick
            result.skipped_empty += 1
            continue
        with get_pool().connection() as conn:
            report_id = ReportRepository(conn).create(
                row.user_id, cadence, *period, row.timezone, report.model_dump(mode="json"), channels
            )
        if report_id is not None:
            result.created += 1
            result.reports.append(str(report_id))


def deliver_pending(
    result: TickResult | None = None, *, lease_seconds: int = 600, batch: int = 20, max_rounds: int = 50
) -> TickResult:
    """Claim due ledger rows and send them; a claim is held for `lease_seconds` (longer than a Lambda run)."""
    result = result or TickResult()
    attempts_allowed = max_attempts()
    with get_pool().connection() as conn:
        repo = ReportRepository(conn)
        started = repo.now()  # a row failing during this run waits for a later tick
        result.failed += repo.give_up_spent(attempts_allowed)
    for _ in range(max_rounds):
        with get_pool().connection() as conn:
            claimed = ReportRepository(conn).claim(batch, lease_seconds, due_by=started, max_attempts=attempts_allowed)
        if not claimed:
            break
        for delivery in claimed:
            _deliver_one(delivery, attempts_allowed, result)
    return result


def _deliver_one(delivery: Delivery, attempts_allowed: int, result: TickResult) -> None:
    with get_pool().connection() as conn:
        report = model.Report.model_validate(ReportRepository(conn).body(delivery.report_id))
    log = {"report_id": str(delivery.report_id), "kind": delivery.kind, "attempt": delivery.attempts}
    try:
        if delivery.kind == "email":
            send_email(delivery.target, report)
        else:
            send_webhook(delivery.target, delivery.kind, report)
    except DeliveryError as exc:
        final = delivery.attempts >= attempts_allowed
        retry_after = min(6 * 3600, _env_int("CODETIME_REPORT_RETRY_SECONDS", 900) * 2 ** (delivery.attempts - 1))
        with get_pool().connection() as conn:
            ReportRepository(conn).failed(delivery, str(exc), final=final, retry_after_seconds=retry_after)
        if final:
            result.failed += 1
            logger.error("report delivery failed for good", extra={**log, "error": str(exc)})
        else:
            result.retrying += 1
            logger.warning("report delivery failed; retried on a later tick", extra={**log, "error": str(exc)})
        return
    with get_pool().connection() as conn:
        ReportRepository(conn).delivered(delivery)
    result.delivered += 1


# ------------------------------------------------------------------------------------------------ channels


class DeliveryError(Exception):
    """A channel refused or could not be reached; the message says why without secrets (no URLs)."""


def send_email(address: str, report: model.Report) -> None:
    """Send the report through Amazon SES (HTML and plain text) from CODETIME_REPORT_SENDER."""
    from botocore.exceptions import BotoCoreError, ClientError

    sender = os.environ.get("CODETIME_REPORT_SENDER")
    if not sender:
        raise DeliveryError("no sender address configured (CODETIME_REPORT_SENDER)")
    try:
        aws_client("ses").send_email(
            Source=sender,
            Destination={"ToAddresses": [address]},
            Message={
                "Subject": {"Data": report.title, "Charset": "UTF-8"},
                "Body": {
                    "Text": {"Data": model.render_text(report), "Charset": "UTF-8"},
                    "Html": {"Data": model.render_html(report), "Charset": "UTF-8"},
                },
            },
        )
    except ClientError as exc:
        raise DeliveryError(f"SES: {exc.response.get('Error', {}).get('Code', 'error')}") from exc
    except BotoCoreError as exc:
        raise DeliveryError(f"SES: {type(exc).__name__}") from exc


def check_webhook_url(url: str) -> None:
    """https to a public address; plain http and private addresses only with CODETIME_WEBHOOK_ALLOW_PRIVATE."""
    parts = _checked_parts(url)
    if not _allow_private_webhooks():
        _resolve(parts.hostname, parts.port or 443)


def _checked_parts(url: str) -> Any:
    parts = urlsplit(url)
    if parts.scheme not in (("https", "http") if _allow_private_webhooks() else ("https",)) or not parts.hostname:
        raise WebhookRejected("Webhook URLs must be https:// URLs.")
    return parts


def _resolve(host: str, port: int) -> list[tuple[Any, ...]]:
    """The host's addresses, all public unless CODETIME_WEBHOOK_ALLOW_PRIVATE: what a save checks and a send
    connects to (one lookup per send, so a name cannot answer the check and the connection differently)."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise WebhookRejected("Webhook host does not resolve.") from exc
    if not _allow_private_webhooks() and any(not ipaddress.ip_address(info[4][0]).is_global for info in infos):
        raise WebhookRejected("Webhook URLs must point to a public address.")
    return infos


class _Deadline:
    """Socket operations bounded by one deadline for the whole exchange: a socket timeout alone restarts with every
    byte, so a server dripping one byte a second would hold the hourly tick for ever."""

    deadline = float("inf")

    def _arm(self) -> None:
        remaining = self.deadline - time.monotonic()
        if remaining <= 0:
            raise TimeoutError("deadline passed")
        self.settimeout(remaining)  # type: ignore[attr-defined]

    def recv_into(self, *args: Any, **kwargs: Any) -> int:
        self._arm()
        return super().recv_into(*args, **kwargs)  # type: ignore[misc]

    def sendall(self, *args: Any, **kwargs: Any) -> None:
        self._arm()
        return super().sendall(*args, **kwargs)  # type: ignore[misc]


class _DeadlineSocket(_Deadline, socket.socket):
    pass


class _DeadlineSSLSocket(_Deadline, ssl.SSLSocket):
    pass


_TLS = ssl.create_default_context()
_TLS.sslsocket_class = _DeadlineSSLSocket


class _Connection(http.client.HTTPSConnection):
    """http.client over deadline-bound sockets; TLS only for https URLs. http.client never follows a redirect (one
    could lead past the public-address check to an internal service)."""

    def __init__(self, parts: Any, deadline: float) -> None:
        self.tls = parts.scheme == "https"
        super().__init__(parts.hostname, parts.port or (443 if self.tls else 80), context=_TLS)
        self.deadline = deadline

    def connect(self) -> None:
        error: OSError = OSError("no address")
        for family, kind, proto, _, address in _resolve(self.host, self.port):
            sock = _DeadlineSocket(family, kind, proto)
            sock.deadline = self.deadline
            try:
                sock._arm()
                sock.connect(address)
                break
            except OSError as exc:
                sock.close()
                error = exc
        else:
            raise error
        if self.tls:
            sock.settimeout(max(0.001, self.deadline - time.monotonic()))  # the handshake
            sock = _TLS.wrap_socket(sock, server_hostname=self.host)
            sock.deadline = self.deadline  # type: ignore[attr-defined]
        self.sock = sock


def send_webhook(url: str, kind: str, report: model.Report, timeout: float = 10.0) -> None:
    """POST the report as a Slack, Discord or plain JSON payload; any 2xx is success. The whole exchange (connect,
    send, the answer's status, headers and first KiB) must finish within `timeout` seconds."""
    try:
        parts = _checked_parts(url)  # the addresses are checked where they are connected to
    except WebhookRejected as exc:
        raise DeliveryError(str(exc)) from exc
    payload = json.dumps(model.WEBHOOK_FORMATS[kind](report)).encode()
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    connection = _Connection(parts, time.monotonic() + timeout)
    try:
        headers = {"Content-Type": "application/json", "User-Agent": "CodeTime-Reports/1"}
        connection.request("POST", target, body=payload, headers=headers)
        response = connection.getresponse()
        response.read(1024)
    except TimeoutError as exc:
        raise DeliveryError(f"webhook did not answer within {timeout:g} s") from exc
    except WebhookRejected as exc:
        raise DeliveryError(str(exc)) from exc
    except (OSError, http.client.HTTPException) as exc:
        raise DeliveryError(f"webhook unreachable: {type(exc).__name__}") from exc
    finally:
        connection.close()
    if not 200 <= response.status < 300:
        raise DeliveryError(f"webhook answered HTTP {response.status}")


# ------------------------------------------------------------------------------------------------ API


def get_settings(user: User) -> ReportSettings:
    with get_pool().connection() as conn:
        return ReportRepository(conn).settings(user.id)


def save_settings(user: User, settings: ReportSettings) -> ReportSettings:
    """Replace the settings. Webhook URLs sent back masked (what a key reads) stand for the stored ones."""
    hooks = settings.webhooks or []
    if len(hooks) > MAX_WEBHOOKS:
        raise InvalidInput(f"At most {MAX_WEBHOOKS} webhooks.")
    with get_pool().connection() as conn:
        stored = ReportRepository(conn).settings(user.id).webhooks or []
    unmasked = model.unmask_webhooks(hooks, stored)
    if unmasked is None:
        raise WebhookRejected("A masked webhook URL matches no saved webhook: enter the webhook's full URL.")
    for hook in unmasked:  # checked outside a database connection: a webhook's host name is resolved
        if hook.get("format") not in WEBHOOK_FORMATS:
            raise InvalidInput(f"Webhook format must be one of: {', '.join(WEBHOOK_FORMATS)}.")
        check_webhook_url(hook["url"])
    settings = replace(settings, webhooks=unmasked)
    with get_pool().connection() as conn:
        ReportRepository(conn).save_settings(user.id, settings)
    return settings


def list_reports(user: User, limit: int = 20) -> list[tuple[StoredReport, list[Any]]]:
    with get_pool().connection() as conn:
        repo = ReportRepository(conn)
        found = repo.recent(user.id, limit)
        statuses = repo.delivery_statuses([r.id for r in found])
    return [(r, statuses.get(r.id, [])) for r in found]


def get_report(user: User, report_id: uuid.UUID) -> tuple[StoredReport, list[Any]]:
    with get_pool().connection() as conn:
        repo = ReportRepository(conn)
        found = repo.get(user.id, report_id)
        if found is None:
            raise ReportNotFound("No such report.")
        return found, repo.delivery_statuses([found.id]).get(found.id, [])


def report_for_period(user: User, period: str) -> model.Report:
    """An on-demand report for a named range (`last_week`, `yesterday`, `last_7_days`, ...): not stored, not sent."""
    from codetime.domain.ranges import resolve_range

    start, end = resolve_range(period, user.effective_timezone)
    cadence: model.Cadence = "daily" if start == end else "weekly"
    return build_report(user, cadence, start, end)
