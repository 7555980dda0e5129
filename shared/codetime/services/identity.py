"""People and dashboards sign in with OIDC JWTs (Cognito or any OIDC provider); first sign-in creates the user."""

from __future__ import annotations

import hashlib
import re
import uuid
from dataclasses import dataclass
from typing import Any

from codetime.cache import get_cache
from codetime.clients import jwks_client, oidc_jwks_url
from codetime.config import get_settings
from codetime.db import get_pool
from codetime.logs import logger
from codetime.repositories.users import User, UsernameTaken, UserRepository
from codetime.services import cache_keys
from codetime.services.auth import NotAuthenticated, Principal, cache_user, load_user

# Three base64url segments; API keys (a UUID, maybe `waka_`-prefixed) never contain a dot.
_JWT_SHAPE = re.compile(r"^ey[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$")
_USERNAME_CHARS = re.compile(r"[^A-Za-z0-9_.-]+")
_SUBJECT_CACHE_TTL = 300
_LEEWAY_SECONDS = 30


@dataclass(frozen=True, slots=True)
class Claims:
    """What CodeTime uses of a validated token."""

    subject: str
    email: str | None
    email_verified: bool
    name: str | None


def looks_like_jwt(credential: str | None) -> bool:
    return bool(credential) and _JWT_SHAPE.match(credential) is not None  # type: ignore[arg-type]


def verify_token(token: str) -> Claims:
    """Validate signature (RS256, the issuer's JWKS), issuer, audience and lifetime; NotAuthenticated otherwise."""
    import jwt  # only when a token arrives: PyJWT and cryptography cost a plugin-key Lambda's cold start

    settings = get_settings()
    if not settings.oidc_issuer or not settings.oidc_audience:
        raise NotAuthenticated("Sign-in with a token is not configured on this server.")
    try:
        url = settings.oidc_jwks_url or oidc_jwks_url(settings.oidc_issuer)
        signing_key = jwks_client(url).get_signing_key_from_jwt(token)
        claims: dict[str, Any] = jwt.decode(
            token, signing_key.key, algorithms=["RS256"], issuer=settings.oidc_issuer, leeway=_LEEWAY_SECONDS,
            options={"require": ["exp", "iat", "iss", "sub"], "verify_aud": False},
        )  # fmt: skip
    except jwt.ExpiredSignatureError as exc:
        raise NotAuthenticated("Token expired.") from exc
    except jwt.PyJWKClientConnectionError as exc:  # the issuer's JWKS is unreachable: not the caller's fault
        logger.error("JWKS unreachable", extra={"error": str(exc)[:200]})
        raise NotAuthenticated("Token could not be validated; try again later.") from exc
    except (jwt.PyJWKClientError, jwt.InvalidTokenError) as exc:
        # The reason is logged for operators; the token itself never is.
        logger.info("token rejected", extra={"reason": type(exc).__name__, "detail": str(exc)[:200]})
        raise NotAuthenticated("Invalid token.") from exc
    except (OSError, ValueError, KeyError) as exc:  # discovery document unreachable or malformed
        logger.error("OIDC discovery failed", extra={"error": type(exc).__name__})
        raise NotAuthenticated("Token could not be validated.") from exc
    if not _audience_ok(claims, settings.oidc_audience):
        raise NotAuthenticated("Invalid token.")
    email = claims.get("email")
    return Claims(
        subject=str(claims["sub"]),
        email=email.strip().lower() if isinstance(email, str) and email.strip() else None,
        email_verified=claims.get("email_verified") in (True, "true"),
        name=claims.get("name") if isinstance(claims.get("name"), str) else None,
    )


def _audience_ok(claims: dict[str, Any], audiences: tuple[str, ...]) -> bool:
    aud = claims.get("aud")
    if aud is not None:
        return bool(({aud} if isinstance(aud, str) else set(aud)) & set(audiences))
    # Cognito access tokens carry the app client in `client_id` instead of `aud`.
    return claims.get("client_id") in audiences


def authenticate_token(token: str) -> Principal:
    """The person a valid token names, created on first sign-in."""
    claims = verify_token(token)
    return Principal(user=sign_in(claims), claims=claims)


def forget_subject(subject: str) -> None:
    """Drop the cached subject -> user entry (the account was deleted)."""
    get_cache().delete(cache_keys.subject_entry(subject))


def sign_in(claims: Claims) -> User:
    """The user of this OIDC subject: found, linked by verified e-mail to a user made by the CLI, or created."""
    cache = get_cache()
    cached = cache.get(cache_keys.subject_entry(claims.subject))
    if cached is not None:
        user = load_user(uuid.UUID(cached.decode()))
        if user is not None:
            return user
    with get_pool().connection() as conn, conn.transaction():
        user = _find_or_create(UserRepository(conn), claims)
    cache.set(cache_keys.subject_entry(claims.subject), str(user.id).encode(), _SUBJECT_CACHE_TTL)
    cache_user(user)
    return user


def _find_or_create(repo: UserRepository, claims: Claims) -> User:
    user = repo.by_subject(claims.subject)
    if user is not None:
        return user
    email = claims.email if claims.email_verified else None  # an unverified address could claim someone's account
    if email:
        existing = repo.by_email(email)
        if existing:
            linked = repo.link_subject(existing.id, claims.subject)
            if linked is not None:
                return linked
            email = None  # that address belongs to another person's account already
    base = _USERNAME_CHARS.sub("-", (email or "").split("@")[0]).strip("-._")[:50]
    base = base or "user-" + hashlib.sha256(claims.subject.encode()).hexdigest()[:8]
    for attempt in range(20):
        username = base if attempt == 0 else f"{base}-{attempt + 1}"
        try:
            with repo.conn.transaction():  # a savepoint: a taken name does not abort the sign-in
                return repo.create(
                    username=username, email=email, timezone=None, display_name=claims.name,
                    oidc_subject=claims.subject,
                )  # fmt: skip
        except UsernameTaken:
            user = repo.by_subject(claims.subject)  # a concurrent first sign-in of the same person won
            if user is not None:
                return user
    raise NotAuthenticated("Could not create an account for this sign-in.")


def is_admin(principal: Principal) -> bool:
    """A person (JWT) whose subject or verified e-mail is listed in CODETIME_ADMINS."""
    claims = principal.claims
    if claims is None:
        return False
    admins = get_settings().admins
    return claims.subject.lower() in admins or bool(
        claims.email and claims.email_verified and claims.email.lower() in admins
    )
