"""One whole check-in, over signed HTTP against the fake Slack, then the
database read as an attacker would."""

from __future__ import annotations

import json

from scipy.stats import spearmanr
from sqlalchemy import text

from bot.services import outbox
from tests.builders import ADMIN, NOBODY, TEAM_A, TEAM_B, click_and_wait

INVITED = TEAM_A + TEAM_B


def _slash(stack, user, text_):
    r = stack.sender.slash(user, text_)
    assert r.status == 200, r.body
    return r


def _respond_text(fake, user):
    fake.wait_for(lambda: fake.responses_for(user))
    return fake.responses_for(user)[-1]["text"]


def _answer(stack, fake, uid, burnout, comment=None):
    view = click_and_wait(stack, uid, "start_checkin", message=fake.dm_messages(uid)[-1])
    # 3 to every item the round asks, the burnout answer as given.
    answers = {b["block_id"]: 3 for b in view["blocks"] if b.get("block_id", "").startswith("q_")}
    answers["q_burnout"] = burnout
    if comment:
        answers["comment"] = comment
    return stack.sender.submit(uid, view, answers=answers), view


def test_full_round(stack, fake, db):
    # Non-admins are refused and nothing happens.
    r = _slash(stack, NOBODY, "audience add <#CTEAMA0001|team-alpha>")
    assert "only candor admins" in r.json["text"]
    r = _slash(stack, ADMIN, "audience list")
    assert "No audience channels" in r.json["text"]

    # Escaped mention and raw id both work.
    _slash(stack, ADMIN, "audience add <#CTEAMA0001|team-alpha>")
    assert "Added" in _respond_text(fake, ADMIN)
    _slash(stack, ADMIN, "audience add CTEAMB0001")
    fake.wait_for(lambda: len(fake.responses_for(ADMIN)) >= 2)
    assert "team-beta" in _slash(stack, ADMIN, "audience list").json["text"]

    _slash(stack, ADMIN, "send now")
    fake.wait_for(lambda: len(fake.responses_for(ADMIN)) >= 3)
    assert "13 people" in fake.responses_for(ADMIN)[-1]["text"]
    outbox.deliver_due(stack.candor)
    for uid in INVITED:
        assert len(fake.dm_messages(uid)) == 1, uid  # exactly once
    for uid in ("UDELETED01", "UBOTUSER01", fake.bot_user_id, ADMIN, NOBODY):
        assert fake.dm_messages(uid) == [], uid
    # Spanish locale gets Spanish.
    assert "chequeo" in fake.dm_messages(TEAM_A[0])[0]["text"].lower()
    assert "anonymous" in json.dumps(fake.dm_messages(TEAM_B[0])[0]["blocks"])

    prompts = {uid: fake.dm_messages(uid)[0] for uid in INVITED}  # before they are updated
    # Everyone answers; order of submission is encoded in the burnout value pattern.
    order, views, thanks = [], {}, {}
    for n, uid in enumerate(INVITED):
        r, view = _answer(stack, fake, uid, 1 + n % 5, comment=f"my caseload is heavy, call me at 555-867-5309 ({n})")
        assert r.status == 200 and r.json["response_action"] == "update", r.body
        assert r.json["view"]["title"]["text"] in ("Thank you", "Gracias")
        order.append(1 + n % 5)
        views[uid], thanks[uid] = view, r
    assert [b.get("block_id") for b in view["blocks"]].count("comment") == 1
    # Receipts are off by default: the DM is never edited, so the workspace
    # export can't tell who answered. The thank-you says it in the modal.
    assert not fake.calls_to("chat.update")
    assert fake.dm_messages(TEAM_B[2])[-1] == prompts[TEAM_B[2]]
    # Everyone's thank-you is the same size: its size says nothing of the answers.
    # (TEAM_A[0] reads Spanish, whose words differ in length.)
    sizes = {len(thanks[u].body) for u in INVITED if u != TEAM_A[0]}
    assert len(sizes) == 1, sizes

    # A second answer is refused kindly and not counted.
    view = click_and_wait(stack, TEAM_A[3], "start_checkin", message=prompts[TEAM_A[3]])
    assert "already answered" in json.dumps(view).lower()
    r = stack.sender.submit(TEAM_A[3], views[TEAM_A[3]], answers={"q_burnout": 5, "q_intent_to_stay": 1})
    assert r.status == 200 and "already answered" in json.dumps(r.json).lower()

    status = _slash(stack, ADMIN, "status").json["text"]
    assert "10–19" in status and "13" in status  # banded, never exact

    _slash(stack, ADMIN, "close now")
    fake.wait_for(lambda: "closed" in fake.responses_for(ADMIN)[-1]["text"])
    # A click after close says the round has closed.
    view = click_and_wait(stack, TEAM_B[0], "start_checkin", message=prompts[TEAM_B[0]])
    assert "has closed" in json.dumps(view)

    # --- the attacker's view of the database --------------------------------
    with db.engine.connect() as c:
        dump = {}
        for table in ("responses", "comments", "sealed_ballots", "participation", "team_counts"):
            dump[table] = [tuple(map(str, r)) for r in c.execute(text(f"SELECT * FROM {table}"))]
        order_col = "ctid" if db.is_postgres else "id"
        stored = [v for (v,) in c.execute(text(
            f"SELECT value FROM responses WHERE question_key='burnout' ORDER BY {order_col}"))]
    blob = json.dumps(dump)
    for uid in INVITED:
        assert uid not in blob
    assert dump["sealed_ballots"] == [] and dump["participation"] == []
    assert "555-867-5309" not in blob and "caseload" not in blob  # encrypted and scrubbed
    assert sorted(stored) == sorted(order)
    assert len(stored) == len(INVITED)  # the duplicate did not count
    # Stored in random order: the submission order would give |rho| = 1. A
    # uniform shuffle of 13 reaches 0.85 about once in 2,500 runs (0.6, the
    # old bound, about once in 30: a flaky test, not a leak).
    rho = spearmanr(order, stored)[0]
    assert abs(rho) < 0.85
    with db.session() as s:
        from storage.models import Round
        comments = stack.candor.box.read_comments(s, s.query(Round).one().id)
    assert all("[phone]" in x and "555" not in x for x in comments)


def test_requests_not_signed_by_slack_are_refused(stack):
    s = stack.sender
    assert s.slash(ADMIN, "help").status == 200
    assert s.slash(ADMIN, "help", signing_secret="not-the-secret").status == 401
    import time

    assert s.slash(ADMIN, "help", timestamp=int(time.time()) - 600).status == 401
    assert s.slash(ADMIN, "help", signature="v0=deadbeef").status == 401


def test_non_admins_get_help_and_refusals_in_their_language(stack):
    s = stack.sender
    es = s.slash(TEAM_A[0], "help").json["text"]  # es-ES locale
    assert "pausar" in es and "audience" not in es
    en = s.slash(TEAM_B[0], "help").json["text"]
    assert "stop your check-ins" in en and "audience" not in en
    assert "audience add" in s.slash(ADMIN, "help").json["text"]
    assert "Lo siento" in s.slash(TEAM_A[0], "send now").json["text"]


def test_slack_trouble_during_an_admin_check_is_not_a_refusal(stack, fake):
    fake.inject("users.info", status=503, count=20)
    r = stack.sender.slash("UADMIN0001", "audience list")
    assert r.status == 200
    assert "Slack didn't answer" in r.json["text"] and "only candor admins" not in r.json["text"]
    fake.clear_faults()
    assert "No audience channels" in stack.sender.slash("UADMIN0001", "audience list").json["text"]
