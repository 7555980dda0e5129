"""Lambda: API keys, settings, project/language rules and account data (import, export, clear, delete)."""

from functions._common import api_handler

handler = api_handler("keys")
