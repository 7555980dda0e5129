"""Lambda: API keys, settings, project/language rules and account data (import, export, clear, delete)."""

from codetime.api.app import lambda_routers
from functions._common import api_handler

handler = api_handler(*lambda_routers()["keys"], title="CodeTime keys and account")
