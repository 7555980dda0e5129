"""What every router shares: NUL-free text, the error shape and the errors every authenticated route can answer."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, Field

# No NUL character: PostgreSQL text cannot hold it. Every text field of a JSON request body (and every text query
# filter) uses this, so a NUL is a 400 naming the field, never a 500 from the database.
NO_NUL = r"^[^\x00]*$"
Text = Annotated[str, Field(pattern=NO_NUL)]


class ErrorResponse(BaseModel):
    error: str
    errors: dict[str, list[str]] | None = None


def error_response(description: str) -> dict[str, Any]:
    """An error's OpenAPI entry. Its content is spelled out (not `model`) so it stays JSON on routes whose success
    is text (FastAPI would give a `model` the route's media type)."""
    content = {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorResponse"}}}
    return {"description": description, "content": content}


# The errors every authenticated route can answer (for OpenAPI).
USER_ROUTE_ERRORS: dict[int | str, dict[str, Any]] = {
    400: error_response("Invalid parameter or body"),
    401: error_response("Missing or invalid API key or token"),
    403: error_response("Another user's data, or a change with a read-only key"),
}


def not_found(what: str) -> dict[int | str, dict[str, Any]]:
    return {404: error_response(f"No such {what}")}
