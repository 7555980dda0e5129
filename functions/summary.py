"""Lambda: statusbar, summaries, durations and dashboard reads."""

from codetime.api.routes import metrics, reports, summaries
from functions._common import api_handler

handler = api_handler(summaries.router, reports.router, metrics.router, title="CodeTime summaries")
