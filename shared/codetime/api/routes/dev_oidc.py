"""The dev issuer's discovery document and JWKS (local app only, never deployed)."""

from __future__ import annotations

from fastapi import APIRouter, Request

from codetime.config import get_settings
from codetime.local import dev_issuer

router = APIRouter(tags=["dev sign-in"], include_in_schema=False)


@router.get("/.well-known/openid-configuration")
def openid_configuration(request: Request) -> dict:
    return dev_issuer.discovery(str(request.base_url).rstrip("/"))


@router.get("/.well-known/jwks.json")
def jwks() -> dict:
    return dev_issuer.jwks(get_settings().data_dir)
