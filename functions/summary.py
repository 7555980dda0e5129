"""Lambda: statusbar, summaries, durations, dashboard, stats, projects, user, goals, reports and metrics."""

from functions._common import api_handler

handler = api_handler("summary")
