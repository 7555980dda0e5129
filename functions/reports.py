"""Lambda: the hourly report tick (EventBridge scheduled event): create due reports, deliver them once each."""

from datetime import datetime
from typing import Any

from codetime.logs import logger, metrics, tracer
from codetime.services.reports import run_tick


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler(capture_response=False)
@metrics.log_metrics
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    # The event's own time, not the clock: a retried or late invocation computes the same due periods.
    scheduled = event.get("time")
    now = datetime.fromisoformat(scheduled.replace("Z", "+00:00")) if scheduled else None
    result = run_tick(now)
    return {"created": result.created, "delivered": result.delivered, "retrying": result.retrying,
            "failed": result.failed}  # fmt: skip
