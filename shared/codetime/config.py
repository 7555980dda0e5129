"""Settings read once from the environment."""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import lru_cache


def _items(name: str) -> tuple[str, ...]:
    return tuple(item.strip() for item in os.environ.get(name, "").split(",") if item.strip())


def _int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    return int(raw) if raw else default


@dataclass(frozen=True, slots=True)
class Settings:
    database_url: str | None
    redis_url: str | None
    sqs_queue_url: str | None
    key_pepper: str | None
    key_pepper_secret_arn: str | None
    database_secret_arn: str | None
    # Ingestion limits (documented in the README).
    max_body_bytes: int
    max_heartbeats_per_request: int
    max_heartbeat_age_days: int
    default_timeout_minutes: int
    cache_ttl_seconds: int
    db_pool_size: int
    data_dir: str
    # Accounts: import request body limit, and seconds a deletion works per request or queue message.
    max_import_bytes: int = 5 * 1024 * 1024
    purge_budget_seconds: int = 10
    # OIDC sign-in for people and dashboards (README: Identity).
    oidc_issuer: str | None = None
    oidc_audience: tuple[str, ...] = ()
    oidc_jwks_url: str | None = None
    admins: tuple[str, ...] = ()
    job_slice_days: int = 31
    job_budget_seconds: int = 20
    # Active API keys a user may hold (README: Identity).
    max_keys_per_user: int = 20
    # Database outages and timeouts (README): each statement of an API request is cancelled after this many ms
    # (0: no bound), below every API Lambda's timeout; a request waits this long for a pooled connection.
    api_statement_timeout_ms: int = 10_000
    db_pool_timeout_seconds: float = 10.0
    # Live updates (README "Live updates"): the connection registry's DynamoDB table, the WebSocket API's management
    # endpoint, the delivery queue and the changes queue (AWS; unset locally, where `codetime dev` keeps connections
    # in memory), open connections a user may hold, the user.heartbeats coalescing interval, and the time the
    # publisher may spend on one hand-off (the users left wait for their next write).
    live_table: str | None = None
    live_endpoint: str | None = None
    live_queue_url: str | None = None
    live_changes_url: str | None = None
    live_max_connections: int = 20
    live_heartbeat_interval_seconds: int = 5
    live_publish_budget_ms: int = 5000

    @classmethod
    def from_env(cls) -> Settings:
        env = os.environ.get
        return cls(
            database_url=env("DATABASE_URL") or None,
            redis_url=env("REDIS_URL") or None,
            sqs_queue_url=env("SQS_QUEUE_URL") or None,
            key_pepper=env("CODETIME_KEY_PEPPER") or None,
            key_pepper_secret_arn=env("CODETIME_KEY_PEPPER_SECRET_ARN") or None,
            database_secret_arn=env("DATABASE_SECRET_ARN") or None,
            max_body_bytes=_int("CODETIME_MAX_BODY_BYTES", 2 * 1024 * 1024),
            max_heartbeats_per_request=_int("CODETIME_MAX_HEARTBEATS_PER_REQUEST", 1000),
            max_heartbeat_age_days=_int("CODETIME_MAX_HEARTBEAT_AGE_DAYS", 365),
            default_timeout_minutes=_int("CODETIME_DEFAULT_TIMEOUT_MINUTES", 15),
            cache_ttl_seconds=_int("CODETIME_CACHE_TTL_SECONDS", 3600),
            # Lambda serves one request at a time; the local server runs handlers in a thread pool.
            db_pool_size=_int("CODETIME_DB_POOL_SIZE", 4),
            data_dir=env("CODETIME_DATA_DIR") or ".codetime",
            max_import_bytes=_int("CODETIME_MAX_IMPORT_BYTES", 5 * 1024 * 1024),
            purge_budget_seconds=_int("CODETIME_PURGE_BUDGET_SECONDS", 10),
            oidc_issuer=env("CODETIME_OIDC_ISSUER") or None,
            oidc_audience=_items("CODETIME_OIDC_AUDIENCE"),
            oidc_jwks_url=env("CODETIME_OIDC_JWKS_URL") or None,
            admins=tuple(a.lower() for a in _items("CODETIME_ADMINS")),
            job_slice_days=_int("CODETIME_JOB_SLICE_DAYS", 31),
            job_budget_seconds=_int("CODETIME_JOB_BUDGET_SECONDS", 20),
            max_keys_per_user=_int("CODETIME_MAX_KEYS_PER_USER", 20),
            api_statement_timeout_ms=_int("CODETIME_API_STATEMENT_TIMEOUT_MS", 10_000),
            db_pool_timeout_seconds=float(env("CODETIME_DB_POOL_TIMEOUT_SECONDS") or 10),
            live_table=env("CODETIME_LIVE_TABLE") or None,
            live_endpoint=env("CODETIME_LIVE_ENDPOINT") or None,
            live_queue_url=env("CODETIME_LIVE_QUEUE_URL") or None,
            live_changes_url=env("CODETIME_LIVE_CHANGES_URL") or None,
            live_max_connections=_int("CODETIME_LIVE_MAX_CONNECTIONS", 20),
            live_heartbeat_interval_seconds=_int("CODETIME_LIVE_HEARTBEAT_INTERVAL", 5),
            live_publish_budget_ms=_int("CODETIME_LIVE_PUBLISH_BUDGET_MS", 5000),
        )


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings; tests call `get_settings.cache_clear()` after changing the environment."""
    return Settings.from_env()
