"""The one exception family the API answers with 400: input a client can fix."""


class InvalidInput(ValueError):
    """Bad input from a client; the message is safe to show and never holds a secret."""
