"""Process-wide resets: what tests (and the CLI, between environments) call to forget every cached client, and
the two Lambda SnapStart runtime hooks (registered by functions/_snapstart.py when Lambda provides them)."""

from __future__ import annotations

import importlib
import random

from codetime import cache, clients, db
from codetime.config import get_settings

# Imported lazily on a normal cold start (first use), but worth having in a SnapStart snapshot: a restored
# environment then finds them loaded, as it finds FastAPI, pydantic and psycopg.
SNAPSHOT_IMPORTS = ("boto3", "redis")


def reset_clients() -> None:
    """Close and forget every cached client, setting and secret (tests switch environments between cases)."""
    get_settings.cache_clear()
    clients.close_aws_clients()
    for cached in (clients.secret_value, clients.key_pepper, clients.jwks_client, clients.oidc_jwks_url):
        cached.cache_clear()
    db.close_pool()
    cache.reset_cache()


def before_snapshot() -> None:
    """SnapStart, just before Lambda snapshots the initialized environment (at version publish time).

    Nothing connects during init, but whatever did (a hook, a future warm-up) must not reach the snapshot: every
    environment restored from it would share the same sockets (long closed by the server), the same temporary
    AWS credentials and secret values. So: close the PostgreSQL pool and the Redis connections, close the boto3
    clients and drop the session and every fetched secret. The modules a first request would import lazily are
    imported here instead, so the snapshot holds them.
    """
    for module in SNAPSHOT_IMPORTS:
        importlib.import_module(module)
    reset_clients()


def after_restore() -> None:
    """SnapStart, when Lambda resumes an environment from the snapshot (before its first request).

    Every restored copy starts from the same memory: re-seed `random` from the OS (libraries use it for retry
    jitter; uuid4 and `secrets` read os.urandom and are unique anyway) and drop anything cached since the
    snapshot. Clients, the pool and secrets are then re-created on first use, with fresh credentials.
    """
    random.seed()
    reset_clients()
