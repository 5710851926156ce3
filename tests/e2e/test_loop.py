"""Closing the loop over signed HTTP against the fake Slack: a digest posts,
a leader commits an action, its owner is reminded once and marks it done,
the staff summary is previewed then published, the next round's Actions
section shows the action, and the leaders' App Home shows only to leaders.
Forged payloads from non-members change nothing and are refused."""

from __future__ import annotations

import json
import re
from datetime import timedelta

from sqlalchemy import func, select

from bot.blocks.loop import actions_section
from bot.services import digests, loop, outbox, staff_summary
from storage.models import ActionRow, ActionUpdate, Delivery, Round, StaffSummary
from tests.builders import ADMIN, NOBODY, TEAM_A, TEAM_B, click_and_wait, open_round

INVITED = TEAM_A + TEAM_B
OWNER = TEAM_A[2]  # a clinician who owns an action: not in the digest channel
ACTION = "Review and balance caseloads <now> & then"


def _dump(x) -> str:
    return json.dumps(x, ensure_ascii=False)


def _round_of_answers(stack, fake):
    for n, uid in enumerate(INVITED):
        view = click_and_wait(stack, uid, "start_checkin", message=fake.dm_messages(uid)[-1])
        answers = {b["block_id"]: (1 + n % 5 if b["block_id"] == "q_burnout" else 4 - n % 2)
                   for b in view["blocks"] if b.get("block_id", "").startswith("q_")}
        if any(b.get("block_id") == "comment" for b in view["blocks"]):
            answers["comment"] = f"the caseload is heavy this month, week {n % 3}"
        r = stack.sender.submit(uid, view, answers=answers)
        assert r.json["response_action"] == "update", r.body


def _close(stack, fake) -> None:
    before = len(fake.channel_messages("CLEADERS01"))
    stack.sender.slash(ADMIN, "close now")
    fake.wait_for(lambda: len(fake.channel_messages("CLEADERS01")) > before, timeout=15)


def _home(stack, fake, uid) -> str:
    n = len(fake.calls_to("views.publish"))
    stack.sender.app_home_opened(uid)
    fake.wait_for(lambda: len(fake.calls_to("views.publish")) > n)
    return _dump(fake.home_view(uid))


def _count(db, model, *where) -> int:
    with db.session() as s:
        return s.scalar(select(func.count()).select_from(model).where(*where))


