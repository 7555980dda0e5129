"""Stats over a range and per-day summaries: the caller's own, or another user's as they share it publicly (no key
needed).

WakaTime and Wakapi both serve `/users/{user}/stats/{range}` to anyone for a user who shares their stats; the owner
(with a key or token) sees everything, anyone else what the user's share settings allow, or 403. Summaries follow
the same rule (the range within what is shared, lists not shared empty).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request, Response
from starlette.concurrency import run_in_threadpool

from codetime.api.deps import extract_api_key, get_principal
from codetime.api.rate_limits import RATE_LIMITED
from codetime.api.responses import json_payload
from codetime.api.routes.stats import ERRORS, Filters, RangeName
from codetime.api.routes.summaries import PREFIXES, NamePattern, timezone_param
from codetime.api.schemas import public_stats as schemas
from codetime.api.schemas import summaries as summary_schemas
from codetime.api.schemas.common import error_response
from codetime.domain.errors import InvalidInput
from codetime.domain.ranges import parse_date, resolve_range
from codetime.repositories.users import User
from codetime.services import stats as service
from codetime.services import summaries as summaries_service
from codetime.services.rate_limit import check, check_public
from codetime.services.sharing import find_shared_user

router = APIRouter(tags=["stats"], responses=RATE_LIMITED)


@dataclass(frozen=True, slots=True)
class StatsReader:
    user: User  # whose stats are read
    public: bool  # read by someone else: only what the user shares


async def stats_reader(
    request: Request,
    user: Annotated[str, Path(description="`current`, the caller's own id or username, or another user's "
                                          "username or id (what they share publicly)", max_length=255)],
) -> StatsReader:  # fmt: skip
    """The owner (any valid key or token, rate limited as every read), or a public reader (no key, or another
    user's key: rate limited per user read and per client address)."""
    principal = None
    if extract_api_key(request) is not None or user == "current":
        # A credential that is given must be valid (401 tells a plugin its key is wrong); `current` needs one.
        principal = await get_principal(request)
    if principal is not None and user in ("current", str(principal.user.id), principal.user.username):
        await run_in_threadpool(check, "read", principal.user.id, principal.key_id)
        return StatsReader(principal.user, public=False)
    owner = await run_in_threadpool(find_shared_user, user)
    client = request.client.host if request.client else "unknown"
    await run_in_threadpool(check_public, owner.id, client)
    return StatsReader(owner, public=True)


Reader = Annotated[StatsReader, Depends(stats_reader)]
_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {"model": schemas.StatsResponse, "description": "OK"},
    **ERRORS,
    403: error_response("Another user's stats that they do not share publicly (or no such user), or not that range"),
}


def _stats(reader: StatsReader, range_name: str, filters: dict[str, str | None]) -> service.JsonPayload:
    if reader.public:
        return service.shared_stats(reader.user, range_name, filters)
    return service.stats(reader.user, range_name, filters)


for _prefix in PREFIXES:
    _id = "compat_" if "compat" in _prefix else ""

    @router.get(f"{_prefix}/stats", operation_id=f"{_id}stats", summary="Stats of the last 7 days",
                responses=_RESPONSES)  # fmt: skip
    def stats_default(reader: Reader, request: Request, filters: Filters) -> Response:
        return json_payload(_stats(reader, "last_7_days", filters), request)

    @router.get(f"{_prefix}/stats/{{range}}", operation_id=f"{_id}stats_range", summary="Stats over a named range",
                responses=_RESPONSES)  # fmt: skip
    def stats_range(reader: Reader, request: Request, range: RangeName, filters: Filters) -> Response:
        return json_payload(_stats(reader, range, filters), request)


_SUMMARIES_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {"model": summary_schemas.SummariesResponse, "description": "OK"},
    **ERRORS,
    403: error_response("Another user's summaries that they do not share publicly (or no such user), a longer "
                        "range than they share, or a filter on what is not shared"),
}  # fmt: skip


for _prefix in PREFIXES:
    _id = "compat_" if "compat" in _prefix else ""

    @router.get(f"{_prefix}/summaries", operation_id=f"{_id}summaries", summary="Per-day summaries",
                responses=_SUMMARIES_RESPONSES)  # fmt: skip
    def summaries(
        reader: Reader,
        request: Request,
        start: Annotated[str | None, Query(description="First day, YYYY-MM-DD (inclusive)")] = None,
        end: Annotated[str | None, Query(description="Last day, YYYY-MM-DD (inclusive)")] = None,
        range: Annotated[str | None, Query(description="Today, Yesterday, Last 7 Days, last_30_days, ...")] = None,
        project: Annotated[str | None, Query(max_length=255, pattern=NamePattern)] = None,
        branches: Annotated[str | None, Query(description="Comma-separated branch names")] = None,
        timezone: Annotated[str | None, Query(description="IANA timezone; default the user's")] = None,
    ) -> Response:
        user = reader.user
        tz = timezone_param(timezone) or user.effective_timezone
        if range:
            first, last = resolve_range(range, tz, week_start=user.iso_week_start)
        elif start and end:
            first, last = parse_date(start, tz, "start"), parse_date(end, tz, "end")
        else:
            raise InvalidInput("Give start and end (YYYY-MM-DD), or range.")
        branch_list = [b.strip() for b in branches.split(",") if b.strip()] if branches else None
        read = summaries_service.shared_summaries if reader.public else summaries_service.summaries
        return json_payload(read(user, first, last, tz=tz, project=project, branches=branch_list), request)
