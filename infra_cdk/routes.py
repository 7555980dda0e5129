"""The HTTP API's routes, read from the package's own FastAPI routers so the deployment cannot drift from them."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class RouteGroup:
    """The routes one Lambda serves (`functions/<module>.py` mounts the same router)."""

    module: str
    routes: tuple[tuple[str, str], ...]  # (METHOD, path), path in API Gateway's {param} syntax (FastAPI's too)
    needs_person: bool  # behind the JWT authorizer; plugin routes authenticate by API key in the function


def route_groups() -> tuple[RouteGroup, ...]:
    """Ingestion (every WakaTime/Wakapi alias), reads, and key management: one group per Lambda."""
    # Imported here: the package pulls in FastAPI and its services, needed only when the API is built.
    from fastapi.routing import APIRoute

    from codetime.api.routes import diagnostics, goals, ingestion, keys, stats, summaries

    def pairs(router: object) -> tuple[tuple[str, str], ...]:
        found = {
            (method, route.path)
            for route in getattr(router, "routes", [])
            if isinstance(route, APIRoute)
            for method in route.methods
        }
        return tuple(sorted(found, key=lambda pair: (pair[1], pair[0])))

    return (
        RouteGroup("ingestion", pairs(ingestion.router) + pairs(diagnostics.router), needs_person=False),
        RouteGroup("summary", pairs(summaries.router) + pairs(stats.router) + pairs(goals.router), needs_person=False),
        RouteGroup("keys", pairs(keys.router), needs_person=True),
    )
