"""Badges: a user's (or one project's) total time over a range as an SVG badge or shields.io's endpoint JSON,
for READMEs. Only what the user shares publicly (domain/sharing.py): totals need shared coding activity within the
user's longest shared range, a project badge also needs shared projects; anything else is NotShared (403)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from html import escape
from typing import Any

from codetime.domain.names import stored_value
from codetime.domain.sharing import check_public_filters, check_public_range
from codetime.domain.wakatime_format import human_text
from codetime.services import aggregation
from codetime.services.cache_keys import cached, dumps
from codetime.services.sharing import find_shared_user, sharing_of
from codetime.services.stats import STATS_RANGES, canonical_range, range_dates

LABEL = "CodeTime"
COLOR, COLOR_HEX = "blue", "#007ec6"  # shields.io's named color and its value
MAX_LABEL = 40  # characters of a project name shown on its badge
CACHE_SECONDS = 600


@dataclass(frozen=True, slots=True)
class Badge:
    label: str
    message: str
    seconds: float
    range_text: str


def badge(name: str, range_name: str, project: str | None = None) -> Badge:
    """The badge of user `name` (username or id) over `range_name`, or of one of their projects."""
    user = find_shared_user(name)
    sharing = sharing_of(user)
    check_public_filters(sharing, {"project": project})
    range_key = canonical_range(range_name)
    start, end = range_dates(user, range_key)
    check_public_range(sharing, start, end, unbounded=range_key == "all_time")
    filters = {"project": stored_value("project", project)} if project is not None else {}
    params = {"r": range_key, "s": start, "e": end, "f": filters, "tz": user.effective_timezone,
              "t": user.timeout_seconds, "share": [sharing.max_days, sorted(sharing.lists)]}  # fmt: skip

    def build() -> bytes:
        return dumps({"seconds": aggregation.range_totals(user, start, end, filters).total})

    seconds = json.loads(cached(user.id, "badge", params, build).json_bytes())["seconds"]
    label = LABEL if project is None else (project if len(project) <= MAX_LABEL else project[: MAX_LABEL - 1] + "…")
    return Badge(label, human_text(seconds), seconds, STATS_RANGES[range_key])


def shields(found: Badge) -> dict[str, Any]:
    """shields.io's endpoint badge JSON (https://shields.io/badges/endpoint-badge)."""
    return {"schemaVersion": 1, "label": found.label, "message": found.message, "color": COLOR,
            "cacheSeconds": CACHE_SECONDS}  # fmt: skip


def _width(text: str) -> int:
    # Verdana 11px averages about 7 px a character (shields' flat style); 10 px of padding either side.
    return 7 * len(text) + 20


def svg(found: Badge) -> str:
    """A flat badge, shields' look, readable by screen readers (role, title, aria-label)."""
    label, message = escape(found.label), escape(found.message)
    left, right = _width(found.label), _width(found.message)
    total = left + right
    title = escape(f"{found.label}: {found.message} ({found.range_text})")
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{total}" height="20" role="img" aria-label="{title}">'
        f"<title>{title}</title>"
        f'<linearGradient id="s" x2="0" y2="100%"><stop offset="0" stop-color="#bbb" stop-opacity=".1"/>'
        f'<stop offset="1" stop-opacity=".1"/></linearGradient>'
        f'<clipPath id="r"><rect width="{total}" height="20" rx="3" fill="#fff"/></clipPath>'
        f'<g clip-path="url(#r)"><rect width="{left}" height="20" fill="#555"/>'
        f'<rect x="{left}" width="{right}" height="20" fill="{COLOR_HEX}"/>'
        f'<rect width="{total}" height="20" fill="url(#s)"/></g>'
        f'<g fill="#fff" text-anchor="middle" font-family="Verdana,Geneva,DejaVu Sans,sans-serif" font-size="11">'
        f'<text x="{left / 2}" y="14">{label}</text><text x="{left + right / 2}" y="14">{message}</text></g></svg>'
    )
