"""The local runtime's OIDC issuer: a key pair in the data dir, its JWKS served by the local app, tokens signed by
`codetime token` or handed to the dashboard through the authorization code flow with PKCE (S256), so tokens take
the same validation path locally and in tests as in AWS."""

from __future__ import annotations

import base64
import contextlib
import hashlib
import hmac
import json
import os
import re
import secrets
import threading
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

DEV_AUDIENCE = "codetime-dev"
# The dashboard's public client (no secret: a browser app proves itself with PKCE); its tokens carry it as `aud`.
DASHBOARD_CLIENT_ID = "codetime-dashboard"
AUTHORIZE_PATH = "/oauth2/authorize"
TOKEN_PATH = "/oauth2/token"
CALLBACK_PATH = "/callback"
SCOPES = ("openid", "email", "profile")
CODE_LIFETIME_SECONDS = 60
TOKEN_LIFETIME_SECONDS = 3600
DEFAULT_ISSUER = "http://127.0.0.1:8000"
_KEY_FILE = "oidc-dev-key.pem"
_CONFIG_FILE = "dev-oidc.json"


def _write_private(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)


def private_key(data_dir: str | Path) -> Any:
    """The dev issuer's RSA key, created on first use (kept in the data dir, mode 0600)."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    path = Path(data_dir) / _KEY_FILE
    if not path.exists():
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        pem = key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
        with contextlib.suppress(FileExistsError):  # another process created it first
            _write_private(path, pem)
    return serialization.load_pem_private_key(path.read_bytes(), password=None)


def key_id(public_key: Any) -> str:
    from cryptography.hazmat.primitives import serialization

    der = public_key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    return base64.urlsafe_b64encode(hashlib.sha256(der).digest()[:12]).decode().rstrip("=")


def jwks(data_dir: str | Path) -> dict[str, Any]:
    from jwt.algorithms import RSAAlgorithm

    public = private_key(data_dir).public_key()
    jwk = RSAAlgorithm.to_jwk(public, as_dict=True)
    return {"keys": [{**jwk, "kid": key_id(public), "use": "sig", "alg": "RS256"}]}


def discovery(issuer: str) -> dict[str, Any]:
    return {
        "issuer": issuer,
        "authorization_endpoint": issuer + AUTHORIZE_PATH,
        "token_endpoint": issuer + TOKEN_PATH,
        "jwks_uri": f"{issuer}/.well-known/jwks.json",
        "response_types_supported": ["code"],
        "grant_types_supported": ["authorization_code"],
        "code_challenge_methods_supported": ["S256"],
        "token_endpoint_auth_methods_supported": ["none"],
        "scopes_supported": list(SCOPES),
        "claims_supported": ["sub", "email", "email_verified", "iss", "aud", "exp", "iat", "nonce"],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": ["RS256"],
    }


def subject_for(email: str) -> str:
    """A stable subject per e-mail, so the same e-mail always signs in as the same person."""
    return "dev-" + str(uuid.uuid5(uuid.NAMESPACE_URL, "codetime-dev:" + email.strip().lower()))


def issue_token(
    data_dir: str | Path, *, email: str, issuer: str, audience: str = DEV_AUDIENCE, lifetime_seconds: int = 3600,
    subject: str | None = None, key: Any = None, now: float | None = None, token_use: str = "id",
    nonce: str | None = None,
) -> str:  # fmt: skip
    """An RS256 ID token signed by the dev issuer (or by `key`, which tests use for an untrusted key pair)."""
    import jwt

    key = key or private_key(data_dir)
    issued = int(now if now is not None else time.time())
    claims = {
        "iss": issuer, "aud": audience, "sub": subject or subject_for(email), "email": email.strip().lower(),
        "email_verified": True, "iat": issued, "exp": issued + lifetime_seconds, "token_use": token_use,
        **({"nonce": nonce} if nonce else {}),
    }  # fmt: skip
    return jwt.encode(claims, key, algorithm="RS256", headers={"kid": key_id(key.public_key())})


def configure(data_dir: str | Path, issuer: str) -> None:
    """Make this process validate dev tokens (unless a real issuer is configured) and remember the issuer for
    `codetime token`."""
    if os.environ.get("CODETIME_OIDC_ISSUER"):
        return
    os.environ["CODETIME_OIDC_ISSUER"] = issuer
    os.environ["CODETIME_OIDC_AUDIENCE"] = f"{DEV_AUDIENCE},{DASHBOARD_CLIENT_ID}"
    os.environ["CODETIME_OIDC_JWKS_URL"] = f"{issuer}/.well-known/jwks.json"
    path = Path(data_dir) / _CONFIG_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"issuer": issuer, "audience": DEV_AUDIENCE}))


def configured_issuer(data_dir: str | Path) -> str:
    """The issuer of the last `codetime dev` of this data dir."""
    path = Path(data_dir) / _CONFIG_FILE
    return json.loads(path.read_text())["issuer"] if path.exists() else DEFAULT_ISSUER


# --- The authorization code flow with PKCE (the dashboard's sign-in) ---------------------------------------------

# RFC 7636: a verifier is 43-128 unreserved characters; its S256 challenge is 43 base64url characters.
_VERIFIER = re.compile(r"^[A-Za-z0-9._~-]{43,128}$")
_CHALLENGE = re.compile(r"^[A-Za-z0-9_-]{43}$")
# What a client may round-trip in `state` and `nonce`: printable ASCII, bounded (they come back in a URL or token).
_OPAQUE = re.compile(r"^[\x21-\x7e]{1,512}$")
_EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]{1,190}\.[^@\s.]{1,60}$")
_MAX_PENDING_CODES = 1000


class FlowError(ValueError):
    """A refused authorization or token request; `code` is the OAuth error code (RFC 6749 section 4.1.2.1/5.2)."""

    def __init__(self, code: str, description: str) -> None:
        super().__init__(description)
        self.code, self.description = code, description


@dataclass(frozen=True, slots=True)
class AuthorizationRequest:
    """A validated authorization request: what the sign-in form carries and the code is bound to."""

    client_id: str
    redirect_uri: str
    state: str
    code_challenge: str
    scope: str
    nonce: str | None


def registered_redirect_uri(origin: str) -> str:
    """The one redirect URI of the dashboard client: the dashboard this dev server serves, `<origin>/callback`."""
    return origin.rstrip("/") + CALLBACK_PATH


def check_client(params: dict[str, str], origin: str) -> None:
    """The checks whose failure must NOT redirect (RFC 6749 4.1.2.1): an unknown client or redirect URI would make
    the issuer an open redirector."""
    if params.get("client_id") != DASHBOARD_CLIENT_ID:
        raise FlowError("invalid_client", f"Unknown client_id; the dashboard's is {DASHBOARD_CLIENT_ID!r}.")
    if params.get("redirect_uri") != registered_redirect_uri(origin):
        raise FlowError("invalid_request", f"redirect_uri must be {registered_redirect_uri(origin)!r}.")
    if not _OPAQUE.match(params.get("state") or ""):
        raise FlowError("invalid_request", "state is required (1-512 printable ASCII characters).")


def authorization_request(params: dict[str, str], origin: str) -> AuthorizationRequest:
    """Validate an authorization request (query of GET, form of POST). FlowError from check_client() is shown to
    the person; a later FlowError goes back to the client through the redirect URI."""
    check_client(params, origin)
    if params.get("response_type") != "code":
        raise FlowError("unsupported_response_type", "Only response_type=code is supported.")
    if params.get("code_challenge_method") != "S256":
        raise FlowError("invalid_request", "PKCE is required: code_challenge_method=S256.")
    if not _CHALLENGE.match(params.get("code_challenge") or ""):
        raise FlowError("invalid_request", "code_challenge must be the base64url SHA-256 of the verifier.")
    scopes = (params.get("scope") or "").split()
    if "openid" not in scopes or not set(scopes) <= set(SCOPES):
        raise FlowError("invalid_scope", f"scope must include openid and only {' '.join(SCOPES)}.")
    nonce = params.get("nonce") or None
    if nonce is not None and not _OPAQUE.match(nonce):
        raise FlowError("invalid_request", "nonce must be 1-512 printable ASCII characters.")
    return AuthorizationRequest(
        client_id=params["client_id"], redirect_uri=params["redirect_uri"], state=params["state"],
        code_challenge=params["code_challenge"], scope=" ".join(scopes), nonce=nonce,
    )  # fmt: skip


def normalized_email(value: str) -> str:
    """The sign-in form's e-mail, lower-cased; FlowError (shown on the form) when it is not an address."""
    email = value.strip().lower()
    if not _EMAIL.match(email) or len(email) > 254:
        raise FlowError("invalid_request", "Enter an e-mail address such as you@example.com.")
    return email


