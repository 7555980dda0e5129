"""Lambda: statusbar, summaries, durations, dashboard, stats, projects, user and goals."""

from codetime.api.routes import goals, metrics, reports, stats, summaries
from functions._common import api_handler

handler = api_handler(
    summaries.router, stats.router, goals.router, reports.router, metrics.router, title="CodeTime summaries"
)
