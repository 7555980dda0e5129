"""WakaTime's meta routes: `GET /meta`, `GET /program_languages`, `GET /editors` (what CodeTime knows)."""

from __future__ import annotations

from typing import Any

from codetime.domain.catalogue import EDITORS, LANGUAGES


def meta() -> dict[str, Any]:
    """WakaTime's meta object. `ips` lists the addresses to allow through a firewall: a self-hosted CodeTime
    has no fixed set (API Gateway's addresses change), so the lists are empty, as WakaTime's own for an unknown
    service."""
    return {
        "data": {
            "ips": {"api": [], "website": [], "worker": [], "descriptions": {
                "api": "API Gateway in front of CodeTime's API: no fixed addresses",
                "website": "The dashboard behind CloudFront: no fixed addresses",
                "worker": "CodeTime sends report webhooks from Lambda: no fixed addresses",
            }},
            "name": "CodeTime",
        }
    }  # fmt: skip


def program_languages(name: str | None = None) -> dict[str, Any]:
    """The languages CodeTime knows, alphabetically, optionally one by name (case-insensitive)."""
    items = [
        {"id": name_.lower(), "name": name_, "color": color, "is_verified": True}
        for name_, color in LANGUAGES
        if name is None or name_.lower() == name.lower()
    ]
    return {"data": items, "total": len(items), "total_pages": 1}


def editors() -> dict[str, Any]:
    """The editors whose plugins CodeTime recognises (by their User-Agent token)."""
    items = [
        {"id": slug, "name": name, "slug": slug, "website": website, "color": None, "version": None,
         "released_at": None, "is_verified": True}
        for slug, name, website in EDITORS
    ]  # fmt: skip
    return {"data": items, "total": len(items), "total_pages": 1}
