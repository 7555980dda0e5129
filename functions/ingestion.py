"""Lambda: heartbeat ingestion (validate, authenticate, queue to SQS)."""

from codetime.api.app import lambda_routers
from functions._common import api_handler

handler = api_handler(*lambda_routers()["ingestion"], title="CodeTime ingestion")
