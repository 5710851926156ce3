"""Two installed workspaces side by side: each one's Slack calls carry its own
token (the fake routes by token and refuses any other), its own admins
configure it and nobody else's, and one workspace's rate limits never slow
the other's invitations."""

from __future__ import annotations

import time

import pytest
from sqlalchemy import select

from bot.services import outbox
from storage.models import Delivery, Round, Workspace
from tests.builders import ADMIN, TEAM_A
from tests.e2e.installs import (
    B_ADMIN,
    B_LISTED,
    B_TEAM,
    T_A,
    T_B,
    fake_org,
    install,
    oauth_stack,
    say,
)


@pytest.fixture
def org():
    with fake_org() as o:
        yield o


@pytest.fixture
def stack(db, database_url, org):
    with oauth_stack(db, database_url, org) as s:
        yield s


def _open(s_, sender, fake, admin, team, channel) -> int:
    assert "Added" in say(sender, fake, admin, team, f"audience add {channel}")
    say(sender, fake, admin, team, "send now")
    fake.wait_for(lambda: "is open" in fake.responses_for(admin)[-1].get("text", ""))
    with s_.candor.db.session() as s:
        return s.scalar(select(Round.id).where(Round.team_id == team, Round.status == "open"))


def _both(s_, o_):
    install(s_, T_A)
    install(s_, T_B)
    a, b = o_.fakes[T_A], o_.fakes[T_B]
    return a, b, s_.sender, s_.sender_for(b)


def test_each_workspace_is_served_with_its_own_token_only(stack, org, db):
    a, b, sa, sb = _both(stack, org)
    _open(stack, sa, a, ADMIN, T_A, "<#CTEAMA0001|team-alpha>")
    _open(stack, sb, b, B_ADMIN, T_B, "<#CBTEAM0001|bee-team>")
    outbox.deliver_due(stack.candor)  # the clock's fan-out, across both workspaces

    assert all(a.dm_messages(u) for u in TEAM_A)
    assert all(b.dm_messages(u) for u in B_TEAM)
    assert not any(a.dm_messages(u) for u in B_TEAM)
    assert not any(b.dm_messages(u) for u in TEAM_A)
    with db.session() as s:
        sent = s.execute(select(Delivery.team_id, Delivery.user_id)
                         .where(Delivery.status == "sent")).all()
    assert sorted(sent) == sorted([(T_A, u) for u in TEAM_A] + [(T_B, u) for u in B_TEAM])
    # Every call that reached A's data carried A's token, and B's B's; no
    # call went out with a token Slack doesn't know.
    assert org.tokens_used(T_A) == {a.bot_token}
    assert org.tokens_used(T_B) == {b.bot_token}
    assert "chat.postMessage" in org.methods_called(T_B)
    assert not org.refused


def test_admins_are_per_workspace(stack, org, db):
    a, b, sa, sb = _both(stack, org)
    rid = _open(stack, sa, a, ADMIN, T_A, "<#CTEAMA0001|team-alpha>")
    # B's workspace admin, and B's CANDOR_ADMINS entry (T_B:…), run B...
    assert "No round is open" in say(sb, b, B_ADMIN, T_B, "status")
    assert "No round is open" in say(sb, b, B_LISTED, T_B, "status")
    # ...but neither is an admin in A, whatever team id their request names.
    for user in (B_ADMIN, B_LISTED):
        assert "only candor admins" in say(sa, a, user, T_A, "close now")
        assert "only candor admins" in say(sa, a, user, T_A, "schedule weekly monday 09:00")
    # An unprefixed CANDOR_ADMINS entry (ADMIN) counts in no workspace with
    # many of them: ADMIN is an admin of A because Slack says so, not in B.
    assert "only candor admins" in say(sb, b, ADMIN, T_B, "status")
    with db.session() as s:
        assert s.get(Round, rid).status == "open"
        assert s.get(Workspace, T_A).schedule_every is None


def test_a_workspace_that_never_installed_is_refused_and_not_created(stack, org, db):
    _both(stack, org)
    a = org.fakes[T_A]
    n = len(a.responses_for(ADMIN))
    stack.sender.slash(ADMIN, "status", team_id="TNOTINST01")
    a.wait_for(lambda: len(a.responses_for(ADMIN)) > n)
    assert "install" in a.responses_for(ADMIN)[-1]["text"].lower()
    with db.session() as s:
        assert sorted(s.scalars(select(Workspace.team_id))) == [T_A, T_B]


def test_one_workspaces_rate_limit_never_slows_anothers_fanout(stack, org, db):
    a, b, sa, sb = _both(stack, org)
    _open(stack, sa, a, ADMIN, T_A, "<#CTEAMA0001|team-alpha>")
    _open(stack, sb, b, B_ADMIN, T_B, "<#CBTEAM0001|bee-team>")
    # Slack told A to wait a minute: A's posts hold back...
    stack.candor.client_for(T_A, "poster").pacer.drain("chat.postMessage", 60)
    started = time.monotonic()
    out = outbox.deliver_due(stack.candor, team_id=T_B)
    # ...and B's go out at once.
    assert out.get("sent") == len(B_TEAM), out
    assert time.monotonic() - started < 5
    assert all(b.dm_messages(u) for u in B_TEAM)
