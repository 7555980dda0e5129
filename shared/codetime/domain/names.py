"""The dimensions time is split by, their names in WakaTime's answers, and how stored values are shown.

The one owner of these tables: '' (none) is stored for a missing value and shown as WakaTime's placeholder name;
a placeholder name given as a filter selects time without a value.
"""

from __future__ import annotations

DIMENSIONS = ("project", "language", "editor", "operating_system", "machine", "branch", "category")
# Dimension -> its list's key in WakaTime's answers (summaries, stats, the dashboard summary, goals' filters).
PLURAL = {
    "project": "projects", "language": "languages", "editor": "editors", "operating_system": "operating_systems",
    "machine": "machines", "branch": "branches", "category": "categories",
}  # fmt: skip
PLACEHOLDERS = {
    "project": "Unknown Project",
    "language": "Other",
    "editor": "Unknown",
    "operating_system": "Unknown",
    "machine": "Unknown",
    "branch": "Unknown",
    "category": "Coding",
}
_CATEGORY_WORDS = {"ai": "AI", "ui": "UI"}


def display_name(dimension: str, value: str | None) -> str:
    """A stored value as WakaTime shows it."""
    if not value:
        return PLACEHOLDERS.get(dimension, "Unknown")
    if dimension == "category":
        # Stored lowercase ("ai coding"); WakaTime shows "AI Coding", "Writing Tests".
        return " ".join(_CATEGORY_WORDS.get(word, word.capitalize()) for word in value.split())
    return value


def stored_value(dimension: str, value: str) -> str:
    """A value as a client names it (a filter, a goal's list) -> the stored column value.

    The dimension's own placeholder ("Unknown Project" for projects, "Other" for languages, ...) means none ('');
    a project really named "Other" stays a project. Categories are stored lowercase and always have a value."""
    if dimension == "category":
        return value.lower()
    return "" if value == PLACEHOLDERS.get(dimension) else value
