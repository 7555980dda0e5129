# Port of Wakapi's ParseUserAgent (github.com/muety/wakapi utils/http.go), so editor and OS names match
# what Wakapi stores; the browser fallback is a reduced port of github.com/mileusna/useragent.

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class UserAgentInfo:
    editor: str | None
    operating_system: str | None
    plugin: str | None


_UNPARSED = UserAgentInfo(None, None, None)

_CLI_PREFIXES = ("wakatime/", "chrome/", "firefox/", "edge/")
# The CLI itself and the language-server shims between it and the editor are never the editor (wakapi#914).
_EDITOR_MIDDLEWARES = frozenset({"wakatime", "wakatime-ls", "wakatime-cli"})
_KNOWN_OS = frozenset({"linux", "windows", "macos", "darwin", "win", "mac", "wsl"})
_OS_ALIASES = {"win": "windows", "darwin": "macos"}
_EDITOR_ALIASES = {"KTextEditor": "kate", "claude-code": "Claude"}
# AI parser names and harness tokens of wakatime-cli (pkg/ai/ai.go), as Wakapi lists them: an AI harness is
# reported as the editor even when an IDE token is also present.
_AI_TOOLS = frozenset(
    {
        "claude", "claude-code", "chatgpt", "copilot", "github-copilot-cli", "codex", "codex-cli",
        "continue", "cody", "roo-code", "roocode", "opencode", "opencode-cli", "cursor", "cursor-agent",
        "cursor-agent-cli", "windsurf", "qoder", "kiro", "cline", "cline-cli", "qwen-code", "qwen-code-cli",
        "pi", "goose", "amp", "grok-build", "codebuff", "codebuff-cli", "codewhale", "codewhale-cli",
        "crush", "crush-cli", "devin", "droid", "droid-cli", "forge", "forge-cli", "hermes", "ibm-bob",
        "ibm-bob-cli", "kilo-code", "kilo-code-cli", "kimi-code", "kimi-code-cli", "lingtai-tui",
        "mistral-vibe", "mistral-vibe-cli", "mux", "omp", "omp-cli", "openclaw", "openclaw-cli",
        "open-design", "quickdesk", "warp", "zcode", "zed", "zerostack",
    }
)  # fmt: skip
# Longer agents are parsed by their first this many characters (the heartbeat field allows as many): bounds the work.
MAX_PARSED_LENGTH = 1024
_RUNTIME_RE = re.compile(r"(?:python|go)(?:\d|$)")
_PLUGIN_RE = re.compile(r"[^/\s]+-wakatime/\S*")

_BROWSER_OS = (
    ("Android", "Android"),
    ("iPhone", "iOS"),
    ("iPad", "iOS"),
    ("Windows NT", "Windows"),
    ("Windows Phone OS", "Windows Phone"),
    ("Macintosh", "macOS"),
    ("Linux", "Linux"),
    ("CrOS", "ChromeOS"),
)
# Checked in this order, and only when the token carries a version, as mileusna/useragent does.
_BROWSER_NAMES = (
    ("Opera Mini", "Opera Mini"),
    ("OPR", "Opera"),
    ("OPT", "Opera Touch"),
    ("OPiOS", "Opera"),
    ("CriOS", "Chrome"),
    ("FxiOS", "Firefox"),
    ("Firefox", "Firefox"),
    ("Vivaldi", "Vivaldi"),
    ("EdgiOS", "Edge"),
    ("Edge", "Edge"),
    ("Edg", "Edge"),
    ("EdgA", "Edge"),
    ("SamsungBrowser", "Samsung Browser"),
    ("HeadlessChrome", "Headless Chrome"),
)
_NOT_A_BROWSER_NAME = frozenset(
    {
        "Chrome", "Firefox", "Safari", "Version", "Mobile", "Mobile Safari", "Mozilla", "AppleWebKit",
        "Windows NT", "Windows Phone OS", "Android", "Macintosh", "Linux", "GSA", "CrOS",
    }
)  # fmt: skip
_IGNORED_TOKENS = frozenset(
    {"KHTML, like Gecko", "U", "compatible", "Mozilla", "WOW64", "en", "en-us", "en-gb", "ru-ru"}
)
_VERSIONED_OS_TOKENS = frozenset({"Linux", "Windows NT", "Windows Phone OS", "MSIE", "Android"})


def parse_user_agent(user_agent: str | None) -> UserAgentInfo:
    """Extract editor, operating system and plugin from a WakaTime plugin User-Agent as Wakapi does.

    Never raises: where Wakapi reports a parse error (empty input, a wakatime-cli agent without an OS,
    anything that is neither a plugin nor a browser agent) every field is None. `plugin` is the last
    `<name>-wakatime/<version>` token, or None when the agent has none.
    """
    ua = (user_agent or "")[:MAX_PARSED_LENGTH].strip()
    if not ua:
        return _UNPARSED
    parts = ua.split()
    plugin = next((p for p in reversed(parts) if _PLUGIN_RE.fullmatch(p)), None)
    if len(parts) >= 2 and parts[0].lower().startswith(_CLI_PREFIXES):
        return _parse_plugin_agent(ua, parts, plugin)
    return _parse_browser_agent(ua, plugin)


