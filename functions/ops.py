"""Lambda: liveness, operations health, dead-letter inspection and replay."""

from codetime.api.app import lambda_routers
from functions._common import api_handler

handler = api_handler(*lambda_routers()["ops"], title="CodeTime ops")
