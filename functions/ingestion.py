"""Lambda: heartbeat ingestion (validate, authenticate, queue to SQS)."""

from codetime.api.routes import diagnostics, ingestion
from functions._common import api_handler

handler = api_handler(ingestion.router, diagnostics.router, title="CodeTime ingestion")
