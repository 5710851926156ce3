"""Enterprise Grid, installed org-wide: one org token serves two workspaces.
Each workspace adds its own audience channel, runs its own round and gets
its own digest; users.list names the workspace (Slack requires team_id with
an org token, and the fake refuses it without); interactivity arrives with
`team: null` and events with an org-level authorization; admin rights are
those of the workspace where the command was run, Grid org admins counted."""

from __future__ import annotations

import json
from contextlib import contextmanager

import pytest
from sqlalchemy import select

from bot.services import outbox
from bot.testing.fakeslack import FakeOrg, FakeSlack
from storage.models import Round, Workspace
from tests.builders import ADMIN, TEAM_A, seed
from tests.e2e.installs import B_ADMIN, B_TEAM, T_A, T_B, install, oauth_stack, say, seed_b

ORG = "E0GRID0001"
BOT = "UBOTGRID01"  # one bot user for the whole org
ORG_ADMIN = "UORGADMIN1"  # an org admin, member of workspace A


@contextmanager
def grid_org():
    a = FakeSlack(T_A, "Clinic A", bot_token="xoxb-a-1", bot_user_id=BOT)
    b = FakeSlack(T_B, "Clinic B", bot_token="xoxb-b-2", bot_user_id=BOT)
    seed(a)
    seed_b(b)
    a.add_user(ORG_ADMIN, "orgadmin", "Orla Org")
    with FakeOrg(a, b) as o:
        o.grid(ORG, "Health System")
        o.make_org_admin(T_A, ORG_ADMIN)
        yield o


@pytest.fixture
def org():
    with grid_org() as o:
        yield o


@pytest.fixture
def stack(db, database_url, org):
    with oauth_stack(db, database_url, org) as s:
        status, body = install(s, ORG)  # org-wide: the install names the org
        assert status == 200 and "Thank you" in body, body
        yield s


def _answer_all(stack, sender, fake, users) -> None:
    for uid in users:
        before = len(fake.views_opened)
        r = sender.click(uid, "start_checkin", message=fake.dm_messages(uid)[-1])
        assert r.status == 200, r.body
        fake.wait_for(lambda b=before: len(fake.views_opened) > b)
        view = fake.last_opened_view(uid)
        answers = {b["block_id"]: "3" for b in view["blocks"]
                   if b.get("block_id", "").startswith("q_")}
        assert sender.submit(uid, view, answers=answers).status == 200


def _run_round(stack, sender, fake, admin, team, channel, leaders, people) -> dict:
    assert "Added" in say(sender, fake, admin, team, f"audience add {channel}")
    say(sender, fake, admin, team, f"digest channel {leaders}")
    assert "is open" in say(sender, fake, admin, team, "send now")
    outbox.deliver_due(stack.candor, team_id=team)
    assert all(fake.dm_messages(u) for u in people)
    _answer_all(stack, sender, fake, people)
    say(sender, fake, admin, team, "close now")
    leaders_id = leaders.split("|")[0].strip("<#")
    fake.wait_for(lambda: fake.channel_messages(leaders_id), timeout=10)
    return fake.channel_messages(leaders_id)[0]


def test_an_org_wide_install_runs_a_round_and_a_digest_in_each_workspace(stack, org, db):
    a, b = org.fakes[T_A], org.fakes[T_B]
    sa, sb = stack.sender_for(a), stack.sender_for(b)
    digest_a = _run_round(stack, sa, a, ADMIN, T_A, "<#CTEAMA0001|team-alpha>",
                          "<#CLEADERS01|leaders>", TEAM_A)
    digest_b = _run_round(stack, sb, b, B_ADMIN, T_B, "<#CBTEAM0001|bee-team>",
                          "<#CBLEAD0001|bee-leaders>", B_TEAM)

    assert "team-alpha" in digest_a["text"] and "bee-team" not in digest_a["text"]
    assert f"{len(TEAM_A)} of {len(TEAM_A)} invited" in digest_a["text"]
    assert "bee-team" in digest_b["text"] and "team-alpha" not in digest_b["text"]
    assert f"{len(B_TEAM)} of {len(B_TEAM)} invited" in digest_b["text"]
    assert "Burnout" in json.dumps(digest_b["blocks"])
    # Nobody of one workspace was invited in the other.
    assert not any(a.dm_messages(u) for u in B_TEAM)
    assert not any(b.dm_messages(u) for u in TEAM_A)
    with db.session() as s:
        rounds = sorted(s.execute(select(Round.team_id, Round.invited)).all())
        ws = dict(s.execute(select(Workspace.team_id, Workspace.enterprise_id)).all())
    assert rounds == [(T_A, len(TEAM_A)), (T_B, len(B_TEAM))]
    assert ws == {T_A: ORG, T_B: ORG}  # the org kept with each workspace
    # One org token for both, every call routed to the right workspace; the
    # fake refuses users.list without team_id (and any call naming no workspace).
    (token,) = org.tokens_used(T_A)
    assert org.tokens_used(T_B) == {token} and token.startswith(f"xoxb-{ORG}-org")
    assert "users.list" in org.methods_called(T_A) and "users.list" in org.methods_called(T_B)
    assert not org.refused
    # Each digest's chart went to its own workspace (the upload names it).
    a.wait_for(lambda: a.files, timeout=10)
    b.wait_for(lambda: b.files, timeout=10)


def test_a_channel_of_another_workspace_is_refused_as_audience(stack, org, db):
    a = org.fakes[T_A]
    text = say(stack.sender_for(a), a, ADMIN, T_A, "audience add <#CBTEAM0001|bee-team>")
    assert "belongs to another workspace" in text
    assert "Added" in say(stack.sender_for(a), a, ADMIN, T_A,
                           "audience add <#CTEAMA0001|team-alpha>")


def test_admin_rights_are_the_workspaces_own_with_org_admins_counted(stack, org, db):
    a, b = org.fakes[T_A], org.fakes[T_B]
    sa, sb = stack.sender_for(a), stack.sender_for(b)
    # A's workspace admin, and B's, each in their own workspace...
    assert "No round is open" in say(sa, a, ADMIN, T_A, "status")
    assert "No round is open" in say(sb, b, B_ADMIN, T_B, "status")
    # ...not in the other one of the same org.
    assert "only candor admins" in say(sb, b, ADMIN, T_B, "status")
    assert "only candor admins" in say(sa, a, B_ADMIN, T_A, "status")
    # An org admin is an admin in every workspace of the org.
    assert "No round is open" in say(sa, a, ORG_ADMIN, T_A, "status")
    assert "No round is open" in say(sb, b, ORG_ADMIN, T_B, "status")
    # Someone who is neither is refused.
    assert "only candor admins" in say(sb, b, B_TEAM[0], T_B, "status")


def test_events_without_a_team_in_their_authorization_reach_their_workspace(stack, org, db):
    """App Home opened in B: the event's authorization is the org's (team
    null); the view is published in B, for B's user."""
    b = org.fakes[T_B]
    sb = stack.sender_for(b)
    say(sb, b, B_ADMIN, T_B, "status")  # B is known to candor from its first command
    assert sb.app_home_opened(B_ADMIN).status == 200
    b.wait_for(lambda: b.home_view(B_ADMIN), timeout=5)
    assert org.fakes[T_A].home_view(B_ADMIN) is None
