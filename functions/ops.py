"""Lambda: liveness, operations health, dead-letter inspection and replay."""

from codetime.api.routes import ops
from functions._common import api_handler

handler = api_handler(ops.router, title="CodeTime ops")
