"""Lambda: API key management and account data (import, export, clear, delete)."""

from codetime.api.routes import accounts, keys
from functions._common import api_handler

handler = api_handler(keys.router, accounts.router, title="CodeTime keys")
