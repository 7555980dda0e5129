"""Lambda: statusbar, summaries, durations, dashboard, stats, projects, user and goals."""

from codetime.api.routes import goals, stats, summaries
from functions._common import api_handler

handler = api_handler(summaries.router, stats.router, goals.router, title="CodeTime summaries")
