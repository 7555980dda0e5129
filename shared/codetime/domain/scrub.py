"""Remove anything that looks like a credential from free text before it is logged."""

from __future__ import annotations

import re

_PATTERNS = (
    # WakaTime/CodeTime keys, with or without the prefix (a bare key is a UUID), and any other UUID.
    re.compile(r"waka_[0-9a-zA-Z-]+"),
    re.compile(r"\b[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\b"),
    # Authorization headers and key=value / key: value pairs whose name says secret.
    re.compile(r"(?i)\b(basic|bearer|token)\s+[A-Za-z0-9._~+/=-]{8,}"),
    re.compile(
        r"(?i)([\"']?\b[\w-]*(?:api[_-]?key|apikey|token|secret|password|passwd|pwd|auth|credential|session)[\w-]*"
        r"[\"']?\s*[:=]\s*)(\"[^\"]*\"|'[^']*'|[^\s,;&\"']+)"
    ),
    # Credentials in URLs (scheme://user:password@host).
    re.compile(r"(?<=://)[^/\s:@]+:[^/\s@]+(?=@)"),
    # AWS access key ids, JWTs, and long hex/base64 runs (hashes, tokens).
    re.compile(r"\b(?:AKIA|ASIA)[0-9A-Z]{16}\b"),
    re.compile(r"\beyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*"),
    re.compile(r"\b[A-Za-z0-9+/_-]{32,}={0,2}"),
)
REDACTED = "[REDACTED]"


def scrub(text: str) -> str:
    """`text` with every credential-looking part replaced by [REDACTED]."""
    for pattern in _PATTERNS:
        if pattern.groups == 2:
            text = pattern.sub(lambda m: m.group(1) + REDACTED, text)
        else:
            text = pattern.sub(REDACTED, text)
    return text
