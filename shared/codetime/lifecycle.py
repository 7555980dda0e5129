"""Process-wide resets: what tests (and the CLI, between environments) call to forget every cached client."""

from __future__ import annotations

from codetime import cache, clients, db
from codetime.config import get_settings


def reset_clients() -> None:
    """Forget every cached client and setting (tests switch environments between cases)."""
    get_settings.cache_clear()
    for cached in (clients.boto3_session, clients.aws_client, clients.secret_value, clients.key_pepper,
                   clients.jwks_client, clients.oidc_jwks_url):  # fmt: skip
        cached.cache_clear()
    db.close_pool()
    cache.reset_cache()
