"""Secrets are removed from plugin diagnostics before they are logged."""

from __future__ import annotations

import pytest

from codetime.domain.scrub import REDACTED, scrub

SECRETS = [
    "waka_aaaaaaaa-1111-4222-8333-444444444444",
    "aaaaaaaa-1111-4222-8333-444444444444",
    "AKIAIOSFODNN7EXAMPLE",
    "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl",
    "ghp_0123456789abcdefABCDEF0123456789abcd",
]


@pytest.mark.parametrize("secret", SECRETS)
def test_credential_shapes_are_removed(secret: str) -> None:
    out = scrub(f"error near {secret} in config")
    assert secret not in out and REDACTED in out and out.startswith("error near")


@pytest.mark.parametrize(
    "text",
    [
        "api_key = hunter2hunter2",
        "Authorization: Basic d2FrYV9hYWFh",
        "Bearer abcdefgh12345678",
        '{"password": "p@ss w0rd"}',
        "https://user:s3cret@example.com/api",
        "--token=abc123def",
        "session_id: xyz987",
    ],
)
def test_named_secrets_are_removed(text: str) -> None:
    out = scrub(text)
    for part in ("hunter2", "d2FrYV9", "abcdefgh1234", "p@ss", "s3cret", "abc123def", "xyz987"):
        assert part not in out


def test_ordinary_diagnostics_survive() -> None:
    text = "panic: runtime error: index out of range [3] with length 3\n\tmain.go:42 +0x1d"
    assert scrub(text) == text
