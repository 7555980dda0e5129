"""The deployed functions reach ElastiCache with AUTH over TLS: REDIS_URL + REDIS_AUTH_SECRET_ARN (codetime.cache)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import redis

from codetime import cache
from codetime.lifecycle import reset_clients
from conftest import AwsApis

pytestmark = pytest.mark.infra

TOKEN = "s3cr3t/with@odd:chars"


@pytest.fixture
def aws(aws_apis, monkeypatch: pytest.MonkeyPatch) -> Iterator[AwsApis]:  # type: ignore[no-untyped-def]
    """moto or LocalStack (`--aws`), without any cache settings."""
    for key in ("REDIS_URL", "REDIS_AUTH_SECRET_ARN"):
        monkeypatch.delenv(key, raising=False)
    reset_clients()
    yield aws_apis
    reset_clients()


def test_auth_token_from_secrets_manager_and_tls(aws: AwsApis, monkeypatch: pytest.MonkeyPatch) -> None:
    arn = aws.create_secret("codetime/cache-auth", TOKEN)
    monkeypatch.setenv("REDIS_URL", "redis://primary.codetime.cache.amazonaws.com:6380/0")
    monkeypatch.setenv("REDIS_AUTH_SECRET_ARN", arn)
    reset_clients()
    made = cache.get_cache()
    assert isinstance(made, cache.RedisCache)
    pool = made._redis.connection_pool  # nothing connects until the first command
    kwargs = pool.connection_kwargs
    assert pool.connection_class is redis.SSLConnection  # rediss:// whatever scheme REDIS_URL had
    assert kwargs["password"] == TOKEN and kwargs.get("username") in (None, "")
    assert (kwargs["host"], kwargs["port"], kwargs["db"]) == ("primary.codetime.cache.amazonaws.com", 6380, 0)


def test_without_the_secret_the_url_is_used_as_given(aws: AwsApis, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REDIS_URL", "redis://127.0.0.1:6390/2")
    reset_clients()
    pool = cache.get_cache()._redis.connection_pool  # type: ignore[attr-defined]
    assert pool.connection_class is redis.Connection and pool.connection_kwargs.get("password") is None
