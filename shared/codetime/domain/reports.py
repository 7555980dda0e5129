"""The report model and its renderings: HTML e-mail (a bar chart without scripts), plain text, Slack, Discord, JSON."""

from __future__ import annotations

import html
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, Literal
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from pydantic import BaseModel, Field

Cadence = Literal["daily", "weekly"]
TOP_N = 5
WEBHOOK_MASK = "********"  # what replaces a webhook URL's path and query for callers that may not read it


class RankedItem(BaseModel):
    name: str
    seconds: float
    percent: float


class DayTotal(BaseModel):
    day: date
    seconds: float


class GoalProgress(BaseModel):
    """One goal's progress over the report's period (filled from codetime.services.goals when it exists)."""

    title: str
    target_seconds: float
    actual_seconds: float

    @property
    def percent(self) -> float:
        return 100.0 if self.target_seconds <= 0 else min(100.0, 100.0 * self.actual_seconds / self.target_seconds)

    @property
    def achieved(self) -> bool:
        return self.actual_seconds >= self.target_seconds


class AiLines(BaseModel):
    """AI vs human line changes and AI tokens of the period (domain/ai.py's sums); absent when there were none."""

    ai_additions: int = 0
    ai_deletions: int = 0
    human_additions: int = 0
    human_deletions: int = 0
    ai_input_tokens: int = 0
    ai_cached_input_tokens: int = 0
    ai_output_tokens: int = 0
    ai_sessions: int = 0

    @property
    def lines_text(self) -> str:
        return (
            f"AI +{self.ai_additions:,} / -{self.ai_deletions:,} lines, "
            f"you +{self.human_additions:,} / -{self.human_deletions:,} lines"
        )

    @property
    def tokens_text(self) -> str:
        sessions = f"{self.ai_sessions:,} AI session{'s' if self.ai_sessions != 1 else ''}"
        return (
            f"{self.ai_input_tokens:,} input tokens ({self.ai_cached_input_tokens:,} cached), "
            f"{self.ai_output_tokens:,} output tokens, {sessions}"
        )


class Report(BaseModel):
    user_name: str
    cadence: Cadence
    start: date
    end: date
    timezone: str
    total_seconds: float
    previous_total_seconds: float
    days: list[DayTotal]
    projects: list[RankedItem]
    languages: list[RankedItem]
    editors: list[RankedItem]
    goals: list[GoalProgress] = Field(default_factory=list)
    ai: AiLines | None = None

    @property
    def change_percent(self) -> float | None:
        """Change of the total against the previous period of the same length; None when that was zero."""
        if self.previous_total_seconds <= 0:
            return None
        return round(100.0 * (self.total_seconds - self.previous_total_seconds) / self.previous_total_seconds, 1)

    @property
    def period_word(self) -> str:
        days = (self.end - self.start).days + 1
        return {1: "day", 7: "week"}.get(days, f"{days} days")

    @property
    def title(self) -> str:
        if self.start == self.end:
            return f"Your coding on {self.start:%a %d %b %Y}"
        prefix = "Your coding week" if self.period_word == "week" else "Your coding"
        return f"{prefix}: {self.start:%d %b} – {self.end:%d %b %Y}"


# ------------------------------------------------------------------------------------------------ scheduling


