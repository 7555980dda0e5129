"""API keys: the shape wakatime-cli accepts, and the keyed hash that is all the server stores."""

from __future__ import annotations

import hashlib
import hmac
import re
import uuid

# wakatime-cli refuses anything else; the legacy CLI refuses the prefix, so both spellings must match.
KEY_PATTERN = re.compile(r"^(waka_)?([a-f0-9]{8}-[a-f0-9]{4}-4[a-f0-9]{3}-[89ab][a-f0-9]{3}-[a-f0-9]{12})$")


class InvalidKeyFormat(ValueError):
    pass


def generate_key() -> str:
    """A new key: `waka_` + a lowercase UUIDv4."""
    return f"waka_{uuid.uuid4()}"


def canonical_key(key: str) -> str:
    """The bare lowercase UUID of a key in either accepted spelling; raises InvalidKeyFormat otherwise."""
    match = KEY_PATTERN.match(key.strip().lower())
    if not match:
        raise InvalidKeyFormat("API key must be a lowercase UUIDv4, optionally prefixed with waka_")
    return match.group(2)


def hash_key(key: str, pepper: bytes) -> bytes:
    """HMAC-SHA256 of the canonical key; the same for `waka_<uuid>` and `<uuid>`."""
    return hmac.new(pepper, canonical_key(key).encode(), hashlib.sha256).digest()


def key_hint(key: str) -> str:
    """What a key list may show: the prefix and last four characters."""
    bare = canonical_key(key)
    return f"waka_{bare[:4]}…{bare[-4:]}"
