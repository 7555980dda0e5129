"""How stored values are shown: '' (none) becomes WakaTime's placeholder names."""

from __future__ import annotations

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
    if not value:
        return PLACEHOLDERS.get(dimension, "Unknown")
    if dimension == "category":
        # Stored lowercase ("ai coding"); WakaTime shows "AI Coding", "Writing Tests".
        return " ".join(_CATEGORY_WORDS.get(word, word.capitalize()) for word in value.split())
    return value
