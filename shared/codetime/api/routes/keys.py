"""API key management. Listing and revoking: a signed-in person (OIDC token) or a full-access key of the same user;
minting and rotating are take-over actions: a person, or a key with a one-time confirmation code."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Response

from codetime.api.deps import ConfirmedUser, FullAccessUser
from codetime.api.rate_limits import RATE_LIMITED, ReadLimit
from codetime.api.schemas.common import ErrorResponse
from codetime.api.schemas.keys import IssuedKeyOut, IssuedKeyResponse, KeyCreate, KeyList, KeyOut
from codetime.services import keys as service

router = APIRouter(tags=["keys"], dependencies=[ReadLimit], responses={**RATE_LIMITED,
    401: {"model": ErrorResponse, "description": "Missing or invalid API key or token"},
    403: {"model": ErrorResponse, "description": "Read-only key, or a key without a confirmation code"},
    409: {"model": ErrorResponse, "description": "CODETIME_MAX_KEYS_PER_USER active keys already"},
    404: {"model": ErrorResponse, "description": "No such key"},
})  # fmt: skip


def _issued(issued: service.IssuedKey) -> IssuedKeyResponse:
    return IssuedKeyResponse(
        data=IssuedKeyOut(**KeyOut.model_validate(issued.key, from_attributes=True).model_dump(), key=issued.plaintext)
    )


@router.post("/api/v1/auth/key", status_code=201, response_model=IssuedKeyResponse, summary="Create a key")
def create_key(user: ConfirmedUser, body: KeyCreate | None = None) -> IssuedKeyResponse:
    return _issued(service.create_key(user, body.label if body else None, body.read_only if body else False))


@router.get("/api/v1/auth/keys", response_model=KeyList, summary="List keys (never the keys themselves)")
def list_keys(user: FullAccessUser) -> KeyList:
    return KeyList(data=[KeyOut.model_validate(k, from_attributes=True) for k in service.list_keys(user)])


@router.delete("/api/v1/auth/keys/{key_id}", status_code=204, summary="Revoke a key")
def revoke_key(user: FullAccessUser, key_id: uuid.UUID) -> Response:
    service.revoke_key(user, key_id)
    return Response(status_code=204)


@router.post(
    "/api/v1/auth/keys/{key_id}/rotate",
    status_code=201,
    response_model=IssuedKeyResponse,
    summary="Replace a key with a new one (same label)",
)
def rotate_key(user: ConfirmedUser, key_id: uuid.UUID) -> IssuedKeyResponse:
    return _issued(service.rotate_key(user, key_id))
