"""Parsing a JSON request body: hostile nesting is a client error, not a RecursionError."""

from __future__ import annotations

import json
from typing import Any

from codetime.domain.errors import InvalidInput

# The deepest nesting a request body may have (arrays and objects); WakaTime's bodies nest three levels.
MAX_JSON_DEPTH = 64
TOO_DEEP = f"JSON nested deeper than {MAX_JSON_DEPTH} levels."


class TooDeeplyNested(InvalidInput):
    pass


def parse_json(raw: bytes | str) -> Any:
    """`json.loads(raw)`, refusing nesting deeper than MAX_JSON_DEPTH; ValueError (JSONDecodeError,
    UnicodeDecodeError) on what is not JSON at all."""
    try:
        value = json.loads(raw)
    except RecursionError as exc:
        raise TooDeeplyNested(TOO_DEEP) from exc
    if nesting_depth(value) > MAX_JSON_DEPTH:
        raise TooDeeplyNested(TOO_DEEP)
    return value


def nesting_depth(value: Any) -> int:
    """How deeply arrays and objects nest in a parsed JSON value (a scalar is 0); iterative, so never a
    RecursionError, and it stops descending once past MAX_JSON_DEPTH."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        node, depth = stack.pop()
        children = node.values() if isinstance(node, dict) else node if isinstance(node, list) else None
        if children is None:
            continue
        deepest = max(deepest, depth)
        if depth <= MAX_JSON_DEPTH:
            stack.extend((child, depth + 1) for child in children if isinstance(child, dict | list))
    return deepest
