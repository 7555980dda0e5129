"""The deployed functions reach ElastiCache with AUTH over TLS: REDIS_URL + REDIS_AUTH_SECRET_ARN (codetime.cache)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import redis
from moto import mock_aws

from codetime import cache
from codetime.clients import aws_client, reset_clients

pytestmark = pytest.mark.infra

TOKEN = "s3cr3t/with@odd:chars"


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    for key in ("AWS_ENDPOINT_URL", "AWS_PROFILE", "REDIS_URL", "REDIS_AUTH_SECRET_ARN"):
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("AWS_DEFAULT_REGION", "eu-west-1")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    with mock_aws():
        reset_clients()
        yield
    reset_clients()


def test_auth_token_from_secrets_manager_and_tls(aws: None, monkeypatch: pytest.MonkeyPatch) -> None:
    arn = aws_client("secretsmanager").create_secret(Name="codetime/cache-auth", SecretString=TOKEN)["ARN"]
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


def test_without_the_secret_the_url_is_used_as_given(aws: None, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REDIS_URL", "redis://127.0.0.1:6390/2")
    reset_clients()
    pool = cache.get_cache()._redis.connection_pool  # type: ignore[attr-defined]
    assert pool.connection_class is redis.Connection and pool.connection_kwargs.get("password") is None
