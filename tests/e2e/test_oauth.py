"""Installing candor by OAuth, against the fake Slack: install, a second
workspace, uninstall, a revoked token, token rotation; all over real HTTP,
with signed requests from each workspace."""

from __future__ import annotations

import time
from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, select, update

from bot.context import NotInstalled
from storage import installations
from storage.keys import Keyring
from storage.models import Workspace
from tests.builders import ADMIN
from tests.e2e.installs import B_ADMIN, T_A, T_B, eventually, fake_org, install, oauth_stack


@pytest.fixture
def org():
    with fake_org() as o:
        yield o


@pytest.fixture
def stack(db, database_url, org):
    with oauth_stack(db, database_url, org) as s:
        yield s


def _installs(db) -> list[tuple]:
    """(team, bot token) of each install, the token unsealed with the stack's
    key (LocalStack's default): it is never stored as Slack issued it."""
    sealer = Keyring("s" * 40).sealer(installations.TOKEN_PURPOSE)
    with db.engine.connect() as c:
        t = installations.installations
        rows = c.execute(select(t.c.team_id, t.c.bot_token).order_by(t.c.team_id)).all()
    assert all(tok.startswith(installations.SEALED) for _, tok in rows)
    return [(team, installations.open_token(sealer, tok)) for team, tok in rows]


def _workspace(db, team):
    with db.session() as s:
        return s.get(Workspace, team)


def _status(sender, user, team) -> str:
    r = sender.slash(user, "status", team_id=team)
    assert r.status == 200, r.body
    return (r.json or {}).get("text", "") if r.body else ""


def test_install_stores_the_token_and_serves_the_workspace(stack, org, db):
    a = org.fakes[T_A]
    # Not installed yet: a signed request is refused, and creates nothing.
    stack.sender.slash(ADMIN, "status", team_id=T_A)
    a.wait_for(lambda: a.responses_for(ADMIN))
    assert "install" in a.responses_for(ADMIN)[-1]["text"].lower()
    assert _workspace(db, T_A) is None
    with pytest.raises(NotInstalled):
        stack.candor.client_for(T_A)

    status, body = install(stack, T_A)
    assert status == 200 and "Thank you" in body, body
    assert _installs(db) == [(T_A, a.bot_token)]
    assert _workspace(db, T_A) is not None  # known from the install on
    assert stack.candor.client_for(T_A).token == a.bot_token

    assert "No round is open" in _status(stack.sender, ADMIN, T_A)
    assert org.tokens_used(T_A) == {a.bot_token}
    assert not org.methods_called(T_B)


def test_a_second_workspace_gets_its_own_token(stack, org, db):
    a, b = org.fakes[T_A], org.fakes[T_B]
    assert install(stack, T_A)[0] == 200
    assert install(stack, T_B)[0] == 200
    assert _installs(db) == [(T_A, a.bot_token), (T_B, b.bot_token)]
    c = stack.candor
    assert c.client_for(T_B).token == b.bot_token
    assert c.client_for(T_A) is not c.client_for(T_B)
    assert c.client_for(T_A).pacer is not c.client_for(T_B).pacer
    assert "No round is open" in _status(stack.sender_for(b), B_ADMIN, T_B)
    assert org.tokens_used(T_B) == {b.bot_token}
    assert org.tokens_used(T_A) <= {a.bot_token}


def test_an_install_without_the_state_cookie_is_refused(stack, org, db):
    status, _ = install(stack, T_A, cookie=False)
    assert status == 400
    assert _installs(db) == []


def _uninstall_event(sender, team, event):
    r = sender.event(event, team_id=team)
    assert r.status == 200, r.body


def _schedule(sender, user, team):
    r = sender.slash(user, "schedule weekly tuesday 10:00", team_id=team)
    assert "weekly on Tuesday" in r.json["text"], r.body
    r = sender.slash(user, "audience add <#CTEAMA0001|team-alpha>", team_id=team)
    assert r.status == 200


def test_uninstall_forgets_the_token_and_stops_the_schedule_keeping_data(stack, org, db):
    a = org.fakes[T_A]
    install(stack, T_A)
    install(stack, T_B)
    _schedule(stack.sender, ADMIN, T_A)
    a.wait_for(lambda: any("Added" in r.get("text", "") for r in a.responses_for(ADMIN)))
    org.revoke(T_A)  # Slack revokes the tokens as it uninstalls
    _uninstall_event(stack.sender, T_A, {"type": "app_uninstalled"})
    stack.candor.workspaces.ttl = 0

    assert eventually(lambda: [t for t, _ in _installs(db)] == [T_B])
    ws = _workspace(db, T_A)
    assert ws is not None and ws.schedule_every is None  # stopped; the row is kept
    with db.session() as s:
        from storage import workspaces
        assert [x.channel_id for x in workspaces.audiences(s, T_A)] == ["CTEAMA0001"]
    with pytest.raises(NotInstalled):
        stack.candor.client_for(T_A)
    assert stack.candor.client_for(T_B).token == org.fakes[T_B].bot_token
    # A's people are refused until it is installed again.
    n = len(a.responses_for(ADMIN))
    stack.sender.slash(ADMIN, "status", team_id=T_A)
    a.wait_for(lambda: len(a.responses_for(ADMIN)) > n)
    assert "install" in a.responses_for(ADMIN)[-1]["text"].lower()


def test_a_revoked_bot_token_is_forgotten(stack, org, db):
    install(stack, T_A)
    # Only user tokens revoked: candor has none, so nothing changes.
    _uninstall_event(stack.sender, T_A,
                     {"type": "tokens_revoked", "tokens": {"oauth": ["U1"], "bot": []}})
    stack.app.listener_runner.listener_executor.submit(lambda: None).result()
    time.sleep(0.3)
    assert [t for t, _ in _installs(db)] == [T_A]
    org.revoke(T_A)
    _uninstall_event(stack.sender, T_A,
                     {"type": "tokens_revoked", "tokens": {"bot": ["UBOTA"]}})
    assert eventually(lambda: _installs(db) == [])
    stack.candor.workspaces.ttl = 0
    with pytest.raises(NotInstalled):
        stack.candor.client_for(T_A)


def test_an_uninstall_for_another_workspace_changes_nothing_here(stack, org, db):
    install(stack, T_A)
    _uninstall_event(stack.sender, "TZZZZZZZ09", {"type": "app_uninstalled"})
    time.sleep(0.3)
    assert [t for t, _ in _installs(db)] == [T_A]
    with db.session() as s:
        assert s.scalar(select(func.count()).select_from(Workspace)) == 1


def test_rotating_tokens_are_refreshed_before_they_expire(stack, org, db):
    org.rotation = True
    a = org.fakes[T_A]
    install(stack, T_A)
    first = a.bot_token
    assert first.startswith("xoxe.xoxb-")
    assert stack.candor.client_for(T_A).token == first
    # It expires within the rotation margin: the next lookup (the clock's too) rotates it.
    with db.engine.begin() as c:
        for t in (installations.installations, installations.bots):
            c.execute(update(t).values(bot_token_expires_at=datetime.utcnow() + timedelta(minutes=5)))
    stack.candor.workspaces.ttl = 0
    client = stack.candor.client_for(T_A)
    assert client.token == a.bot_token != first
    assert [tok for _, tok in _installs(db)] == [a.bot_token]
    assert client.auth_test()["team_id"] == T_A
    # And requests from Slack are authorized with the new one.
    assert "No round is open" in _status(stack.sender, ADMIN, T_A)
