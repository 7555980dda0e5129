"""Lambda: API key management."""

from codetime.api.routes import keys
from functions._common import api_handler

handler = api_handler(keys.router, title="CodeTime keys")
