"""Lambda: SQS batch writer (ReportBatchItemFailures)."""

from typing import Any

from codetime.logs import logger, metrics, tracer
from codetime.services.writer import process_sqs_batch


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler(capture_response=False)
@metrics.log_metrics
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return dict(process_sqs_batch(event))
