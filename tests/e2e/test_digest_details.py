"""The digest's **Details** button over signed HTTP against the fake Slack:
acked, one modal with the digest's own tests and adjusted p-values, and a
clear note (never a retry) when Slack refuses the trigger."""

from __future__ import annotations

import json
import time

from bot.blocks.digest import DETAILS_ACTION
from bot.listeners._util import SLACK_NO_FORM
from bot.listeners.actions.digest_details import NOT_FOR_YOU
from bot.services import digests, outbox
from tests.builders import ADMIN, NOBODY, TEAM_A, TEAM_B, click_and_wait

INVITED = TEAM_A + TEAM_B
LEADERS = "CLEADERS01"
LEADER = TEAM_B[0]


def _answer_round(stack, fake, burnout) -> None:
    s = stack.sender
    n = len(fake.responses_for(ADMIN))
    s.slash(ADMIN, "send now")
    fake.wait_for(lambda: any("is open" in r.get("text", "")
                              for r in fake.responses_for(ADMIN)[n:]))
    outbox.deliver_due(stack.candor)
    for n, uid in enumerate(INVITED):
        view = click_and_wait(stack, uid, "start_checkin", message=fake.dm_messages(uid)[-1])
        answers = {b["block_id"]: "3" for b in view["blocks"]
                   if b.get("block_id", "").startswith("q_")}
        answers["q_burnout"] = str(burnout(n))
        assert s.submit(uid, view, answers=answers).status == 200
    posted = len(fake.channel_messages(LEADERS))
    s.slash(ADMIN, "close now")
    fake.wait_for(lambda: len(fake.channel_messages(LEADERS)) > posted, timeout=10)


def _two_rounds(stack, fake) -> dict:
    """Two closed rounds, burnout reported by about a quarter and then three
    quarters (mixed answers: a unanimous rate would be banded, not tested);
    returns the second digest's message."""
    s = stack.sender
    # A leader who is not an admin: TEAM_B[0] sits in the digest channel too.
    fake.add_channel(LEADERS, "leaders", members=[ADMIN, LEADER, fake.bot_user_id])
    s.slash(ADMIN, "digest channel <#CLEADERS01|leaders>")
    for ch in ("<#CTEAMA0001|team-alpha>", "CTEAMB0001"):
        n = len(fake.responses_for(ADMIN))
        s.slash(ADMIN, f"audience add {ch}")
        fake.wait_for(lambda n=n: any("Added" in r.get("text", "")
                                      for r in fake.responses_for(ADMIN)[n:]))
    _answer_round(stack, fake, burnout=lambda n: 5 if n % 4 == 0 else 1)
    _answer_round(stack, fake, burnout=lambda n: 1 if n % 4 == 0 else 5)
    return fake.channel_messages(LEADERS)[-1]


def _details_button(msg: dict) -> dict:
    for b in msg["blocks"]:
        for el in b.get("elements") or []:
            if el.get("action_id") == DETAILS_ACTION:
                return el
    raise AssertionError("no Details button in the digest")


def _note_count(fake, uid: str) -> int:
    return sum(SLACK_NO_FORM["en"] in json.dumps(e) for e in fake.ephemerals
               if e.get("user") == uid)


def test_details_opens_once_with_the_digests_tests(stack, fake):
    msg = _two_rounds(stack, fake)
    button = _details_button(msg)
    trigger = fake.issue_trigger(ADMIN)
    before = len(fake.views_opened)
    r = stack.sender.click(ADMIN, DETAILS_ACTION, message=msg, trigger_id=trigger)
    assert r.status == 200  # acked before the digest is rebuilt
    fake.wait_for(lambda: len(fake.views_opened) > before)
    view = fake.last_opened_view(ADMIN)
    assert view["callback_id"] == "digest_details"
    text = json.dumps(view["blocks"])
    # The modal shows exactly the digest's own test lines (escaped for mrkdwn).
    digest, _ = digests.build(stack.candor, fake.team_id, int(button["value"]))
    lines = digest.details()
    assert lines and all(json.dumps(line.replace("&", "&amp;").replace("<", "&lt;")
                                    .replace(">", "&gt;"))[1:-1] in text for line in lines)
    burnout = next(m for m in digest.metrics if m.is_burnout)
    assert burnout.change is not None and burnout.change.testable
    assert "adjusted p=" in text and "Burnout" in text
    time.sleep(0.3)  # a late second open would show up here
    attempts = fake.trigger_attempts(trigger)
    assert [(a["method"], a["ok"]) for a in attempts] == [("views.open", True)]
    assert len(fake.views_opened) == before + 1


def test_a_reused_or_expired_trigger_gets_a_note_and_no_retry(stack, fake):
    msg = _two_rounds(stack, fake)
    used = fake.issue_trigger(ADMIN)
    click_and_wait(stack, ADMIN, DETAILS_ACTION, message=msg, trigger_id=used)
    opened = len(fake.views_opened)

    r = stack.sender.click(ADMIN, DETAILS_ACTION, message=msg, trigger_id=used)
    assert r.status == 200
    fake.wait_for(lambda: _note_count(fake, ADMIN) >= 1)
    assert [a["error"] for a in fake.trigger_attempts(used)] == [None, "exchanged_trigger_id"]

    old = fake.issue_trigger(ADMIN)
    ttl = fake.trigger_ttl
    fake.trigger_ttl = 0.0  # any age is past it: Slack's 3 s without the wait
    try:
        time.sleep(0.01)
        r = stack.sender.click(ADMIN, DETAILS_ACTION, message=msg, trigger_id=old)
        assert r.status == 200
        fake.wait_for(lambda: _note_count(fake, ADMIN) >= 2)
    finally:
        fake.trigger_ttl = ttl
    time.sleep(0.3)  # a retry would come in here
    assert [a["error"] for a in fake.trigger_attempts(old)] == ["expired_trigger_id"]
    assert len(fake.views_opened) == opened


def test_a_round_that_is_not_this_workspaces_gets_a_clear_modal(stack, fake):
    msg = _two_rounds(stack, fake)
    for value in ("999999", "not-a-round", "9" * 30, "-1", "١٢"):
        before = len(fake.views_opened)
        r = stack.sender.click(ADMIN, DETAILS_ACTION, message=msg,
                               action={"value": value})
        assert r.status == 200
        fake.wait_for(lambda before=before: len(fake.views_opened) > before)
        text = json.dumps(fake.last_opened_view(ADMIN)["blocks"])
        assert "no longer available" in text and "p=" not in text


def test_only_the_digest_channel_and_admins_see_the_details(stack, fake):
    msg = _two_rounds(stack, fake)
    # A leader who is no admin sees them.
    view = click_and_wait(stack, LEADER, DETAILS_ACTION, message=msg)
    assert "adjusted p=" in json.dumps(view["blocks"])
    # Anyone else (a forged click: Slack shows the button only in the channel)
    # gets the refusal in the modal's place, and nothing of the digest.
    for uid in (NOBODY, TEAM_A[0]):
        view = click_and_wait(stack, uid, DETAILS_ACTION, message=msg)
        text = json.dumps(view["blocks"])
        assert NOT_FOR_YOU in text and "p=" not in text and "Burnout" not in text
