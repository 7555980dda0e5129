"""Lambda: statusbar, summaries, durations and dashboard reads."""

from codetime.api.routes import reports, summaries
from functions._common import api_handler

handler = api_handler(summaries.router, reports.router, title="CodeTime summaries")
