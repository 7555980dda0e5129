import json
from pathlib import Path

import pytest

from codetime.domain.user_agents import UserAgentInfo, parse_user_agent

_CASES = json.loads((Path(__file__).parent.parent / "fixtures" / "wakapi" / "user_agent_cases.json").read_text())[
    "cases"
]


def test_fixture_has_every_wakapi_case():
    assert len(_CASES) == 42


@pytest.mark.parametrize("case", _CASES, ids=[c["user_agent"] or "<empty>" for c in _CASES])
def test_matches_wakapi(case):
    info = parse_user_agent(case["user_agent"])
    # Wakapi's "" (and its error cases, whose fields are all "") is None here.
    assert info.editor == (case["editor"] or None)
    assert info.operating_system == (case["os"] or None)


@pytest.mark.parametrize("user_agent", [None, "", "   "])
def test_missing_user_agent(user_agent):
    assert parse_user_agent(user_agent) == UserAgentInfo(None, None, None)


@pytest.mark.parametrize("user_agent", ["garbage", "a b c", "(((;;;///)))", "wakatime/", "\x00\u2028/ ü"])
def test_garbage_never_raises(user_agent):
    assert parse_user_agent(user_agent) == UserAgentInfo(None, None, None)


def test_go_cli():
    ua = "wakatime/v1.73.0 (linux-5.15.0-1051-azure-x86_64) go1.21.5 vscode/1.85.1 vscode-wakatime/24.4.0"
    assert parse_user_agent(ua) == UserAgentInfo("vscode", "Linux", "vscode-wakatime/24.4.0")


def test_legacy_python_cli():
    ua = "wakatime/13.1.0 (Linux-5.10.0-x86_64-with-glibc2.31) Python3.11.7.final.0 vim/9.0 vim-wakatime/10.0.0"
    assert parse_user_agent(ua) == UserAgentInfo("vim", "Linux", "vim-wakatime/10.0.0")


def test_go_cli_on_macos():
    ua = "wakatime/v1.86.5 (darwin-23.1.0-arm64) go1.21.3 IntelliJ/2023.3 intellij-wakatime/14.2.6"
    assert parse_user_agent(ua) == UserAgentInfo("IntelliJ", "Macos", "intellij-wakatime/14.2.6")


def test_browser_extension():
    ua = "Chrome/120.0.0.0 linux_x86-64 chrome-wakatime/3.0.22"
    assert parse_user_agent(ua) == UserAgentInfo("chrome", "Linux", "chrome-wakatime/3.0.22")


def test_browser_extension_with_full_browser_user_agent():
    ua = "Mozilla/5.0 (X11; Linux x86_64; rv:121.0) Gecko/20100101 Firefox/121.0 linux_x86-64 firefox-wakatime/4.0.0"
    assert parse_user_agent(ua) == UserAgentInfo("Firefox", "Linux", "firefox-wakatime/4.0.0")


def test_plugin_without_wakatime_token():
    ua = "wakatime/v1.0 (linux-6.6.0-x86_64) go1.21 claude-code/2.1.45"
    assert parse_user_agent(ua) == UserAgentInfo("Claude", "Linux", None)