def masked_webhook_url(url: str) -> str:
    """A webhook URL with only scheme and host left: the path and query are the secret (Slack/Discord tokens)."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    return f"{parts.scheme}://{host}/{WEBHOOK_MASK}" if parts.scheme and host else WEBHOOK_MASK


def unmask_webhooks(incoming: list[dict[str, str]], stored: list[dict[str, str]]) -> list[dict[str, str]] | None:
    """The webhooks to save when a caller that sees them masked (a key) sends them back: each URL that is the
    masked form of a stored webhook's is that stored URL again (each stored one used once; one of the same format
    first, as masks of one host look alike), so saving other settings keeps the webhooks. None when a masked URL
    matches no stored webhook (it would be saved as a real address)."""
    unused = list(stored)
    out = []
    for hook in incoming:
        url = hook.get("url", "")
        if url.endswith(WEBHOOK_MASK):
            same = [s for s in unused if masked_webhook_url(s["url"]) == url]
            found = next((s for s in same if s.get("format") == hook.get("format")), same[0] if same else None)
            if found is None:
                return None
            unused.remove(found)
            url = found["url"]
        out.append({**hook, "url": url})
    return out


def due_period(
    cadence: Cadence, now: datetime, tz: str, hour: int, weekday: int, grace_hours: int
) -> tuple[date, date] | None:
    """The period whose report is due at `now` (its send time has passed less than `grace_hours` ago), if any.

    A daily report covers yesterday and is sent at `hour` local time; a weekly one covers the 7 days before
    `weekday` and is sent that day at `hour`. A tick that comes late (or a retried one) still finds the period;
    one that comes after the grace window does not send a stale report.
    """
    zone = ZoneInfo(tz)
    now = now.astimezone(UTC)  # compared in UTC: same-zone arithmetic is wall-clock time and misses DST
    for back in range(0, 8):
        send_day = now.astimezone(zone).date() - timedelta(days=back)
        if cadence == "weekly" and send_day.weekday() != weekday:
            continue
        send_at = datetime.combine(send_day, time(hour), zone).astimezone(UTC)
        if send_at > now:
            continue
        if now - send_at >= timedelta(hours=grace_hours):
            return None
        days = 1 if cadence == "daily" else 7
        return send_day - timedelta(days=days), send_day - timedelta(days=1)
    return None


def ranked(items: list[dict[str, Any]], total: float, limit: int = TOP_N) -> list[RankedItem]:
    """The top `limit` of [{"key", "total"}] (largest first, as the dashboard summary answers)."""
    return [
        RankedItem(name=i["key"], seconds=i["total"], percent=round(100.0 * i["total"] / total, 1) if total else 0.0)
        for i in items[:limit]
    ]


# ------------------------------------------------------------------------------------------------ rendering


def duration_text(seconds: float) -> str:
    """`3 hrs 5 mins`, `12 mins`, `0 secs` (WakaTime's wording, rounded down to minutes)."""
    minutes = int(seconds // 60)
    hours, minutes = divmod(minutes, 60)
    if hours:
        return f"{hours} hr{'s' if hours != 1 else ''} {minutes} min{'s' if minutes != 1 else ''}"
    if minutes:
        return f"{minutes} min{'s' if minutes != 1 else ''}"
    return f"{int(seconds)} secs"


def _change_text(report: Report) -> str:
    change = report.change_percent
    period = report.period_word
    if change is None:
        return f"no coding in the previous {period}"
    sign = "+" if change >= 0 else ""
    return f"{sign}{change}% vs the previous {period} ({duration_text(report.previous_total_seconds)})"


def render_text(report: Report) -> str:
    """Plain text, also what `codetime report` prints."""
    lines = [report.title, f"Timezone {report.timezone}", ""]
    lines.append(f"Total: {duration_text(report.total_seconds)} ({_change_text(report)})")
    peak = max((d.seconds for d in report.days), default=0.0)
    if len(report.days) > 1:
        lines.append("")
        for d in report.days:
            bar = "#" * (round(30 * d.seconds / peak) if peak else 0)
            lines.append(f"{d.day:%a %d %b}  {bar:<30}  {duration_text(d.seconds)}")
    for heading, items in (("Projects", report.projects), ("Languages", report.languages),
                           ("Editors", report.editors)):  # fmt: skip
        if items:
            lines += ["", heading]
            lines += [f"  {i.name:<30} {duration_text(i.seconds):>16}  {i.percent:5.1f}%" for i in items]
    if report.ai:
        lines += ["", "AI coding", f"  {report.ai.lines_text}", f"  {report.ai.tokens_text}"]
    if report.goals:
        lines += ["", "Goals"]
        for g in report.goals:
            mark = "done" if g.achieved else f"{g.percent:.0f}%"
            lines.append(
                f"  {g.title:<30} {duration_text(g.actual_seconds)} of {duration_text(g.target_seconds)} ({mark})"
            )
    return "\n".join(lines) + "\n"


_BAR = "#4f46e5"
_TRACK = "#e5e7eb"


def _bar_row(label: str, seconds: float, peak: float, value: str) -> str:
    # Table cells with widths and background colours: the one chart every mail client renders (no scripts, no
    # images, no CSS that Outlook drops).
    width = max(1, round(100 * seconds / peak)) if peak and seconds else 0
    bar = (
        '<table role="presentation" width="100%" cellpadding="0" cellspacing="0"><tr>'
        + (f'<td width="{width}%" bgcolor="{_BAR}" style="background:{_BAR};height:14px"></td>' if width else "")
        + (f'<td bgcolor="{_TRACK}" style="background:{_TRACK};height:14px"></td>' if width < 100 else "")
        + "</tr></table>"
    )
    return (
        f'<tr><td style="padding:3px 8px 3px 0;white-space:nowrap">{html.escape(label)}</td>'
        f'<td width="60%" style="padding:3px 0">{bar}</td>'
        f'<td style="padding:3px 0 3px 8px;white-space:nowrap;text-align:right">{html.escape(value)}</td></tr>'
    )


def render_html(report: Report) -> str:
    """A self-contained HTML e-mail: inline styles, tables, no scripts or remote images."""
    e = html.escape
    parts = [
        '<!DOCTYPE html><html><head><meta charset="utf-8"><title>' + e(report.title) + "</title></head>",
        '<body style="margin:0;padding:16px;font-family:Arial,Helvetica,sans-serif;color:#111827">',
        '<table role="presentation" width="100%" style="max-width:640px" cellpadding="0" cellspacing="0">',
        f'<tr><td><h2 style="margin:0 0 4px">{e(report.title)}</h2>'
        f'<p style="margin:0 0 16px;color:#6b7280">Hi {e(report.user_name)} · timezone {e(report.timezone)}</p>',
        f'<p style="font-size:20px;margin:0 0 4px"><b>{e(duration_text(report.total_seconds))}</b></p>',
        f'<p style="margin:0 0 16px;color:#6b7280">{e(_change_text(report))}</p>',
    ]
    if len(report.days) > 1:
        peak = max((d.seconds for d in report.days), default=0.0)
        parts.append('<h3 style="margin:16px 0 4px">Time per day</h3><table width="100%" cellpadding="0">')
        parts += [_bar_row(f"{d.day:%a %d}", d.seconds, peak, duration_text(d.seconds)) for d in report.days]
        parts.append("</table>")
    for heading, items in (("Top projects", report.projects), ("Languages", report.languages),
                           ("Editors", report.editors)):  # fmt: skip
        if items:
            peak = items[0].seconds
            parts.append(f'<h3 style="margin:16px 0 4px">{heading}</h3><table width="100%" cellpadding="0">')
            parts += [
                _bar_row(i.name, i.seconds, peak, f"{duration_text(i.seconds)} · {i.percent:.1f}%") for i in items
            ]
            parts.append("</table>")
    if report.ai:
        parts.append(
            '<h3 style="margin:16px 0 4px">AI coding</h3>'
            f'<p style="margin:0 0 4px">{e(report.ai.lines_text)}</p>'
            f'<p style="margin:0 0 16px;color:#6b7280">{e(report.ai.tokens_text)}</p>'
        )
    if report.goals:
        parts.append('<h3 style="margin:16px 0 4px">Goals</h3><table width="100%" cellpadding="0">')
        for g in report.goals:
            value = f"{duration_text(g.actual_seconds)} / {duration_text(g.target_seconds)}" + (
                " ✓" if g.achieved else ""
            )
            parts.append(_bar_row(g.title, g.percent, 100.0, value))
        parts.append("</table>")
    parts.append("</td></tr></table></body></html>")
    return "".join(parts)


def _summary_lines(report: Report) -> list[str]:
    lines = [f"Total: {duration_text(report.total_seconds)} ({_change_text(report)})"]
    for heading, items in (("Projects", report.projects), ("Languages", report.languages),
                           ("Editors", report.editors)):  # fmt: skip
        if items:
            lines.append(f"{heading}: " + ", ".join(f"{i.name} {duration_text(i.seconds)}" for i in items))
    if report.ai:
        lines.append(f"AI coding: {report.ai.lines_text}; {report.ai.tokens_text}")
    for g in report.goals:
        lines.append(f"Goal {g.title}: {duration_text(g.actual_seconds)} of {duration_text(g.target_seconds)}")
    return lines


def slack_payload(report: Report) -> dict[str, Any]:
    """Slack incoming-webhook payload (text fallback plus blocks)."""
    body = "\n".join(_summary_lines(report))
    return {
        "text": f"{report.title}: {duration_text(report.total_seconds)}",
        "blocks": [
            {"type": "header", "text": {"type": "plain_text", "text": report.title[:150]}},
            {"type": "section", "text": {"type": "mrkdwn", "text": body[:3000]}},
        ],
    }


def discord_payload(report: Report) -> dict[str, Any]:
    """Discord webhook payload (one embed)."""
    fields = [
        {"name": heading, "value": "\n".join(f"{i.name}: {duration_text(i.seconds)}" for i in items)[:1024],
         "inline": True}
        for heading, items in (("Projects", report.projects), ("Languages", report.languages),
                               ("Editors", report.editors))
        if items
    ]  # fmt: skip
    if report.ai:
        fields.append({"name": "AI coding", "value": f"{report.ai.lines_text}\n{report.ai.tokens_text}"[:1024],
                       "inline": False})  # fmt: skip
    return {
        "content": f"{report.title}: {duration_text(report.total_seconds)}",
        "embeds": [{"title": report.title[:256], "description": _change_text(report), "fields": fields[:25]}],
    }


def json_payload(report: Report) -> dict[str, Any]:
    """The plain JSON webhook payload: the report model plus derived figures."""
    return {
        "type": "codetime.report",
        "report": report.model_dump(mode="json"),
        "change_percent": report.change_percent,
        "text": render_text(report),
    }


WEBHOOK_FORMATS = {"slack": slack_payload, "discord": discord_payload, "json": json_payload}
