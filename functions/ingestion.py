"""Lambda: heartbeat ingestion (validate, authenticate, queue to SQS)."""

from functions._common import api_handler

handler = api_handler("ingestion")