def _parse_plugin_agent(ua: str, parts: list[str], plugin: str | None) -> UserAgentInfo:
    names = [
        name
        for name in (p.split("/", 1)[0] for p in parts[1:] if "/" in p)
        if name.lower() not in _EDITOR_MIDDLEWARES and not _RUNTIME_RE.match(name.lower())
    ]
    editor = _extract_editor(names, _extract_ai_model(names))
    editor = _EDITOR_ALIASES.get(editor, editor)

    os_name = _extract_os(parts[1])
    if not os_name and parts[0].lower().startswith("wakatime/"):
        return _UNPARSED
    # WSL reports itself as Linux; only the kernel release tells them apart (wakapi#817).
    os_name = "WSL" if "-WSL2-" in ua else _OS_ALIASES.get(os_name, os_name).capitalize()
    return UserAgentInfo(editor or None, os_name or None, plugin)


def _extract_os(part: str) -> str:
    if part.startswith("("):
        return part[1:].split(")")[0].split("-")[0].split("_")[0]
    if "-" in part or "_" in part:
        candidate = part.split("-")[0].split("_")[0]
        if candidate.lower() in _KNOWN_OS:
            return candidate
    return ""


def _is_ai_harness(lower_name: str) -> bool:
    return (
        lower_name.endswith(("-cli", "-tui"))
        or lower_name.startswith(("antigravity-", "codex-"))
        or lower_name in _AI_TOOLS
    )


def _extract_ai_model(names: list[str]) -> str:
    # wakatime-cli prepends the model token (e.g. "opus/4.1") to the harness or editor token.
    candidates = [name for name in names if not name.lower().endswith("-wakatime")]
    if len(candidates) < 2 or _is_ai_harness(candidates[0].lower()):
        return ""
    return candidates[0]


def _extract_editor(names: list[str], ai_model: str) -> str:
    primary = harness = from_plugin = ""
    for name in names:
        lower = name.lower()
        if lower.endswith("-wakatime"):
            candidate = name.removesuffix("-wakatime")
            # "windows-wakatime" and the like name the OS-level plugin, not an editor.
            if candidate.lower() not in _KNOWN_OS:
                from_plugin = candidate
        elif ai_model and lower == ai_model.lower():
            continue
        elif _is_ai_harness(lower):
            harness = harness or name
        else:
            primary = primary or name
    return harness or primary or from_plugin


def _parse_browser_agent(ua: str, plugin: str | None) -> UserAgentInfo:
    tokens = _tokenize(ua)
    values: dict[str, str] = {}
    for key, value in tokens:
        values.setdefault(key, value)

    name = _browser_name(tokens, values) or ua
    os_name = next((os_name for key, os_name in _BROWSER_OS if key in values), "")
    if os_name:
        return UserAgentInfo(name, os_name.capitalize(), plugin)
    # Some editors send a browser-like agent with a non-standard Windows token (wakapi#765).
    if "windows" in ua.lower():
        return UserAgentInfo(name, "Windows", plugin)
    return _UNPARSED


def _browser_name(tokens: list[tuple[str, str]], values: dict[str, str]) -> str:
    for key, name in _BROWSER_NAMES:
        if values.get(key):
            return name
    if "MSIE" in values:
        return "Internet Explorer"
    # Chromium derivatives append their own versioned token after Chrome and Safari.
    if "Chrome" in values and "Safari" in values and (best := _best_match(tokens, versioned_only=True)):
        return best
    if "Chrome" in values:
        return "Chrome"
    if "Safari" in values:
        return "Safari"
    return _best_match(tokens, versioned_only=False)


def _best_match(tokens: list[tuple[str, str]], versioned_only: bool) -> str:
    candidates = [(key, value) for key, value in tokens if key not in _NOT_A_BROWSER_NAME and not key[:1].isdigit()]
    for key, value in candidates:
        if value:
            return key
    if not versioned_only and candidates:
        return candidates[0][0]
    return ""


def _tokenize(ua: str) -> list[tuple[str, str]]:
    tokens: list[tuple[str, str]] = []
    key: list[str] = []
    value: list[str] | None = None  # None until the "/" that starts a version
    in_parens = False
    for char in ua + ")":  # the sentinel flushes the last token
        if char in "()" or (in_parens and char == ";") or (value is not None and char == " "):
            _add_token(tokens, "".join(key), "".join(value or ()))
            key, value = [], None
            if char in "()":
                in_parens = char == "("
        elif value is not None:
            value.append(char)
        elif char == "/":
            value = []
        else:
            key.append(char)
    return tokens


def _add_token(tokens: list[tuple[str, str]], raw_key: str, value: str) -> None:
    key = raw_key.strip()
    if not raw_key or key in _IGNORED_TOKENS:
        return
    if not value:
        head, _, tail = key.rpartition(" ")
        if head in _VERSIONED_OS_TOKENS:
            key, value = head, tail
        elif head in ("CrOS x86_64", "CrOS aarch64"):
            key, value = "CrOS", head.split(" ")[1]
    tokens.append((key, value))