def test_the_loop_closes(stack, fake, db):
    c, s = stack.candor, stack.sender
    s.slash(ADMIN, "digest channel <#CLEADERS01|leaders>")
    fake.wait_for(lambda: fake.responses_for(ADMIN))
    rid = open_round(stack, "<#CTEAMA0001|team-alpha>", "<#CTEAMB0001|team-beta>")
    _round_of_answers(stack, fake)
    _close(stack, fake)  # 1. the digest posts

    # 6 (first half). Leaders see their view in App Home; nobody else does.
    fake.wait_for(lambda: _count(db, Round, Round.heatmap_file_id.is_not(None)) == 1)
    leader_home = _home(stack, fake, ADMIN)
    assert "candor · leaders" in leader_home and "Round 1" in leader_home
    assert "Burnout: " in leader_home and "Caseload is manageable: " in leader_home
    # The team heatmap: the very image posted under the digest, by its Slack file id
    # (the fake refuses a slack_file that isn't an image shared in a conversation).
    posted = [f for f in fake.files if f["name"].startswith("candor-teams")]
    assert len(posted) == 1 and posted[0]["channel"] == "CLEADERS01"
    image = next(b for b in fake.home_view(ADMIN)["blocks"] if b["type"] == "image")
    assert image["slack_file"] == {"id": posted[0]["id"]}
    assert image["alt_text"] == posted[0]["alt_txt"]
    other = _home(stack, fake, NOBODY)
    assert "candor · leaders" not in other and posted[0]["id"] not in other

    # 2. A leader commits the digest's suggested action (the Commit button).
    home = fake.home_view(ADMIN)
    value = _dump({"t": ACTION, "a": "workload"})
    view = click_and_wait(stack, ADMIN, "commit_action", view=home, value=value, block_id="leader")
    assert view["callback_id"] == "action_committed"
    due = (c.now() + timedelta(days=10)).date()
    answers = {"text": ACTION, "answers": "theme:workload", "owner": OWNER,
               "due": due.isoformat(), "note": "start with team-beta"}

    # A forged submit from someone outside the digest channel changes nothing.
    r = s.submit(NOBODY, view, answers=answers, apply=False)
    assert "only members of the digest channel" in _dump(r.json)
    assert _count(db, ActionRow) == 0

    r = s.submit(ADMIN, view, answers=answers)
    assert r.json["response_action"] == "update" and "Committed" in _dump(r.json)
    with db.session() as ss:
        action = ss.scalars(select(ActionRow)).one()
        aid = action.id
        assert (action.owner_id, action.due_on, action.status, action.round_id) == \
            (OWNER, due, "planned", rid)
    fake.wait_for(lambda: any("committed an action you own" in m.get("text", "")
                              for m in fake.dm_messages(OWNER)))

    # Forged status changes from a non-member, non-owner: refused, unchanged.
    for who in (NOBODY, TEAM_B[0]):
        r = s.click(who, "action_status.dropped", value=f"{aid}:dropped",
                    channel_id=fake.dm_channel_id(who))
        assert r.status == 200
    fake.wait_for(lambda: sum("only members of the digest channel" in e.get("text", "")
                              for e in fake.ephemerals) >= 2)
    with db.session() as ss:
        assert ss.get(ActionRow, aid).status == "planned"

    # 3. The owner's reminder comes a few days before the due date, once.
    assert loop.remind_due(c) == 0  # 10 days out: too early
    real_now = c.now
    c.now = lambda: real_now() + timedelta(days=8)
    assert loop.remind_due(c) == 1
    assert loop.remind_due(c) == 0  # exactly once
    reminder = [m for m in fake.dm_messages(OWNER) if "Reminder" in m.get("text", "")]
    assert len(reminder) == 1
    assert "&lt;now&gt; &amp; then" in _dump(reminder[0]["blocks"])  # escaped mrkdwn
    s.click(OWNER, "action_status.done", message=reminder[0])
    fake.wait_for(lambda: _count(db, ActionRow, ActionRow.status == "done") == 1)
    assert _count(db, ActionUpdate, ActionUpdate.action_id == aid) == 2  # planned, done

    # 4. The staff summary: previewed, forged confirm refused, then published by DM.
    s.slash(ADMIN, "summary channel dm")
    n = len(fake.views_opened)
    s.slash(ADMIN, "summary")
    fake.wait_for(lambda: len(fake.views_opened) > n)
    pick = fake.last_opened_view(ADMIN)
    assert pick["callback_id"] == "staff_summary_pick", _dump(pick)
    preview = _dump(pick)
    assert "You said, we did" in preview and "team-alpha" not in preview
    n = len(fake.views_opened)
    s.submit(ADMIN, pick, answers={"comments": ["0"]})
    fake.wait_for(lambda: len(fake.views_opened) > n)
    confirm = fake.last_opened_view(ADMIN)
    assert confirm["callback_id"] == "staff_summary_confirm"
    assert "In your words" in _dump(confirm) and "Review and balance caseloads" in _dump(confirm)
    assert _count(db, Delivery, Delivery.kind == "summary") == 0  # nothing sent yet

    r = s.submit(NOBODY, confirm, apply=False)
    assert "only members of the digest channel" in _dump(r.json)
    # Step 1 forged too: refused in place, and no confirmation opens for them.
    n = len(fake.views_opened)
    r = s.submit(NOBODY, pick, answers={"comments": ["0"]}, apply=False)
    assert "only members of the digest channel" in _dump(r.json)
    assert len(fake.views_opened) == n
    assert _count(db, StaffSummary) == 0

    s.submit(ADMIN, confirm)
    fake.wait_for(lambda: any("Published" in m.get("text", "") for m in fake.dm_messages(ADMIN)))
    assert _count(db, Delivery, Delivery.kind == "summary") == len(INVITED)
    staff_summary.deliver_due(c)
    # Each person gets it once, in their own Slack language (UA0000000 is es-ES).
    spanish = {INVITED[0]}
    for uid in INVITED:
        head = "Ustedes dijeron, hicimos" if uid in spanish else "You said, we did"
        got = [m for m in fake.dm_messages(uid)
               if "You said, we did" in m.get("text", "") or "Ustedes dijeron" in m.get("text", "")]
        assert len(got) == 1 and head in got[0]["text"], uid
    es = _dump(next(m for m in fake.dm_messages(INVITED[0])
                    if "Ustedes dijeron" in m.get("text", ""))["blocks"])
    assert "Respondieron 13 de las 13 personas invitadas (100%)" in es
    assert re.search(r"\(\d{1,2} de [a-z]+ de \d{4}\)", es)  # the round's date, in Spanish
    assert "síntomas de agotamiento" in es and "(hecha)" in es and f"<@{OWNER}>" in es
    assert "of you" not in es and "Thank you" not in es
    body = _dump(got[0]["blocks"])
    assert "team-alpha" not in body and "team-beta" not in body
    assert f"<@{OWNER}>" in body and "(done)" in body
    assert "of you reported symptoms of burnout" in body and "13 of 13 people invited" in body
    assert "the caseload is heavy this month" in body  # the one comment the leader picked

    # 5. The next round's Actions section shows the action, what moved and the change.
    s.slash(ADMIN, "send now")
    fake.wait_for(lambda: _count(db, Round, Round.status == "open") == 1)
    outbox.deliver_due(c)
    _round_of_answers(stack, fake)
    _close(stack, fake)
    digest, rid2 = digests.build(c, fake.team_id)
    assert rid2 != rid
    items = loop.section_items(c, fake.team_id, rid2)
    assert [(a.id, a.status, a.moved) for a in items] == [(aid, "done", ("planned", "done"))]
    changes = loop.measure_changes(digest)
    section = _dump(actions_section(items, changes))
    assert "Review and balance caseloads" in section and "Planned → Done" in section
    assert items[0].measure == "workload" and "its measure: " in section
    assert "doesn't show that the action caused it" in section

    # 6. Still leaders only, and the owner sees their own (none open now).
    assert "candor · leaders" in _home(stack, fake, ADMIN)
    for uid in (NOBODY, OWNER):
        assert "candor · leaders" not in _home(stack, fake, uid)