def s256(verifier: str) -> str:
    return base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).decode().rstrip("=")


@dataclass(frozen=True, slots=True)
class _Grant:
    request: AuthorizationRequest
    email: str
    expires: float


class AuthorizationCodes:
    """One-time codes, short-lived, in this process's memory: the dev issuer runs inside the one `codetime dev`
    process, and a code that is lost on restart only means signing in again."""

    def __init__(self, lifetime_seconds: int = CODE_LIFETIME_SECONDS) -> None:
        self._lifetime = lifetime_seconds
        self._grants: dict[str, _Grant] = {}
        self._lock = threading.Lock()

    def issue(self, request: AuthorizationRequest, email: str) -> str:
        code = secrets.token_urlsafe(32)
        now = time.time()
        with self._lock:
            self._grants = {c: g for c, g in self._grants.items() if g.expires > now}
            if len(self._grants) >= _MAX_PENDING_CODES:  # bounded memory whatever a client does
                raise FlowError("temporarily_unavailable", "Too many sign-ins in progress; try again in a minute.")
            self._grants[code] = _Grant(request, email, now + self._lifetime)
        return code

    def redeem(self, params: dict[str, str]) -> tuple[AuthorizationRequest, str]:
        """The request and e-mail a code was issued for. The code is spent by any attempt, right or wrong, so a
        stolen code cannot be tried against many verifiers."""
        if params.get("grant_type") != "authorization_code":
            raise FlowError("unsupported_grant_type", "Only grant_type=authorization_code is supported.")
        with self._lock:
            grant = self._grants.pop(params.get("code") or "", None)
        if grant is None or grant.expires <= time.time():
            raise FlowError("invalid_grant", "The code is unknown, expired or already used.")
        request = grant.request
        if params.get("client_id") != request.client_id:
            raise FlowError("invalid_grant", "The code was issued to another client.")
        if params.get("redirect_uri") != request.redirect_uri:
            raise FlowError("invalid_grant", "redirect_uri differs from the authorization request's.")
        verifier = params.get("code_verifier") or ""
        if not _VERIFIER.match(verifier):
            raise FlowError("invalid_request", "code_verifier must be 43-128 characters of [A-Za-z0-9._~-].")
        if not hmac.compare_digest(s256(verifier), request.code_challenge):
            raise FlowError("invalid_grant", "code_verifier does not match the code_challenge.")
        return request, grant.email


def token_response(data_dir: str | Path, *, issuer: str, request: AuthorizationRequest, email: str) -> dict[str, Any]:
    """The token endpoint's answer: an ID token and an access token, both RS256 JWTs the API accepts."""

    def token(token_use: str, nonce: str | None = None) -> str:
        return issue_token(
            data_dir, email=email, issuer=issuer, audience=request.client_id, token_use=token_use, nonce=nonce,
            lifetime_seconds=TOKEN_LIFETIME_SECONDS,
        )  # fmt: skip

    return {
        "access_token": token("access"),
        "id_token": token("id", request.nonce),
        "token_type": "Bearer",
        "expires_in": TOKEN_LIFETIME_SECONDS,
        "scope": request.scope,
    }
