"""Lambda: apply pending database migrations (invoked by the deploy's CDK trigger, or by hand)."""

import os
from typing import Any

import psycopg

from codetime.clients import database_url
from codetime.db.migrate import migrate
from codetime.logs import logger, tracer

# CODETIME_TIMESCALE, as `codetime migrate` reads it: auto detects the extension, on requires it, off skips it.
_TIMESCALE = {"auto": None, "on": True, "required": True, "off": False}


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler(capture_response=False)
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    timescale = _TIMESCALE.get(os.environ.get("CODETIME_TIMESCALE", "auto").lower())
    # A raised error fails the invocation, which fails (and rolls back) the deploy that triggered it.
    with psycopg.connect(database_url(), connect_timeout=15) as conn:
        applied = migrate(conn, timescale=timescale)
    logger.info("database is up to date", extra={"applied": applied})
    return {"applied": applied}
