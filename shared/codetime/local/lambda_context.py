"""A Lambda context for running handlers outside Lambda (local runtime, `codetime invoke`, tests)."""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass, field
from typing import Any

REGION = "us-east-1"
ACCOUNT = "000000000000"


@dataclass
class LocalLambdaContext:
    """The attributes of the Python runtime's context that Powertools (logger, metrics) and Mangum read."""

    function_name: str
    timeout_seconds: float = 30.0
    function_version: str = "$LATEST"
    memory_limit_in_mb: int = 512
    aws_request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    invoked_function_arn: str = ""
    log_group_name: str = ""
    log_stream_name: str = ""
    identity: Any = None
    client_context: Any = None
    _deadline: float = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self.invoked_function_arn = (
            self.invoked_function_arn or f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{self.function_name}"
        )
        self.log_group_name = self.log_group_name or f"/aws/lambda/{self.function_name}"
        self.log_stream_name = self.log_stream_name or f"{time.strftime('%Y/%m/%d')}/[$LATEST]local"
        self._deadline = time.monotonic() + self.timeout_seconds

    def get_remaining_time_in_millis(self) -> int:
        """Milliseconds left before this invocation's (simulated) timeout."""
        return max(0, int((self._deadline - time.monotonic()) * 1000))
