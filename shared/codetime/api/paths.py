"""Paths whose limits or answers other modules need to know, without importing their routers (a Lambda imports only
its own routers; api/limits.py runs in every one)."""

from __future__ import annotations

# WakaTime's heartbeat paths: 202 {"responses": [[body, status], ...]} (routes/ingestion.py).
HEARTBEAT_BULK_PATHS = (
    "/api/v1/users/{user}/heartbeats.bulk",
    "/api/v1/heartbeats",
    # The legacy Python CLI posts to its api_url verbatim, so the printed `api_url = .../api/v1` lands here.
    "/api/v1",
)
HEARTBEAT_FLEXIBLE_PATHS = ("/api/v1/users/{user}/heartbeats",)
# Wakapi's paths answer as Wakapi does (routes/api/heartbeat.go): 201 {"responses": [...]} for one object or an
# array, items [{"data": null, "error": null}, 201] or [{"data": null, "error": "..."}, 400]. Wakapi's clients
# (wakapi-anyide) take nothing but 201 as success.
WAKAPI_HEARTBEAT_PATHS = (
    "/api/heartbeat",
    "/api/heartbeats",
    "/api/users/{user}/heartbeats",
    "/api/users/{user}/heartbeats.bulk",
    "/api/compat/wakatime/v1/users/{user}/heartbeats",
    "/api/compat/wakatime/v1/users/{user}/heartbeats.bulk",
)
HEARTBEAT_PATHS = (*HEARTBEAT_BULK_PATHS, *HEARTBEAT_FLEXIBLE_PATHS, *WAKAPI_HEARTBEAT_PATHS)
IMPORT_PATH = "/api/v1/users/{user}/imports"
PLUGIN_ERRORS_PATH = "/api/v1/plugins/errors"
