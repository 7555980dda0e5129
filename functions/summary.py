"""Lambda: statusbar, summaries, durations, dashboard, stats, projects, user, goals, reports and metrics."""

from codetime.api.app import lambda_routers
from functions._common import api_handler

handler = api_handler(*lambda_routers()["summary"], title="CodeTime summaries")
