"""API-key authentication with a Redis-cached key -> user lookup."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from pydantic import TypeAdapter

from codetime.cache import get_cache
from codetime.clients import key_pepper
from codetime.db import get_pool
from codetime.domain.errors import NotAuthenticated
from codetime.domain.keys import InvalidKeyFormat, hash_key
from codetime.repositories.users import User, UserRepository
from codetime.services import cache_keys

_KEY_CACHE_TTL = 300
_USER_ADAPTER = TypeAdapter(User)
_USER_CACHE_TTL = 300


@dataclass(frozen=True, slots=True)
class Principal:
    """Who is calling: a key (`key_id`, maybe read-only) or a person signed in with a token (`claims`)."""

    user: User
    key_id: uuid.UUID | None = None
    read_only: bool = False
    claims: Any = None  # services.identity.Claims for a token

    @property
    def is_person(self) -> bool:
        return self.claims is not None


def authenticate_key(api_key: str | None) -> Principal:
    """The user owning this active key; raises NotAuthenticated otherwise."""
    if not api_key:
        raise NotAuthenticated("Missing API key.")
    try:
        key_hash = hash_key(api_key, key_pepper())
    except InvalidKeyFormat as exc:
        raise NotAuthenticated("Invalid API key.") from exc
    cache = get_cache()
    cached = cache.get(cache_keys.api_key_entry(key_hash))
    parts = cached.decode().split(":") if cached is not None else []
    if len(parts) == 3:  # entries of an older format are looked up again
        user = load_user(uuid.UUID(parts[0]))
        if user is not None:
            return Principal(user=user, key_id=uuid.UUID(parts[1]), read_only=parts[2] == "r")
    with get_pool().connection() as conn:
        found = UserRepository(conn).user_for_key(key_hash)
    if found is None:
        raise NotAuthenticated("Invalid API key.")
    user, key_id, read_only = found
    # A revocation between the lookup above and this write left a marker: the entry is then not written, so a
    # revoked key is never cached again by a login that was in flight.
    entry = f"{user.id}:{key_id}:{'r' if read_only else 'w'}".encode()
    cache.set_unless(
        cache_keys.api_key_entry(key_hash), entry, _KEY_CACHE_TTL, blocker=cache_keys.api_key_revoked(key_hash)
    )
    cache_user(user)
    return Principal(user=user, key_id=key_id, read_only=read_only)


def load_user(user_id: uuid.UUID) -> User | None:
    """A user by id, through the cache."""
    cached = get_cache().get(cache_keys.user_entry(user_id))
    if cached is not None:
        return _USER_ADAPTER.validate_json(cached)
    with get_pool().connection() as conn:
        user = UserRepository(conn).get(user_id)
    if user is not None:
        cache_user(user)
    return user


def cache_user(user: User) -> None:
    get_cache().set(cache_keys.user_entry(user.id), _USER_ADAPTER.dump_json(user), _USER_CACHE_TTL)


def forget_key(key_hash: bytes) -> None:
    """Drop a revoked key from the cache so it stops working at once; the marker (set first, kept as long as an
    entry could live) stops logins that looked the key up before the revocation from caching it again."""
    cache = get_cache()
    cache.set(cache_keys.api_key_revoked(key_hash), b"1", _KEY_CACHE_TTL)
    cache.delete(cache_keys.api_key_entry(key_hash))


def forget_user(user_id: uuid.UUID) -> None:
    """Drop a changed user from the cache."""
    get_cache().delete(cache_keys.user_entry(user_id))
