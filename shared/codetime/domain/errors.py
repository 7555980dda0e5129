"""The one exception family the API answers with 400: input a client can fix."""


class InvalidInput(ValueError):
    """Bad input from a client; the message is safe to show and never holds a secret."""


class InvalidFields(InvalidInput):
    """Bad input in named fields or parameters: {name: [message, ...]}, answered like a request validation error."""

    def __init__(self, errors: dict[str, list[str]]) -> None:
        super().__init__("Invalid request.")
        self.errors = errors
