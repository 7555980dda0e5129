"""Rate-limit dependencies: put `IngestLimit` / `ReadLimit` in a router's `dependencies`."""

from __future__ import annotations

from typing import Any

from fastapi import Depends
from starlette.concurrency import run_in_threadpool

from codetime.api.deps import CurrentPrincipal
from codetime.api.schemas.common import error_response
from codetime.services.rate_limit import check


async def limit_ingestion(principal: CurrentPrincipal) -> None:
    await run_in_threadpool(check, "ingest", principal.user.id, principal.key_id)


async def limit_reads(principal: CurrentPrincipal) -> None:
    await run_in_threadpool(check, "read", principal.user.id, principal.key_id)


IngestLimit = Depends(limit_ingestion)
ReadLimit = Depends(limit_reads)
RATE_LIMITED: dict[int | str, dict[str, Any]] = {
    429: {
        **error_response("Rate limit exceeded; retry after the Retry-After header's seconds"),
        "headers": {"Retry-After": {"schema": {"type": "integer"}, "description": "Seconds to wait"}},
    }
}
