"""Lambda: API keys, settings, project/language rules and account data (import, export, clear, delete)."""

from codetime.api.routes import accounts, keys, settings
from functions._common import api_handler

handler = api_handler(keys.router, settings.router, accounts.router, title="CodeTime keys and account")
