"""The errors use cases raise, by what the caller can do about them. `api/app.py` maps each family to one HTTP
status, in one place; services and repositories never name a status. Messages are safe to show a client and never
hold a secret."""

import math


class DomainError(Exception):
    """Base of every error a client is answered with."""


class InvalidInput(DomainError, ValueError):
    """Bad input from a client (400)."""


class InvalidFields(InvalidInput):
    """Bad input in named fields or parameters: {name: [message, ...]}, answered like a request validation error."""

    def __init__(self, errors: dict[str, list[str]]) -> None:
        super().__init__("Invalid request.")
        self.errors = errors


class NotAuthenticated(DomainError):
    """No valid credential (401)."""


class Forbidden(DomainError):
    """A valid credential that may not do this (403)."""


class NotFound(DomainError):
    """The thing asked for does not exist for this caller (404)."""


class Conflict(DomainError):
    """The request cannot be carried out in the current state (409)."""


class TooLarge(InvalidInput):
    """Over a size or count limit (413)."""


class Unavailable(DomainError):
    """A dependency is briefly unavailable; retry later (503)."""

    retry_after = 30


class RateLimited(DomainError):
    """Too many requests; retry after `retry_after` whole seconds (429)."""

    def __init__(self, retry_after: float) -> None:
        self.retry_after = max(1, math.ceil(retry_after))
        super().__init__(f"Rate limit exceeded; retry in {self.retry_after} s.")
