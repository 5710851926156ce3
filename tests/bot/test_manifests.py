"""The manifests ask for exactly the scopes an OAuth install asks for
(SLACK_SCOPES' default), and the HTTP one carries what OAuth installs need.
(No YAML parser in the project: the manifests' lines are read as they are.)"""

from __future__ import annotations

import re
from pathlib import Path

from bot.config import DEFAULT_SCOPES

ROOT = Path(__file__).resolve().parents[2]


def _text(name: str) -> str:
    return (ROOT / name).read_text(encoding="utf-8")


def _items_under(text: str, key: str) -> list[str]:
    """The '- item' lines right under `key:` (comments dropped)."""
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if line.strip() == f"{key}:")
    out = []
    for line in lines[start + 1:]:
        if not line.strip().startswith("- "):
            break
        out.append(re.sub(r"#.*", "", line).strip().removeprefix("- ").strip())
    return out


def test_both_manifests_ask_for_the_scopes_an_oauth_install_asks_for():
    want = sorted(DEFAULT_SCOPES.split(","))
    for name in ("manifest.yml", "manifest-http.yml"):
        assert sorted(_items_under(_text(name), "bot")) == want, name


def test_the_http_manifest_is_ready_for_oauth_installs():
    m = _text("manifest-http.yml")
    assert _items_under(m, "redirect_urls") == ["https://candor.example.org/slack/oauth_redirect"]
    assert {"app_home_opened", "app_uninstalled", "tokens_revoked"} <= set(
        _items_under(m, "bot_events"))
    assert re.search(r"^\s*org_deploy_enabled: true\b", m, re.M)  # Grid org-wide installs
