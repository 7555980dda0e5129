"""The package's Powertools logger, metrics and tracer (configured by env: POWERTOOLS_SERVICE_NAME, ...)."""

from aws_lambda_powertools import Logger, Metrics, Tracer

logger = Logger(service="codetime")
metrics = Metrics(namespace="CodeTime", service="codetime")
tracer = Tracer(service="codetime", disabled=None)
