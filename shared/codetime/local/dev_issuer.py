"""The local runtime's OIDC issuer: a key pair in the data dir, its JWKS served by the local app, tokens signed by
`codetime token`, so tokens take the same validation path locally and in tests as in AWS."""

from __future__ import annotations

import base64
import contextlib
import hashlib
import json
import os
import time
import uuid
from pathlib import Path
from typing import Any

DEV_AUDIENCE = "codetime-dev"
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
        "jwks_uri": f"{issuer}/.well-known/jwks.json",
        "response_types_supported": ["id_token"],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": ["RS256"],
    }


def subject_for(email: str) -> str:
    """A stable subject per e-mail, so the same e-mail always signs in as the same person."""
    return "dev-" + str(uuid.uuid5(uuid.NAMESPACE_URL, "codetime-dev:" + email.strip().lower()))


def issue_token(
    data_dir: str | Path, *, email: str, issuer: str, audience: str = DEV_AUDIENCE, lifetime_seconds: int = 3600,
    subject: str | None = None, key: Any = None, now: float | None = None,
) -> str:  # fmt: skip
    """An RS256 ID token signed by the dev issuer (or by `key`, which tests use for an untrusted key pair)."""
    import jwt

    key = key or private_key(data_dir)
    issued = int(now if now is not None else time.time())
    claims = {
        "iss": issuer, "aud": audience, "sub": subject or subject_for(email), "email": email.strip().lower(),
        "email_verified": True, "iat": issued, "exp": issued + lifetime_seconds, "token_use": "id",
    }  # fmt: skip
    return jwt.encode(claims, key, algorithm="RS256", headers={"kid": key_id(key.public_key())})


def configure(data_dir: str | Path, issuer: str) -> None:
    """Make this process validate dev tokens (unless a real issuer is configured) and remember the issuer for
    `codetime token`."""
    if os.environ.get("CODETIME_OIDC_ISSUER"):
        return
    os.environ["CODETIME_OIDC_ISSUER"] = issuer
    os.environ["CODETIME_OIDC_AUDIENCE"] = DEV_AUDIENCE
    os.environ["CODETIME_OIDC_JWKS_URL"] = f"{issuer}/.well-known/jwks.json"
    path = Path(data_dir) / _CONFIG_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"issuer": issuer, "audience": DEV_AUDIENCE}))


def configured_issuer(data_dir: str | Path) -> str:
    """The issuer of the last `codetime dev` of this data dir."""
    path = Path(data_dir) / _CONFIG_FILE
    return json.loads(path.read_text())["issuer"] if path.exists() else DEFAULT_ISSUER