def test_a_forged_commit_button_opens_a_refusal(stack, fake, db):
    s = stack.sender
    s.slash(ADMIN, "digest channel <#CLEADERS01|leaders>")
    fake.wait_for(lambda: fake.responses_for(ADMIN))
    view = click_and_wait(stack, NOBODY, "commit_action", value=_dump({"t": "x", "a": ""}),
                          channel_id="CLEADERS01")
    assert "only members of the digest channel" in _dump(view)
    assert "action_committed" != view.get("callback_id")
    # The staff summary button and command are refused too.
    view = click_and_wait(stack, NOBODY, "open_staff_summary", channel_id="CLEADERS01")
    assert "only members of the digest channel" in _dump(view)
    assert "only candor admins" in s.slash(NOBODY, "summary").json["text"]
    assert _count(db, ActionRow) == 0 and _count(db, StaffSummary) == 0


def test_a_spanish_speaking_owner_gets_the_loop_in_spanish(stack, fake, db):
    """The owner may be any staff member: their DMs, the buttons and the
    confirmation are in their Slack language (TEAM_A[0] is es-ES)."""
    c, s, owner = stack.candor, stack.sender, TEAM_A[0]
    s.slash(ADMIN, "digest channel <#CLEADERS01|leaders>")
    fake.wait_for(lambda: fake.responses_for(ADMIN))
    _home(stack, fake, ADMIN)
    view = click_and_wait(stack, ADMIN, "commit_action", view=fake.home_view(ADMIN),
                          value=_dump({"t": "Proteger la supervisión", "a": "burnout"}),
                          block_id="leader")
    due = (c.now() + timedelta(days=2)).date()
    s.submit(ADMIN, view, answers={"text": "Proteger la supervisión", "answers": "measure:burnout",
                                   "owner": owner, "due": due.isoformat(), "note": ""})
    fake.wait_for(lambda: any("se comprometió con una acción a tu cargo" in m.get("text", "")
                              for m in fake.dm_messages(owner)))
    assert loop.remind_due(c) == 1
    (reminder,) = [m for m in fake.dm_messages(owner) if "Recordatorio" in m.get("text", "")]
    dump = _dump(reminder["blocks"])
    assert "Responde a: Medida:" in dump and "Reminder" not in dump and "Answers" not in dump
    s.click(owner, "action_status.done", message=reminder)
    fake.wait_for(lambda: _count(db, ActionRow, ActionRow.status == "done") == 1)
    fake.wait_for(lambda: any("ahora está hecha" in _dump(m) for m in fake.dm_messages(owner)))
