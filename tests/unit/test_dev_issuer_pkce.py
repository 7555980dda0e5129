"""The dev issuer's authorization code rules without a server: PKCE S256, expiry, one-time use, bounded memory."""

from __future__ import annotations

import base64
import hashlib

import pytest

from codetime.local import dev_issuer
from codetime.local.dev_issuer import AuthorizationCodes, FlowError

ORIGIN = "http://127.0.0.1:8000"
VERIFIER = "dBjftJeZ4CVP-mJ92K9qJdW1yCJDNs7ZZ1Y2LrJ7qAY"
# S256 as RFC 7636 4.2 defines it: BASE64URL(SHA256(ASCII(verifier))), unpadded (43 characters).
CHALLENGE = base64.urlsafe_b64encode(hashlib.sha256(VERIFIER.encode("ascii")).digest()).decode().rstrip("=")


def _params(**changes: str) -> dict[str, str]:
    return {"response_type": "code", "client_id": "codetime-dashboard", "redirect_uri": f"{ORIGIN}/callback",
            "state": "abc", "code_challenge": CHALLENGE, "code_challenge_method": "S256", "scope": "openid email",
            **changes}  # fmt: skip


def _redeem(codes: AuthorizationCodes, code: str, verifier: str = VERIFIER) -> str:
    _, email = codes.redeem({"grant_type": "authorization_code", "code": code, "client_id": "codetime-dashboard",
                             "redirect_uri": f"{ORIGIN}/callback", "code_verifier": verifier})  # fmt: skip
    return email


def test_s256_is_unpadded_base64url_sha256() -> None:
    assert dev_issuer.s256(VERIFIER) == CHALLENGE == "WBMafHUizGAGDZZP3Qd6CL7bpMt3AaJUvsu4MKJi050"


def test_redirect_uri_must_be_exactly_the_origins_callback() -> None:
    dev_issuer.check_client(_params(), ORIGIN)
    for uri in (f"{ORIGIN}/callback/", f"{ORIGIN}/callback?x=1", "http://localhost:8000/callback", f"{ORIGIN}/"):
        with pytest.raises(FlowError, match="redirect_uri"):
            dev_issuer.check_client(_params(redirect_uri=uri), ORIGIN)


def test_codes_are_one_time_and_expire() -> None:
    request = dev_issuer.authorization_request(_params(), ORIGIN)
    codes = AuthorizationCodes()
    code = codes.issue(request, "a@example.com")
    assert _redeem(codes, code) == "a@example.com"
    with pytest.raises(FlowError, match="already used"):
        _redeem(codes, code)
    expired = AuthorizationCodes(lifetime_seconds=0)
    with pytest.raises(FlowError, match="expired"):
        _redeem(expired, expired.issue(request, "a@example.com"))


def test_wrong_or_malformed_verifier_is_refused() -> None:
    request = dev_issuer.authorization_request(_params(), ORIGIN)
    codes = AuthorizationCodes()
    with pytest.raises(FlowError, match="does not match") as wrong:
        _redeem(codes, codes.issue(request, "a@example.com"), verifier="x" * 43)
    assert wrong.value.code == "invalid_grant"
    with pytest.raises(FlowError, match="43-128") as short:
        _redeem(codes, codes.issue(request, "a@example.com"), verifier="short")
    assert short.value.code == "invalid_request"


def test_pending_codes_are_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(dev_issuer, "_MAX_PENDING_CODES", 3)
    request = dev_issuer.authorization_request(_params(), ORIGIN)
    codes = AuthorizationCodes()
    for _ in range(3):
        codes.issue(request, "a@example.com")
    with pytest.raises(FlowError) as full:
        codes.issue(request, "a@example.com")
    assert full.value.code == "temporarily_unavailable"


@pytest.mark.parametrize("email", ["", "plain", "a@b", "a b@c.de", "@example.com", "x" * 250 + "@example.com"])
def test_sign_in_form_rejects_what_is_not_an_email(email: str) -> None:
    with pytest.raises(FlowError):
        dev_issuer.normalized_email(email)


def test_sign_in_form_normalizes_the_email() -> None:
    assert dev_issuer.normalized_email("  Ann@Example.COM ") == "ann@example.com"
