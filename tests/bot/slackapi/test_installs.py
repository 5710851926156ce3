"""client_for and its settings: one workspace keeps today's clients; many get
a set per workspace, with the token re-read after a short TTL."""

from __future__ import annotations

import pytest

from bot.config import ConfigError, load_settings
from bot.context import Candor, NotInstalled
from bot.slackapi.installs import WorkspaceClients


def _settings(**kw):
    return load_settings(CANDOR_SECRET_KEY="k" * 40, DATABASE_URL="sqlite://", **kw)


def test_one_workspace_gets_todays_clients_whatever_the_team():
    c = Candor.build(_settings(SLACK_BOT_TOKEN="xoxb-1"))
    assert not c.many_workspaces
    for kind in ("client", "poster", "quick", "reader"):
        assert c.client_for("T1", kind) is getattr(c, kind)
        assert c.client_for(None, kind) is getattr(c, kind)
    assert c.client.token == "xoxb-1"


def test_oauth_needs_both_credentials_and_no_bot_token():
    with pytest.raises(ConfigError, match="SLACK_CLIENT_SECRET must be set too"):
        _settings(SLACK_CLIENT_ID="1.2")
    s = _settings(SLACK_CLIENT_ID="1.2", SLACK_CLIENT_SECRET="x")
    assert s.oauth
    s.require("slack_bot_token")  # not needed: tokens come from installs
    c = Candor.build(s)
    assert c.many_workspaces and c.client.token is None
    with pytest.raises(NotInstalled):
        c.client_for(None)
    with pytest.raises(ConfigError, match="needs candor over HTTP"):
        _settings(SLACK_CLIENT_ID="1.2", SLACK_CLIENT_SECRET="x", SLACK_APP_TOKEN="xapp-1")


def test_admins_may_be_per_workspace():
    one = _settings(CANDOR_ADMINS="U1, T2:U2")
    assert one.is_listed_admin("T9", "U1") and one.is_listed_admin("T2", "U2")
    assert not one.is_listed_admin("T9", "U2")
    many = _settings(CANDOR_ADMINS="U1, T2:U2", SLACK_CLIENT_ID="1.2", SLACK_CLIENT_SECRET="x")
    assert not many.is_listed_admin("T2", "U1")  # unprefixed: one workspace only
    assert many.is_listed_admin("T2", "U2") and not many.is_listed_admin("T3", "U2")
    for bad in ("X2:U2", "T2:X2", "T2:"):
        with pytest.raises(ConfigError, match="CANDOR_ADMINS"):
            _settings(CANDOR_ADMINS=bad)


def test_on_uninstall_is_keep():
    assert _settings().on_uninstall == "keep"
    with pytest.raises(ConfigError, match="CANDOR_ON_UNINSTALL.*isn't supported yet"):
        _settings(CANDOR_ON_UNINSTALL="delete")


class FakeInstalls:
    def __init__(self):
        self.tokens = {"T1": "xoxb-1", "T2": "xoxb-2"}
        self.asked = 0

    def bot_token(self, team_id):
        self.asked += 1
        return self.tokens.get(team_id)


def test_a_workspaces_token_is_cached_briefly_and_its_pacing_survives_rotation():
    now = [0.0]
    installs = FakeInstalls()
    w = WorkspaceClients(_settings(), installs, clock=lambda: now[0], ttl=60)
    one, two = w.get("T1"), w.get("T2")
    assert (one.token, two.token) == ("xoxb-1", "xoxb-2") and one.pacer is not two.pacer
    assert w.get("T1", "poster").token == "xoxb-1"
    assert installs.asked == 2  # cached within the TTL
    installs.tokens["T1"] = "xoxb-1b"  # rotated
    now[0] = 61
    assert w.get("T1") is one and one.token == "xoxb-1b"
    assert w.get("T1", "reader").token == "xoxb-1b"
    del installs.tokens["T1"]  # uninstalled
    now[0] = 200
    with pytest.raises(NotInstalled):
        w.get("T1")
