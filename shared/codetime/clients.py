"""Lazily created, cached clients: nothing connects at import time (moto must start first; cold starts stay short)."""

from __future__ import annotations

import contextlib
import json
import os
import secrets
from functools import lru_cache
from pathlib import Path
from typing import Any

from codetime.config import get_settings


@lru_cache(maxsize=1)
def boto3_session() -> Any:
    import boto3

    return boto3.session.Session()


# Every boto3 client made by aws_client, so close_aws_clients() can close their connection pools.
_made_clients: list[Any] = []


@lru_cache(maxsize=8)
def aws_client(service: str) -> Any:
    """A boto3 client per service; honours AWS_ENDPOINT_URL (moto server, LocalStack)."""
    client = boto3_session().client(service)
    _made_clients.append(client)
    return client


def close_aws_clients() -> None:
    """Close every boto3 client made here (their HTTPS connections) and forget them and the session (its
    credentials): the next aws_client() builds a new session, resolving credentials afresh."""
    aws_client.cache_clear()
    live_management_client.cache_clear()
    live_sqs_client.cache_clear()
    boto3_session.cache_clear()
    while _made_clients:
        with contextlib.suppress(Exception):  # closing is best effort: a client may be half-built or closed
            _made_clients.pop().close()


@lru_cache(maxsize=4)
def live_management_client(endpoint: str) -> Any:
    """API Gateway's management API of one WebSocket stage (PostToConnection), with short timeouts and one attempt:
    a publish must stay within its time budget (README "Live updates"), never stall the writer."""
    from botocore.config import Config

    config = Config(connect_timeout=1, read_timeout=2, retries={"max_attempts": 1, "mode": "standard"})
    client = boto3_session().client("apigatewaymanagementapi", endpoint_url=endpoint, config=config)
    _made_clients.append(client)
    return client


@lru_cache(maxsize=1)
def live_sqs_client() -> Any:
    """SQS for the writer's live hand-off: short timeouts and one attempt (the write path's cost stays bounded);
    honours AWS_ENDPOINT_URL like aws_client."""
    from botocore.config import Config

    config = Config(connect_timeout=1, read_timeout=2, retries={"max_attempts": 1, "mode": "standard"})
    client = boto3_session().client("sqs", config=config)
    _made_clients.append(client)
    return client


@lru_cache(maxsize=16)
def secret_value(arn: str) -> str:
    """A Secrets Manager secret's string, fetched once per process."""
    return aws_client("secretsmanager").get_secret_value(SecretId=arn)["SecretString"]


def database_url() -> str:
    """DATABASE_URL, else the DSN held in DATABASE_SECRET_ARN (a DSN or an RDS-style JSON secret)."""
    settings = get_settings()
    if settings.database_url:
        return settings.database_url
    if settings.database_secret_arn:
        raw = secret_value(settings.database_secret_arn)
        if raw.lstrip().startswith("{"):
            s = json.loads(raw)
            if "dsn" in s:
                return s["dsn"]
            return (
                f"host={s['host']} port={s.get('port', 5432)} dbname={s.get('dbname', 'postgres')} "
                f"user={s['username']} password={s['password']} sslmode=require"
            )
        return raw
    raise RuntimeError("No database configured: set DATABASE_URL or DATABASE_SECRET_ARN (or run `codetime dev`)")


@lru_cache(maxsize=1)
def key_pepper() -> bytes:
    """The server-side secret that API key hashes are keyed with."""
    settings = get_settings()
    if settings.key_pepper:
        return settings.key_pepper.encode()
    if settings.key_pepper_secret_arn:
        return secret_value(settings.key_pepper_secret_arn).encode()
    # Local runtime: one pepper per data directory, so the CLI and `codetime dev` agree.
    path = Path(settings.data_dir) / "key-pepper"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_hex(32))
    return path.read_text().strip().encode()


@lru_cache(maxsize=4)
def jwks_client(url: str) -> Any:
    """A JWKS client per URL: signing keys cached for an hour, refetched when a token names an unknown key."""
    from jwt import PyJWKClient

    return PyJWKClient(url, cache_keys=True, lifespan=3600, timeout=5)


@lru_cache(maxsize=4)
def oidc_jwks_url(issuer: str) -> str:
    """The issuer's `jwks_uri` from its OpenID discovery document, fetched once per process."""
    import urllib.request

    with urllib.request.urlopen(issuer.rstrip("/") + "/.well-known/openid-configuration", timeout=5) as response:
        return json.loads(response.read())["jwks_uri"]
