"""Lambda: API key management, settings and project/language rules."""

from codetime.api.routes import account, keys
from functions._common import api_handler

handler = api_handler(keys.router, account.router, title="CodeTime keys and settings")
