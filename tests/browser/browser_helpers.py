"""Steps the browser tests share: signing in, and axe-core's scan."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

AXE = Path(__file__).resolve().parents[2] / "web" / "node_modules" / "axe-core" / "axe.min.js"


def sign_in_with_key(page: Any, key: str, base: str | None = None) -> None:
    """The sign-in form as a person fills it; waits for the overview."""
    if base is not None:
        page.goto(base + "/signin")
    page.get_by_label("API key").fill(key)
    page.get_by_role("button", name="Sign in with the key").click()
    page.get_by_role("heading", name="Overview").wait_for()


def sign_in_with_token(page: Any, base: str, token: str) -> None:
    """A person's token in the tab's session storage, as the sign-in callback leaves it; opens the overview."""
    page.goto(base + "/signin")
    page.evaluate(
        "t => sessionStorage.setItem('codetime.credential', JSON.stringify({kind: 'token', value: t, "
        "expires: JSON.parse(atob(t.split('.')[1].replace(/-/g, '+').replace(/_/g, '/'))).exp}))",
        token,
    )
    page.goto(base + "/")
    page.get_by_role("heading", name="Overview").wait_for()


def axe_violations(page: Any) -> list[dict[str, Any]]:
    """axe-core's serious and critical violations on the page as shown (WCAG 2.x A and AA rules)."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        # Evaluated through the DevTools protocol, which the page's CSP (no inline scripts) does not govern.
        page.evaluate(f"() => {{ {AXE.read_text()}\n}}")
    result = page.evaluate(
        "async () => JSON.stringify(await axe.run(document, {runOnly: {type: 'tag', values: "
        "['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice']}}))"
    )
    violations = json.loads(result)["violations"]
    return [
        {"id": v["id"], "impact": v["impact"], "help": v["help"], "nodes": [n["target"] for n in v["nodes"][:5]]}
        for v in violations
        if v["impact"] in ("serious", "critical")
    ]
