"""Project and language rules (WakaTime's custom rules, Wakapi's aliases), applied when time is computed.

Raw heartbeats stay as sent. A rule maps exactly one value: `project` renames (or merges, when several map to one
name) a project; `extension` gives files ending in `.pattern` (case-insensitive) a language; `language` renames a
language, applied after `extension`, so the two chain. The writer's SQL (repositories/aggregates.py) applies the
same rules; `apply` is the Python twin used for durations.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from codetime.domain.errors import InvalidInput

KINDS = ("project", "language", "extension")
# The last dotted part of the file name (not of a directory); the SQL uses the same pattern.
EXTENSION_PATTERN = r"\.([^./\\]+)$"
_EXTENSION = re.compile(EXTENSION_PATTERN)
MAX_RULES = 500


class InvalidRule(InvalidInput):
    pass


def normalize(kind: str, pattern: str, replacement: str) -> tuple[str, str, str]:
    """Validated (kind, pattern, replacement); extensions are stored lower case without the dot."""
    if kind not in KINDS:
        raise InvalidRule(f"kind must be one of: {', '.join(KINDS)}.")
    pattern, replacement = pattern.strip(), replacement.strip()
    if kind == "extension":
        pattern = pattern.lstrip(".").lower()
        if not pattern or any(c in pattern for c in "./\\"):
            raise InvalidRule("An extension is what follows the last dot of a file name, e.g. 'h' or 'tpl'.")
    if not pattern or not replacement:
        raise InvalidRule("pattern and replacement must not be empty.")
    if len(pattern) > 255 or len(replacement) > 255:
        raise InvalidRule("pattern and replacement are at most 255 characters.")
    if kind != "extension" and pattern == replacement:
        raise InvalidRule("A rule must change something: pattern and replacement are equal.")
    return kind, pattern, replacement


def extension_of(entity: str | None) -> str | None:
    match = _EXTENSION.search(entity or "")
    return match.group(1).lower() if match else None


@dataclass(frozen=True, slots=True)
class RuleSet:
    projects: dict[str, str] = field(default_factory=dict)
    languages: dict[str, str] = field(default_factory=dict)
    extensions: dict[str, str] = field(default_factory=dict)

    @classmethod
    def of(cls, rules: Iterable[Any]) -> RuleSet:
        found: dict[str, dict[str, str]] = {kind: {} for kind in KINDS}
        for rule in rules:
            found[rule.kind][rule.pattern] = rule.replacement
        return cls(found["project"], found["language"], found["extension"])

    def __bool__(self) -> bool:
        return bool(self.projects or self.languages or self.extensions)

    def apply(self, heartbeat: dict[str, Any]) -> dict[str, Any]:
        """A copy of a raw heartbeat row with its project and language as the rules say."""
        if not self:
            return heartbeat
        hb = dict(heartbeat)
        if hb.get("project") is not None:
            hb["project"] = self.projects.get(hb["project"], hb["project"])
        language = self.extensions.get(extension_of(hb.get("entity")) or "", hb.get("language"))
        if language is not None:
            language = self.languages.get(language, language)
        hb["language"] = language
        return hb
