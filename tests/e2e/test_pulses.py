"""Stay and exit pulses (issue 14), over signed HTTP against the fake Slack:
one open question, answered anonymously, posted only from the comment
threshold; exit check-ins pooled until enough leavers answered."""

from __future__ import annotations

import json
from datetime import datetime, timedelta

from sqlalchemy import func, select, text

from bot.processes.clock import Clock
from bot.services import outbox
from storage.models import Comment, Response, Round, SealedBallot, TeamCount
from tests.builders import ADMIN, NOBODY, TEAM_A, TEAM_B, FrozenTime, click_and_wait
from tests.e2e.installs import say

INVITED = TEAM_A + TEAM_B  # 13 people: TEAM_A[1] is in both channels


def _reply(stack, text_: str) -> str:
    """An admin's /candor command and its (possibly later) answer."""
    return say(stack.sender, stack.fake, ADMIN, stack.fake.team_id, text_)


def _setup(stack, comments: int = 5):
    _reply(stack, "audience add <#CTEAMA0001|team-alpha>")
    _reply(stack, "audience add CTEAMB0001")
    _reply(stack, "digest channel <#CLEADERS01|leaders>")
    assert "5" in _reply(stack, f"privacy comments {comments}")


def _answer(stack, uid: str, comment: str | None):
    fake = stack.fake
    view = click_and_wait(stack, uid, "start_checkin", message=fake.dm_messages(uid)[-1])
    answers = {"comment": comment} if comment is not None else {}
    return stack.sender.submit(uid, view, answers=answers), view


def _leaders(fake) -> list[dict]:
    return fake.channel_messages("CLEADERS01")


def test_stay_pulse_asks_one_question_and_posts_scrubbed_answers_from_the_threshold(
        stack, fake, db):
    _setup(stack)
    reply = _reply(stack, "pulse stay")
    assert "Stay pulse 1 is open" in reply and "13 people" in reply, reply
    assert "What keeps you working here?" in reply
    outbox.deliver_due(stack.candor)
    for uid in INVITED:
        assert len(fake.dm_messages(uid)) == 1, uid
    assert fake.dm_messages(ADMIN) == [] and fake.dm_messages(NOBODY) == []
    assert "seguir trabajando" in json.dumps(fake.dm_messages(TEAM_A[0])[0]["blocks"])

    # A check-in can run beside it, and keeps its own numbering.
    assert "Round 1 is open" in _reply(stack, "send now")

    # The modal asks the seed question, required; an empty answer is refused kindly.
    r, view = _answer(stack, TEAM_B[0], "   ")
    comment = [b for b in view["blocks"] if b.get("block_id") == "comment"][0]
    assert comment["optional"] is False
    assert comment["label"]["text"] == "What keeps you working here?"
    assert not [b for b in view["blocks"] if b.get("block_id", "").startswith("q_")]
    assert r.json["response_action"] == "errors" and "comment" in r.json["errors"]

    for n, uid in enumerate(INVITED[:7]):
        r, _ = _answer(stack, uid, f"The team and my supervisor Ben Beta1, call 555-867-5309 ({n})")
        assert r.json["response_action"] == "update", r.body
    status = _reply(stack, "pulse")
    assert "Stay pulse 1 is open" in status and "7" not in status.split("open")[1][:5]

    assert "closed" in _reply(stack, "pulse close")
    fake.wait_for(lambda: any("stay pulse 1" in m["text"] for m in _leaders(fake)), timeout=10)
    post = [m for m in _leaders(fake) if "stay pulse 1" in m["text"]][0]
    blob = json.dumps(post)
    assert "7 answers" in blob and "What keeps you working here?" in blob
    assert "555-867-5309" not in blob and "Beta1" not in blob  # scrubbed before storing
    assert "The team and my supervisor" in blob
    for uid in INVITED:
        assert uid not in blob

    with db.session() as s:
        pulse = s.scalar(select(Round).where(Round.kind == "stay"))
        checkin = s.scalar(select(Round).where(Round.kind == "checkin"))
        assert (pulse.number, checkin.number, checkin.status) == (1, 1, "open")
        # Stored like comments: encrypted, no team, no answer rows, no seal left.
        assert s.scalar(select(func.count()).select_from(Comment)
                        .where(Comment.round_id == pulse.id)) == 7
        assert s.scalar(select(func.count()).select_from(Response)) == 0
        assert s.scalar(select(func.count()).select_from(SealedBallot)
                        .where(SealedBallot.round_id == pulse.id)) == 0
        labels = s.scalars(select(TeamCount.team_label).where(TeamCount.round_id == pulse.id))
        assert set(labels) == {"(everyone)"}
    with db.engine.connect() as c:
        sealed = [r[0] for r in c.execute(text("SELECT sealed FROM comments"))]
    assert not any("team" in x.lower() for x in sealed)

    # A digest button can't be pointed at the pulse's round id.
    assert "stay pulse" not in _reply(stack, "digest preview")


