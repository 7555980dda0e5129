"""The dashboard's sign-in against the dev issuer over real HTTP: authorization code + PKCE (S256), one-time codes,
exact redirect URIs, and tokens the API accepts."""

from __future__ import annotations

import base64
import hashlib
import os
import re
import secrets
from collections.abc import Iterator
from html.parser import HTMLParser
from urllib.parse import parse_qs, urlsplit

import httpx
import jwt
import pytest

from codetime.config import get_settings
from codetime.db import get_pool
from codetime.local import dev_issuer

pytestmark = pytest.mark.e2e
CLIENT = "codetime-dashboard"


class _Inputs(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.inputs: dict[str, str] = {}
        self.labels: dict[str, str] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if tag == "input" and attributes.get("name"):
            self.inputs[attributes["name"] or ""] = attributes.get("value") or ""
        if tag == "label":
            self.labels[attributes.get("for") or ""] = "label"


def _inputs(html: str) -> _Inputs:
    parser = _Inputs()
    parser.feed(html)
    return parser


def _pkce() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).decode().rstrip("=")
    return verifier, challenge


class Dashboard:
    """What the browser app does, with httpx: discovery, the authorize page, the form, the token request."""

    def __init__(self, base_url: str) -> None:
        self.base = base_url
        self.http = httpx.Client(base_url=base_url, follow_redirects=False, timeout=10)
        self.config = self.http.get("/.well-known/openid-configuration").json()
        self.redirect_uri = f"{base_url}/callback"

    def authorize_params(self, challenge: str, **changes: str | None) -> dict[str, str]:
        params = {
            "response_type": "code", "client_id": CLIENT, "redirect_uri": self.redirect_uri, "state": "s-" + "x" * 20,
            "code_challenge": challenge, "code_challenge_method": "S256", "scope": "openid email profile",
            "nonce": "n-123",
        }  # fmt: skip
        params.update(changes)  # type: ignore[arg-type]
        return {k: v for k, v in params.items() if v is not None}

    def sign_in(self, email: str, challenge: str) -> httpx.Response:
        """Open the authorization endpoint, fill in the form, submit it: the redirect to the callback."""
        page = self.http.get(self.config["authorization_endpoint"], params=self.authorize_params(challenge))
        assert page.status_code == 200, page.text
        form = _inputs(page.text)
        assert "email" in form.labels  # the e-mail field has its label
        fields = {**{k: v for k, v in form.inputs.items() if k != "email"}, "email": email}
        return self.http.post(self.config["authorization_endpoint"], data=fields)

    def code(self, email: str, challenge: str) -> str:
        answer = self.sign_in(email, challenge)
        assert answer.status_code == 303, answer.text
        location = urlsplit(answer.headers["location"])
        assert f"{location.scheme}://{location.netloc}{location.path}" == self.redirect_uri
        query = parse_qs(location.query)
        assert query["state"] == ["s-" + "x" * 20]
        return query["code"][0]

    def token(self, code: str, verifier: str, **changes: str) -> httpx.Response:
        data = {"grant_type": "authorization_code", "code": code, "redirect_uri": self.redirect_uri,
                "client_id": CLIENT, "code_verifier": verifier, **changes}  # fmt: skip
        return self.http.post(self.config["token_endpoint"], data=data)


@pytest.fixture
def dashboard(live_server, monkeypatch: pytest.MonkeyPatch) -> Iterator[Dashboard]:  # type: ignore[no-untyped-def]
    """The local app as `codetime dev` configures it: its own dev issuer, the dashboard client accepted."""
    from codetime.clients import jwks_client, oidc_jwks_url

    monkeypatch.delenv("CODETIME_OIDC_ISSUER", raising=False)
    monkeypatch.delenv("CODETIME_OIDC_AUDIENCE", raising=False)
    monkeypatch.delenv("CODETIME_OIDC_JWKS_URL", raising=False)
    dev_issuer.configure(get_settings().data_dir, live_server.base_url)
    for name in ("CODETIME_OIDC_ISSUER", "CODETIME_OIDC_AUDIENCE", "CODETIME_OIDC_JWKS_URL"):
        monkeypatch.setenv(name, os.environ[name])  # undone after the test
    get_settings.cache_clear()
    jwks_client.cache_clear()
    oidc_jwks_url.cache_clear()
    client = Dashboard(live_server.base_url)
    yield client
    client.http.close()
    get_settings.cache_clear()


def test_discovery_lists_the_code_flow_endpoints(dashboard: Dashboard) -> None:
    config = dashboard.config
    assert config["issuer"] == dashboard.base
    assert config["authorization_endpoint"] == f"{dashboard.base}/oauth2/authorize"
    assert config["token_endpoint"] == f"{dashboard.base}/oauth2/token"
    assert config["code_challenge_methods_supported"] == ["S256"]
    assert "code" in config["response_types_supported"]
    assert dashboard.http.get(config["jwks_uri"]).json()["keys"][0]["alg"] == "RS256"


