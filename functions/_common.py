"""Shared wiring for the API Lambdas: Mangum around the Lambda's own app, with Powertools."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from aws_lambda_powertools.logging import correlation_paths
from mangum import Mangum

from codetime.api.app import create_lambda_app
from codetime.logs import logger, metrics, tracer
from functions._snapstart import register_snapstart_hooks

# SnapStart (CDK option snapStart): no connection in the snapshot, fresh clients and entropy after each restore.
register_snapstart_hooks()


def api_handler(function: str) -> Callable[[dict[str, Any], Any], dict[str, Any]]:
    """A Lambda handler serving the routers of `function` (codetime.api.app.LAMBDA_ROUTERS) for API Gateway HTTP
    API (payload v2) events."""
    asgi = Mangum(create_lambda_app(function), lifespan="off", api_gateway_base_path="/")

    @logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP, clear_state=True)
    @tracer.capture_lambda_handler(capture_response=False)
    @metrics.log_metrics
    def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
        return asgi(event, context)

    return handler
