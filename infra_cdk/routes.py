"""The HTTP API's routes, read from the package's own FastAPI routers so the deployment cannot drift from them."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class RouteGroup:
    """The routes one Lambda serves (`functions/<module>.py` mounts the same router)."""

    module: str
    routes: tuple[tuple[str, str], ...]  # (METHOD, path), path in API Gateway's {param} syntax (FastAPI's too)
    # Behind the gateway's JWT authorizer: only for routes that accept a person's token and nothing else. Routes that
    # also take API keys (plugins, scripts) authenticate in the function, which validates tokens itself.
    needs_person: bool


def route_groups() -> tuple[RouteGroup, ...]:
    """Ingestion (every WakaTime/Wakapi alias), reads, and key management: one group per Lambda."""
    # Imported here: the package pulls in FastAPI and its services, needed only when the API is built.
    from fastapi.routing import APIRoute

    from codetime.api.app import lambda_routers

    def pairs(*routers: object) -> tuple[tuple[str, str], ...]:
        found = {
            (method, route.path)
            for router in routers
            for route in getattr(router, "routes", [])
            if isinstance(route, APIRoute)
            for method in route.methods
        }
        return tuple(sorted(found, key=lambda pair: (pair[1], pair[0])))

    routers = lambda_routers()
    return (
        RouteGroup("ingestion", pairs(*routers["ingestion"]), needs_person=False),
        RouteGroup("summary", pairs(*routers["summary"]), needs_person=False),
        # A full-access key may manage keys and the account too (scripts), so the function is the only gate.
        RouteGroup("keys", pairs(*routers["keys"]), needs_person=False),
        # /health (no authentication) and the administrators' ops routes (a signed-in admin).
        RouteGroup("ops", pairs(*routers["ops"]), needs_person=False),
    )
