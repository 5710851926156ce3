"""The anonymity issue's adversaries against the real app over signed HTTP
(SQLite and PostgreSQL): tiny rounds, small teams, App Home, DM receipts, and
the size of what a submit answers."""

from __future__ import annotations

import json

from sqlalchemy import func, select

from bot.services import outbox
from storage.ballot_box import MERGED_LABEL
from storage.models import Response, Round, SealedBallot, TeamCount
from tests.builders import ADMIN, TEAM_A, TEAM_B, click_and_wait

INVITED = TEAM_A + TEAM_B


def _open(stack, fake, *, channels=("<#CTEAMA0001|team-alpha>", "CTEAMB0001")):
    s = stack.sender
    for ch in channels:
        s.slash(ADMIN, f"audience add {ch}")
    fake.wait_for(lambda: sum("Added" in r.get("text", "")
                              for r in fake.responses_for(ADMIN)) >= len(channels))
    s.slash(ADMIN, "digest channel <#CLEADERS01|leaders>")
    s.slash(ADMIN, "send now")
    fake.wait_for(lambda: any("is open" in r.get("text", "") for r in fake.responses_for(ADMIN)))
    outbox.deliver_due(stack.candor)


def _answer(stack, fake, uid, burnout=3):
    view = click_and_wait(stack, uid, "start_checkin", message=fake.dm_messages(uid)[0])
    answers = {b["block_id"]: "3" for b in view["blocks"] if b.get("block_id", "").startswith("q_")}
    answers["q_burnout"] = str(burnout)
    r = stack.sender.submit(uid, view, answers=answers)
    assert r.status == 200 and r.json["response_action"] == "update", r.body
    return r


def _close(stack, fake):
    n = len(fake.responses_for(ADMIN))
    stack.sender.slash(ADMIN, "close now")
    fake.wait_for(lambda: len(fake.responses_for(ADMIN)) > n
                  and "closed" in fake.responses_for(ADMIN)[-1].get("text", ""))


def test_a_round_under_k_is_destroyed_unopened_and_says_so(stack, fake, db):
    """Adversary 2: a round where 4 answered (k=5) leaves no answer at rest,
    and nothing published or shown in App Home counts them."""
    _open(stack, fake)
    for uid in TEAM_B[:4]:
        _answer(stack, fake, uid)
    _close(stack, fake)
    with db.session() as s:
        assert s.scalar(select(func.count()).select_from(Response)) == 0
        assert s.scalar(select(func.count()).select_from(SealedBallot)) == 0
        assert s.scalar(select(Round.unopened))
        assert sum(s.scalars(select(TeamCount.ballots))) == 0
    fake.wait_for(lambda: fake.channel_messages("CLEADERS01"))
    posted = json.dumps(fake.channel_messages("CLEADERS01"))
    assert "destroyed unopened" in posted and " 4 " not in posted
    stack.sender.app_home_opened(ADMIN)
    fake.wait_for(lambda: "Last round" in json.dumps(fake.home_view(ADMIN) or {}))
    home = json.dumps(fake.home_view(ADMIN))
    assert "destroyed" in home and "response rate" not in home


def test_small_teams_are_stored_merged(stack, fake, db):
    """Adversary 2: team-beta has 5 invited; 2 answer. At rest its answers
    carry the merged label, never its own."""
    _open(stack, fake)
    for uid in TEAM_A[:6] + TEAM_B[:2]:
        _answer(stack, fake, uid)
    _close(stack, fake)
    with db.session() as s:
        labels = set(s.scalars(select(Response.team_label)))
        counts = {tc.team_label: tc.ballots for tc in s.scalars(select(TeamCount))}
    assert "team-beta" not in labels and labels <= {"team-alpha", MERGED_LABEL}
    assert all(n == 0 or n >= 5 for n in counts.values()), counts


def test_dm_receipts_are_opt_in(stack, fake):
    """Adversary 1 used the export's DM edits to learn who answered, and when.
    Off by default; an admin may turn them on, and is told the cost."""
    _open(stack, fake)
    _answer(stack, fake, TEAM_A[1])
    assert not fake.calls_to("chat.update")
    r = stack.sender.slash(ADMIN, "privacy receipts on")
    assert "who answered" in r.json["text"]
    _answer(stack, fake, TEAM_A[2])
    fake.wait_for(lambda: fake.calls_to("chat.update"))
    assert "sealed" in json.dumps(fake.dm_messages(TEAM_A[2])[-1])


def test_submit_replies_are_the_same_size_whatever_the_answer(stack, fake):
    """Adversary 5: a router log or TLS observer sees response sizes. The
    hardest and the mildest burnout answers get byte-identical replies."""
    _open(stack, fake)
    hard = _answer(stack, fake, TEAM_A[1], burnout=5).body
    mild = _answer(stack, fake, TEAM_A[2], burnout=1).body
    assert hard == mild
