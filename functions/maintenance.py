"""Lambda: daily maintenance (EventBridge scheduled event): retention, compression, aggregate audit, pending jobs."""

from dataclasses import asdict
from datetime import datetime
from typing import Any

from codetime.logs import logger, metrics, tracer
from codetime.services.leaderboards import refresh_all_due
from codetime.services.maintenance import run_maintenance


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler(capture_response=False)
@metrics.log_metrics
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    scheduled = event.get("time")
    now = datetime.fromisoformat(scheduled.replace("Z", "+00:00")) if scheduled else None
    if (event.get("detail") or {}).get("job") == "leaderboards":
        return {"leaderboard_users_refreshed": refresh_all_due(now)}
    result = asdict(run_maintenance(now))
    return {k: v.isoformat() if isinstance(v, datetime) else v for k, v in result.items()}
