"""FakeOrg: several workspaces behind one Web API URL, routed by token, and
Slack's side of an OAuth install."""

from __future__ import annotations

import urllib.error
import urllib.request
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.testing.fakeslack import FakeOrg, FakeSlack


@pytest.fixture
def org():
    a = FakeSlack("TAAAA0001", "Clinic A", bot_token="xoxb-a")
    b = FakeSlack("TBBBB0002", "Clinic B", bot_token="xoxb-b")
    a.add_user("UA1", "ana", "Ana A")
    b.add_user("UB1", "ben", "Ben B")
    with FakeOrg(a, b) as o:
        yield o


def _client(org, token=None) -> WebClient:
    return WebClient(token=token, base_url=org.api_url)


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *a, **kw):
        return None


def _authorize(org, **query) -> str:
    """The person clicks Allow; returns the Location Slack sends them to."""
    url = f"{org.base_url}/oauth/v2/authorize?{urlencode(query)}"
    opener = urllib.request.build_opener(NoRedirect)
    with pytest.raises(urllib.error.HTTPError) as e:
        opener.open(url)
    assert e.value.code == 302
    return e.value.headers["Location"]


def test_each_token_reaches_only_its_own_workspace(org):
    a, b = org.fakes["TAAAA0001"], org.fakes["TBBBB0002"]
    assert _client(org, "xoxb-a").auth_test()["team_id"] == "TAAAA0001"
    assert _client(org, "xoxb-b").auth_test()["team_id"] == "TBBBB0002"
    ids = {m["id"] for m in _client(org, "xoxb-b").users_list()["members"]}
    assert "UB1" in ids and "UA1" not in ids
    _client(org, "xoxb-a").chat_postMessage(channel="UA1", text="hello A")
    assert a.dm_messages("UA1") and not b.dm_messages("UA1")
    assert org.tokens_used("TAAAA0001") == {"xoxb-a"}
    assert org.tokens_used("TBBBB0002") == {"xoxb-b"}


def test_unknown_and_revoked_tokens_are_refused(org):
    for token in ("xoxb-nobody", None):
        with pytest.raises(SlackApiError) as e:
            _client(org, token).auth_test()
        assert e.value.response["error"] == ("invalid_auth" if token else "not_authed")
    org.revoke("TBBBB0002")
    with pytest.raises(SlackApiError) as e:
        _client(org, "xoxb-b").users_list()
    assert e.value.response["error"] == "invalid_auth"
    assert _client(org, "xoxb-a").auth_test()["ok"]
    assert ("users.list", "xoxb-b") in org.refused


def test_install_exchanges_a_code_for_that_workspaces_token(org):
    where = _authorize(org, client_id=org.client_id, scope="chat:write", state="s1",
                       redirect_uri="http://app/cb", team="TBBBB0002")
    q = parse_qs(urlsplit(where).query)
    assert where.startswith("http://app/cb?") and q["state"] == ["s1"]
    code = q["code"][0]
    with pytest.raises(SlackApiError) as e:
        _client(org).oauth_v2_access(client_id=org.client_id, client_secret="wrong", code=code)
    assert e.value.response["error"] == "invalid_client_id"
    r = _client(org).oauth_v2_access(client_id=org.client_id, client_secret=org.client_secret,
                                     code=code)
    assert (r["team"]["id"], r["access_token"], r["token_type"]) == ("TBBBB0002", "xoxb-b", "bot")
    with pytest.raises(SlackApiError) as e:  # a code works once
        _client(org).oauth_v2_access(client_id=org.client_id, client_secret=org.client_secret,
                                     code=code)
    assert e.value.response["error"] == "invalid_code"


def test_rotating_tokens_expire_and_refresh(org):
    org.rotation = True
    org.redirect_uri = "http://app/cb"
    where = _authorize(org, client_id=org.client_id, state="s", team="TAAAA0001")
    code = parse_qs(urlsplit(where).query)["code"][0]
    secret = dict(client_id=org.client_id, client_secret=org.client_secret)
    first = _client(org).oauth_v2_access(code=code, **secret)
    assert first["access_token"].startswith("xoxe.xoxb-") and first["expires_in"] > 0
    assert _client(org, first["access_token"]).auth_test()["team_id"] == "TAAAA0001"
    second = _client(org).oauth_v2_access(grant_type="refresh_token",
                                          refresh_token=first["refresh_token"], **secret)
    assert second["access_token"] != first["access_token"]
    assert _client(org, second["access_token"]).auth_test()["ok"]
    with pytest.raises(SlackApiError):  # the rotated-away token no longer works
        _client(org, first["access_token"]).auth_test()


def test_authorize_refuses_another_app_or_unknown_team(org):
    for query in ({"client_id": "other", "redirect_uri": "http://x"},
                  {"client_id": org.client_id, "redirect_uri": "http://x", "team": "TNOPE"},
                  {"client_id": org.client_id}):
        with pytest.raises(urllib.error.HTTPError) as e:
            urllib.request.urlopen(f"{org.base_url}/oauth/v2/authorize?{urlencode(query)}")
        assert e.value.code == 400
