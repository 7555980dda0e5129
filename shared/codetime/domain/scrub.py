"""Remove anything that looks like a credential from free text before it is logged.

Every pattern runs in time linear in the text (plugin error reports are hostile input): a run of name or token
characters is only ever matched from its first character (a lookbehind, not `\\b`, which also holds inside runs
such as `-a-a-a`), and quantifiers that a failed match could hand back are possessive or atomic.
"""

from __future__ import annotations

import re

_NAME = r"[\w-]"
_TOKEN = r"[A-Za-z0-9_-]"
_PATTERNS = (
    # WakaTime/CodeTime keys, with or without the prefix (a bare key is a UUID), and any other UUID.
    re.compile(r"waka_[0-9a-zA-Z-]++"),
    re.compile(r"\b[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\b"),
    # Authorization headers and key=value / key: value pairs whose name says secret.
    re.compile(r"(?i)\b(?:basic|bearer|token)\s++[A-Za-z0-9._~+/=-]{8,}+"),
    re.compile(
        # The whole name run, once it holds a secret-sounding word (the atomic group stops at the first such word:
        # trying later ones could not change the outcome, only cost time).
        rf"(?i)([\"']?(?<!{_NAME})(?>{_NAME}*?(?:api[_-]?key|apikey|token|secret|password|passwd|pwd|auth"
        rf"|credential|session)){_NAME}*+[\"']?\s*+[:=]\s*+)(\"[^\"]*+\"|'[^']*+'|[^\s,;&\"']++)"
    ),
    # Credentials in URLs (scheme://user:password@host).
    re.compile(r"(?<=://)[^/\s:@]++:[^/\s@]++(?=@)"),
    # AWS access key ids, JWTs, and long hex/base64 runs (hashes, tokens).
    re.compile(r"\b(?:AKIA|ASIA)[0-9A-Z]{16}\b"),
    re.compile(rf"(?<!{_TOKEN})eyJ{_TOKEN}++\.{_TOKEN}++\.{_TOKEN}*+"),
    re.compile(r"(?<![A-Za-z0-9+/_-])[A-Za-z0-9+/_-]{32,}+={0,2}"),
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
