"""Every way clients send the API key, including Wakapi's `Bearer base64(key)`."""

from __future__ import annotations

import base64

import pytest
from starlette.requests import Request

from codetime.api.deps import extract_api_key

KEY = "waka_aaaaaaaa-1111-4222-8333-444444444444"


def _request(authorization: str | None = None, query: str = "") -> Request:
    headers = [(b"authorization", authorization.encode())] if authorization else []
    return Request({"type": "http", "headers": headers, "query_string": query.encode()})


def _b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


@pytest.mark.parametrize(
    "authorization",
    [f"Basic {_b64(KEY)}", f"Basic {_b64(KEY + ':')}", f"Basic {KEY}", f"Bearer {KEY}", f"Bearer {_b64(KEY)}"],
)
def test_header_forms(authorization: str) -> None:
    assert extract_api_key(_request(authorization)) == KEY


def test_query_and_missing() -> None:
    assert extract_api_key(_request(query=f"api_key={KEY}")) == KEY
    assert extract_api_key(_request()) is None
    # A bearer token that merely happens to be valid base64 is passed through unchanged.
    assert extract_api_key(_request("Bearer abcd")) == "abcd"
