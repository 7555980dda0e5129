"""FastAPI dependencies: who is calling."""

from __future__ import annotations

import base64
import binascii
from typing import Annotated

from fastapi import Depends, Path, Request
from starlette.concurrency import run_in_threadpool

from codetime.domain.errors import Forbidden
from codetime.repositories.users import User
from codetime.services.auth import Principal, authenticate_key
from codetime.services.identity import authenticate_token, is_admin, looks_like_jwt
from codetime.services.keys import use_confirmation_code

CONFIRMATION_HEADER = "X-CodeTime-Confirmation"


def extract_api_key(request: Request) -> str | None:
    """The key from `Authorization: Basic base64(key[:])`, `Basic <key>`, `Bearer <key>` or `?api_key=`."""
    header = request.headers.get("authorization", "").strip()
    scheme, _, value = header.partition(" ")
    value = value.strip()
    if scheme.lower() == "basic" and value:
        try:
            decoded = base64.b64decode(value, validate=True).decode()
        except (binascii.Error, UnicodeDecodeError):
            return value
        # "key", "key:" and "user:key" all occur; the key is whichever part looks like one.
        parts = [p for p in decoded.split(":") if p]
        return next((p for p in parts if "-" in p), parts[0] if parts else value)
    if scheme.lower() == "bearer" and value:
        return _base64_key(value) or value
    return request.query_params.get("api_key")


def _base64_key(value: str) -> str | None:
    # Wakapi's clients send `Bearer base64(key)`; a plain key is not valid base64 of a key-shaped string.
    try:
        decoded = base64.b64decode(value, validate=True).decode()
    except (binascii.Error, UnicodeDecodeError):
        return None
    return decoded if decoded.count("-") == 4 and decoded.isprintable() else None


async def get_principal(request: Request) -> Principal:
    # One header carries either: plugins send `Bearer <key>`, people and dashboards `Bearer <jwt>`.
    credential = extract_api_key(request)
    if looks_like_jwt(credential):
        return await run_in_threadpool(authenticate_token, credential)  # type: ignore[arg-type]
    return await run_in_threadpool(authenticate_key, credential)


CurrentPrincipal = Annotated[Principal, Depends(get_principal)]


async def get_full_access_principal(principal: CurrentPrincipal) -> Principal:
    """A person (token) or a full-access key: read-only keys may only read."""
    if principal.read_only:
        raise Forbidden("This API key is read-only.")
    return principal


FullAccessPrincipal = Annotated[Principal, Depends(get_full_access_principal)]


def _owned(principal: Principal, request: Request) -> User:
    # Routes spell the owner as /users/{user}/...: `current`, or the caller's own id or username.
    user = request.path_params.get("user", "current")
    if user not in ("current", str(principal.user.id), principal.user.username):
        raise Forbidden("You can only access your own data.")
    return principal.user


def _owner(
    user: Annotated[str, Path(description="`current`, or the caller's own id or username", max_length=255)],
) -> None:
    """Declares {user} for OpenAPI; get_current_user checks it."""


# Every /users/{user}/... route (or router) lists this so its schema declares the path parameter.
OWNER = [Depends(_owner)]


async def get_current_user(principal: CurrentPrincipal, request: Request) -> User:
    return _owned(principal, request)


CurrentUser = Annotated[User, Depends(get_current_user)]


async def get_full_access_user(principal: FullAccessPrincipal, request: Request) -> User:
    return _owned(principal, request)


FullAccessUser = Annotated[User, Depends(get_full_access_user)]
"""The caller's user, for changes: a signed-in person or a full-access key."""


async def get_confirmed_user(principal: FullAccessPrincipal, request: Request) -> User:
    """A signed-in person, or a full-access key sent with a one-time code from `codetime users confirm`."""
    user = _owned(principal, request)
    if principal.is_person:
        return user
    code = request.headers.get(CONFIRMATION_HEADER, "")
    # Checked after ownership and scope, so a request refused for those does not use up the code.
    if code and await run_in_threadpool(use_confirmation_code, user, code):
        return user
    raise Forbidden(
        "This action needs a signed-in person (Authorization: Bearer <token>), or an API key together with a "
        f"one-time code from `codetime users confirm` on the server in the {CONFIRMATION_HEADER} header."
    )


ConfirmedUser = Annotated[User, Depends(get_confirmed_user)]
"""The caller's user, for take-over actions (minting or rotating keys, report settings with their webhooks,
clearing data, deleting the account): a leaked plugin key alone must not be able to do them."""


async def get_admin_user(principal: CurrentPrincipal) -> User:
    if not is_admin(principal):
        raise Forbidden("Administrators only.")
    return principal.user


AdminUser = Annotated[User, Depends(get_admin_user)]
"""A signed-in person (token) whose subject or verified e-mail is listed in CODETIME_ADMINS."""


async def get_optional_principal(request: Request) -> Principal | None:
    """The caller when a credential is given (it must be valid: 401 otherwise), None for an anonymous reader."""
    if extract_api_key(request) is None:
        return None
    return await get_principal(request)


OptionalPrincipal = Annotated[Principal | None, Depends(get_optional_principal)]
"""Routes anyone may read (the public leaderboard, meta): a key or token only adds what is the caller's own."""
