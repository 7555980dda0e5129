"""How cached JSON results are answered: the gzipped bytes as they are when the client accepts gzip (every
WakaTime client does), decompressed otherwise; in Wakapi's words on Wakapi's paths."""

from __future__ import annotations

from fastapi import Request, Response

from codetime.api.wakapi import in_wakapi_words
from codetime.services.cache_keys import JsonPayload


def json_payload(payload: JsonPayload, request: Request) -> Response:
    """A JSON answer from a (cached, gzipped) payload."""
    payload = in_wakapi_words(payload, request)
    if "gzip" in request.headers.get("accept-encoding", ""):
        headers = {"Content-Encoding": "gzip", "Vary": "Accept-Encoding"}
        return Response(content=payload.gzipped, media_type="application/json", headers=headers)
    return Response(content=payload.json_bytes(), media_type="application/json", headers={"Vary": "Accept-Encoding"})
