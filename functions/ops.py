"""Lambda: liveness, operations health, dead-letter inspection and replay."""

from functions._common import api_handler

handler = api_handler("ops")