def test_code_flow_signs_in_and_the_tokens_reach_the_api(dashboard: Dashboard) -> None:
    verifier, challenge = _pkce()
    code = dashboard.code("Carol@Example.com", challenge)
    # The form found or created the person, as `codetime token --email` names them.
    with get_pool().connection() as conn:
        row = conn.execute("SELECT username, email, oidc_subject FROM users WHERE email = 'carol@example.com'")
        assert row.fetchone() == ("carol", "carol@example.com", dev_issuer.subject_for("carol@example.com"))
    answer = dashboard.token(code, verifier)
    assert answer.status_code == 200, answer.text
    assert answer.headers["cache-control"] == "no-store"
    tokens = answer.json()
    assert tokens["token_type"] == "Bearer" and tokens["expires_in"] == 3600
    claims = jwt.decode(tokens["id_token"], options={"verify_signature": False})
    assert claims["aud"] == CLIENT and claims["iss"] == dashboard.base and claims["nonce"] == "n-123"
    assert claims["email"] == "carol@example.com" and claims["email_verified"] is True
    for kind in ("id_token", "access_token"):
        me = dashboard.http.get("/api/v1/users/current", headers={"Authorization": f"Bearer {tokens[kind]}"})
        assert me.status_code == 200, (kind, me.text)
        assert me.json()["data"]["username"] == "carol"
    # Signing in again is the same person, not a new account.
    verifier2, challenge2 = _pkce()
    assert dashboard.token(dashboard.code("carol@example.com", challenge2), verifier2).status_code == 200
    with get_pool().connection() as conn:
        assert conn.execute("SELECT count(*) FROM users WHERE email = 'carol@example.com'").fetchone() == (1,)


def test_a_wrong_verifier_spends_the_code(dashboard: Dashboard) -> None:
    verifier, challenge = _pkce()
    code = dashboard.code("dan@example.com", challenge)
    wrong = dashboard.token(code, _pkce()[0])
    assert wrong.status_code == 400
    assert wrong.json()["error"] == "invalid_grant" and "code_verifier" in wrong.json()["error_description"]
    # A stolen code cannot be tried against many verifiers: the right one no longer works either.
    assert dashboard.token(code, verifier).json()["error"] == "invalid_grant"


def test_a_code_is_one_time(dashboard: Dashboard) -> None:
    verifier, challenge = _pkce()
    code = dashboard.code("erin@example.com", challenge)
    assert dashboard.token(code, verifier).status_code == 200
    again = dashboard.token(code, verifier)
    assert again.status_code == 400 and again.json()["error"] == "invalid_grant"
    assert "access_token" not in again.text


def test_bad_redirect_uri_is_refused_on_the_page_never_redirected(dashboard: Dashboard) -> None:
    _, challenge = _pkce()
    endpoint = dashboard.config["authorization_endpoint"]
    for uri in ("https://evil.example/callback", f"{dashboard.base}/callback/../steal", f"{dashboard.base}/cb", ""):
        page = dashboard.http.get(endpoint, params=dashboard.authorize_params(challenge, redirect_uri=uri))
        assert page.status_code == 400 and "location" not in page.headers, uri
        assert "redirect_uri must be" in page.text and 'role="alert"' in page.text
    # The form's POST checks it again (hidden fields are the client's to change).
    fields = {**dashboard.authorize_params(challenge, redirect_uri="https://evil.example/callback"), "email": "a@b.co"}
    posted = dashboard.http.post(endpoint, data=fields)
    assert posted.status_code == 400 and "location" not in posted.headers
    # A code redeemed with another redirect_uri than it was issued for is refused (and spent).
    verifier, challenge = _pkce()
    code = dashboard.code("fay@example.com", challenge)
    other = dashboard.token(code, verifier, redirect_uri="https://evil.example/callback")
    assert other.status_code == 400 and other.json()["error"] == "invalid_grant"


def test_unknown_client_missing_state_and_missing_pkce(dashboard: Dashboard) -> None:
    _, challenge = _pkce()
    endpoint = dashboard.config["authorization_endpoint"]
    for changes in ({"client_id": "someone-else"}, {"state": None}, {"state": "x" * 513}, {"state": "a b"}):
        page = dashboard.http.get(endpoint, params=dashboard.authorize_params(challenge, **changes))
        assert page.status_code == 400 and "location" not in page.headers, changes
    # With a known client and redirect URI, errors go back to the client with its state (RFC 6749 4.1.2.1).
    for changes, error in (
        ({"code_challenge": None}, "invalid_request"),
        ({"code_challenge_method": "plain"}, "invalid_request"),
        ({"response_type": "token"}, "unsupported_response_type"),
        ({"scope": "email"}, "invalid_scope"),
    ):
        answer = dashboard.http.get(endpoint, params=dashboard.authorize_params(challenge, **changes))
        assert answer.status_code == 303, changes
        query = parse_qs(urlsplit(answer.headers["location"]).query)
        assert query["error"] == [error] and query["state"] == ["s-" + "x" * 20] and "code" not in query


def test_the_form_says_what_is_wrong_and_the_token_endpoint_names_bad_requests(dashboard: Dashboard) -> None:
    _, challenge = _pkce()
    page = dashboard.http.get(dashboard.config["authorization_endpoint"],
                              params=dashboard.authorize_params(challenge))  # fmt: skip
    fields = {**_inputs(page.text).inputs, "email": "not-an-address"}
    answer = dashboard.http.post(dashboard.config["authorization_endpoint"], data=fields)
    assert answer.status_code == 400 and 'role="alert"' in answer.text and 'aria-invalid="true"' in answer.text
    assert re.search(r'value="not-an-address"', answer.text)
    token = dashboard.config["token_endpoint"]
    cases = {
        "json body": dict(json={"code": "x"}),
        "no grant type": dict(data={"code": "x"}),
        "unknown code": dict(data={"grant_type": "authorization_code", "code": "nope", "code_verifier": "v" * 43}),
        "duplicated field": dict(content=b"grant_type=authorization_code&code=a&code=b",
                                 headers={"content-type": "application/x-www-form-urlencoded"}),
        "not utf-8": dict(content=b"code=\xff\xfe", headers={"content-type": "application/x-www-form-urlencoded"}),
    }  # fmt: skip
    for name, kwargs in cases.items():
        response = dashboard.http.post(token, **kwargs)  # type: ignore[arg-type]
        assert response.status_code == 400, (name, response.text)
        assert response.json()["error"] in ("invalid_request", "invalid_grant", "unsupported_grant_type"), name
