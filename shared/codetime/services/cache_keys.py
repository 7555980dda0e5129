"""Cache keys and invalidation for per-user results.

Each user has a generation token; cached results embed it, so replacing the token invalidates all of a user's
entries at once without scanning keys. A random token (not a counter) cannot repeat after Redis loses it.
"""

from __future__ import annotations

import uuid

from codetime.cache import get_cache

_GENERATION_TTL = 30 * 86400


def _generation_key(user_id: uuid.UUID | str) -> str:
    return f"ct:gen:{user_id}"


def user_generation(user_id: uuid.UUID | str) -> str:
    """The user's current cache generation, created if missing."""
    cache = get_cache()
    current = cache.get(_generation_key(user_id))
    if current is not None:
        return current.decode()
    token = uuid.uuid4().hex[:12]
    cache.set(_generation_key(user_id), token.encode(), _GENERATION_TTL)
    return token


def invalidate_user_summaries(user_id: uuid.UUID | str) -> None:
    """Make every cached summary of this user stale."""
    get_cache().set(_generation_key(user_id), uuid.uuid4().hex[:12].encode(), _GENERATION_TTL)
