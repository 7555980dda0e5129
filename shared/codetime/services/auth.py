"""API-key authentication with a Redis-cached key -> user lookup."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from pydantic import TypeAdapter

from codetime.cache import get_cache
from codetime.clients import key_pepper
from codetime.db import get_pool
from codetime.domain.keys import InvalidKeyFormat, hash_key
from codetime.repositories.users import User, UserRepository

_KEY_CACHE_TTL = 300
_USER_ADAPTER = TypeAdapter(User)
_USER_CACHE_TTL = 300


class NotAuthenticated(Exception):
    """No usable credential; the message is safe to show (it never contains the key)."""


@dataclass(frozen=True, slots=True)
class Principal:
    user: User
    key_id: uuid.UUID


def _key_cache_key(key_hash: bytes) -> str:
    return f"ct:key:{key_hash.hex()}"


def _user_cache_key(user_id: uuid.UUID | str) -> str:
    return f"ct:user:{user_id}"


def authenticate_key(api_key: str | None) -> Principal:
    """The user owning this active key; raises NotAuthenticated otherwise."""
    if not api_key:
        raise NotAuthenticated("Missing API key.")
    try:
        key_hash = hash_key(api_key, key_pepper())
    except InvalidKeyFormat as exc:
        raise NotAuthenticated("Invalid API key.") from exc
    cache = get_cache()
    cached = cache.get(_key_cache_key(key_hash))
    if cached is not None:
        user_id, key_id = cached.decode().split(":")
        user = load_user(uuid.UUID(user_id))
        if user is not None:
            return Principal(user=user, key_id=uuid.UUID(key_id))
    with get_pool().connection() as conn:
        found = UserRepository(conn).user_for_key(key_hash)
    if found is None:
        raise NotAuthenticated("Invalid API key.")
    user, key_id = found
    cache.set(_key_cache_key(key_hash), f"{user.id}:{key_id}".encode(), _KEY_CACHE_TTL)
    _cache_user(user)
    return Principal(user=user, key_id=key_id)


def load_user(user_id: uuid.UUID) -> User | None:
    """A user by id, through the cache."""
    cached = get_cache().get(_user_cache_key(user_id))
    if cached is not None:
        return _USER_ADAPTER.validate_json(cached)
    with get_pool().connection() as conn:
        user = UserRepository(conn).get(user_id)
    if user is not None:
        _cache_user(user)
    return user


def _cache_user(user: User) -> None:
    get_cache().set(_user_cache_key(user.id), _USER_ADAPTER.dump_json(user), _USER_CACHE_TTL)


def forget_key(key_hash: bytes) -> None:
    """Drop a revoked key from the cache so it stops working at once."""
    get_cache().delete(_key_cache_key(key_hash))


def forget_user(user_id: uuid.UUID) -> None:
    """Drop a changed user from the cache."""
    get_cache().delete(_user_cache_key(user_id))
