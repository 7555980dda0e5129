"""The package's Powertools logger, metrics and tracer (configured by env: POWERTOOLS_SERVICE_NAME, ...)."""

import warnings

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.metrics import MetricResolution, MetricUnit
from aws_lambda_powertools.metrics.functions import is_metrics_disabled


class _Metrics(Metrics):
    def add_metric(
        self, name: str, unit: MetricUnit | str, value: float, resolution: MetricResolution | int = 60
    ) -> None:
        # With POWERTOOLS_METRICS_DISABLED, Powertools never flushes, yet still prints the buffer once a metric
        # holds 100 values: `codetime dev` would print EMF JSON every hundredth request.
        if not is_metrics_disabled():
            super().add_metric(name, unit, value, resolution)


# Reads publish no metrics, and neither does anything with metrics disabled: not worth a warning per request.
warnings.filterwarnings("ignore", message="No application metrics to publish", category=UserWarning)

logger = Logger(service="codetime")
metrics = _Metrics(namespace="CodeTime", service="codetime")
tracer = Tracer(service="codetime", disabled=None)
