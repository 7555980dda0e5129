"""Lambda: statusbar, summaries, durations and dashboard reads."""

from codetime.api.routes import summaries
from functions._common import api_handler

handler = api_handler(summaries.router, title="CodeTime summaries")