def test_a_stay_pulse_under_the_comment_threshold_is_destroyed_unread(stack, fake, db):
    _setup(stack)
    _reply(stack, "pulse stay")
    outbox.deliver_due(stack.candor)
    for uid in INVITED[:4]:
        _answer(stack, uid, "something only four of us said")
    _reply(stack, "pulse close")
    fake.wait_for(lambda: _leaders(fake), timeout=10)
    blob = json.dumps(_leaders(fake))
    assert "Fewer than 5" in blob and "only four of us" not in blob
    with db.session() as s:
        assert s.scalar(select(func.count()).select_from(Comment)) == 0
        assert s.scalar(select(func.count()).select_from(SealedBallot)) == 0
        assert s.scalar(select(Round.unopened).where(Round.kind == "stay")) is True
    # The next stay pulse asks the next seed question.
    assert "What would draw you away" in _reply(stack, "pulse stay")


def test_exit_check_ins_are_pooled_until_enough_leavers_answered(stack, fake, db):
    _setup(stack)
    now = FrozenTime(datetime(2026, 11, 2, 9, 0))
    stack.candor.now = now
    clock = Clock(stack.candor)

    assert "yourself" in _reply(stack, f"pulse exit <@{ADMIN}>")
    assert "can't find" in _reply(stack, "pulse exit <@UBOTUSER01|zap>")
    assert "Usage" in _reply(stack, "pulse exit #general")

    leavers = TEAM_A[:4]
    for uid in leavers:
        assert "anonymous exit check-in" in _reply(stack, f"pulse exit <@{uid}|x>")
        now.t += timedelta(days=1)
    assert "already" in _reply(stack, f"pulse exit <@{leavers[0]}>")
    outbox.deliver_due(stack.candor)
    dm = json.dumps(fake.dm_messages(leavers[1])[-1])
    assert "exit check-in" in dm and "pooled" in dm
    assert fake.dm_messages(ADMIN) == []  # sent by candor, not the admin
    for uid in leavers:
        r, _ = _answer(stack, uid, f"Caseload was the reason I leave, {uid[-1]}")
        assert r.json["response_action"] == "update"

    # Four answers, threshold five: the pool stays sealed, whatever the time.
    now.t += timedelta(days=30)
    assert clock.close_due() == []
    assert not _leaders(fake)
    status = _reply(stack, "pulse")
    assert "4 offered" in status and "sealed" in status
    with db.session() as s:
        assert s.scalar(select(func.count()).select_from(SealedBallot)) == 4

    # A fifth and a sixth leaver join the same pool (offers decide, never
    # answers); it opens only when the last offer has run out.
    _reply(stack, f"pulse exit <@{TEAM_A[4]}>")
    outbox.deliver_due(stack.candor)
    _answer(stack, TEAM_A[4], "Pay was not enough to live near work")
    _reply(stack, f"pulse exit <@{TEAM_A[5]}>")
    outbox.deliver_due(stack.candor)
    late = click_and_wait(stack, TEAM_A[5], "start_checkin",
                          message=fake.dm_messages(TEAM_A[5])[-1])  # opened, not sent
    now.t += timedelta(days=13)
    assert clock.close_due() == []
    now.t += timedelta(days=1, hours=1)
    # The sixth offer has run out: its ticket is refused, and counts for nothing.
    r = stack.sender.submit(TEAM_A[5], late, answers={"comment": "too late"})
    assert "has closed" in json.dumps(r.json)
    view = click_and_wait(stack, TEAM_A[5], "start_checkin",
                          message=fake.dm_messages(TEAM_A[5])[-1])
    assert "has closed" in json.dumps(view)
    assert len(clock.close_due()) == 1
    fake.wait_for(lambda: _leaders(fake), timeout=10)
    blob = json.dumps(_leaders(fake))
    assert "exit check-ins, pool 1" in blob and "5 or more answers" in blob
    assert "Offered to 6 people" in blob and "too late" not in blob
    # No exact count anywhere: k quotes, themes without numbers.
    assert "comments" not in blob and "5 answers" not in blob
    for uid in INVITED:
        assert uid not in blob
    with db.session() as s:
        pools = s.execute(select(Round.number, Round.status, Round.invited)
                          .where(Round.kind == "exit").order_by(Round.number)).all()
        assert s.scalar(select(func.count()).select_from(Comment)) == 5
    assert [tuple(p) for p in pools] == [(1, "closed", 6)]
    # A leaver of a closed pool can be offered again, in a new pool.
    assert "anonymous exit check-in" in _reply(stack, f"pulse exit <@{TEAM_A[5]}>")


def test_a_leaver_deactivated_since_the_roster_was_read_is_not_offered_one(stack, fake, db):
    _setup(stack)
    _reply(stack, "pulse stay")  # reads the roster: TEAM_B[4] active then
    fake.add_user(TEAM_B[4], "b4", "Ben Beta4", tz=None, deleted=True)  # gone since
    assert "can't find" in _reply(stack, f"pulse exit <@{TEAM_B[4]}>")
    with db.session() as s:
        assert s.scalar(select(func.count()).select_from(Round)
                        .where(Round.kind == "exit")) == 0


def test_pulse_command_usage_and_non_admins(stack, fake):
    assert "only candor admins" in stack.sender.slash(NOBODY, "pulse stay").json["text"]
    assert "Usage" in _reply(stack, "pulse sideways")
    assert "No stay pulse is open" in _reply(stack, "pulse close")
    assert "audience" in _reply(stack, "pulse stay").lower()
