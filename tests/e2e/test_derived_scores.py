"""Multi-item scales end to end: the Copenhagen work-related burnout module
(a 0–100 mean, item 4 reversed) and the ProQOL secondary-traumatic-stress
module (a 10–50 sum), answered through signed view_submissions against the
fake Slack, scored per respondent before the ballot is sealed, stored as
their own answer at close, and reported in the digest. Expected values are
worked by hand below."""

from __future__ import annotations

import json
from collections import Counter

from sqlalchemy import text

from bot.services import outbox
from tests.builders import ADMIN, TEAM_A, TEAM_B, click_and_wait

INVITED = TEAM_A + TEAM_B  # 13 people

# Answers to CBI work items 1–7, stored 1–5 (item 4, "enough energy for
# family and friends", is reverse-scored). Points: 1→0, 2→25, 3→50, 4→75, 5→100.
PATTERNS = [
    # 75 75 50 | 4 is 2, reversed to 4: 75 | 75 50 75 -> 475 / 7 = 67.86 -> 68
    ((4, 4, 3, 2, 4, 3, 4), 68),
    # 0 0 0 | 5 reversed to 1: 0 | 0 0 0 -> 0
    ((1, 1, 1, 5, 1, 1, 1), 0),
    # all "sometimes"/"somewhat": 50 each, the reversed 3 stays 3 -> 50
    ((3, 3, 3, 3, 3, 3, 3), 50),
    # 25 25 25 | 3 reversed: 50 | 50 25 25 -> 225 / 7 = 32.14 -> 32
    ((2, 2, 2, 3, 3, 2, 2), 32),
    # 100 100 75 | 1 reversed to 5: 100 | 100 100 100 -> 675 / 7 = 96.43 -> 96
    ((5, 5, 4, 1, 5, 5, 5), 96),
]
# Without the reverse key, pattern 0 would score (475 - 75 + 25) / 7 = 60.7 -> 61
# and pattern 1 would score 100 / 7 = 14: the stored values below would differ.


def _texts(fake):
    return [r.get("text", "") for r in fake.responses_for(ADMIN)]


def _say(stack, fake, command, expect):
    r = stack.sender.slash(ADMIN, command)
    assert r.status == 200, r.body
    if expect not in (r.json or {}).get("text", ""):
        fake.wait_for(lambda: any(expect in t for t in _texts(fake)))


def _module_round(stack, fake, module: str) -> None:
    _say(stack, fake, "digest channel <#CLEADERS01|leaders>", "Digests will be posted")
    _say(stack, fake, "audience add <#CTEAMA0001|team-alpha>", "Added")
    n = len(_texts(fake))
    stack.sender.slash(ADMIN, "audience add CTEAMB0001")
    fake.wait_for(lambda: any("Added" in t for t in _texts(fake)[n:]))
    # Monthly: every round may carry a module (weekly would wait for round 4).
    _say(stack, fake, "schedule monthly monday 09:00", "onthly")
    _say(stack, fake, f"modules on {module}", "is on")
    _say(stack, fake, "send now", "is open")
    outbox.deliver_due(stack.candor)


def test_cbi_work_score_from_submit_to_digest(stack, fake, db):
    _module_round(stack, fake, "cbi_work")

    expected = []
    for i, uid in enumerate(INVITED):
        items, score = PATTERNS[i % len(PATTERNS)]
        view = click_and_wait(stack, uid, "start_checkin", message=fake.dm_messages(uid)[-1])
        ids = [b.get("block_id", "") for b in view["blocks"]]
        assert [f"q_cbi_work_{j}" for j in range(1, 8)] == [b for b in ids if "cbi_work" in b]
        assert "q_cbi_work" not in ids  # the score is computed, never asked
        answers = {b: "3" for b in ids if b.startswith("q_")}
        answers.update({f"q_cbi_work_{j}": str(v) for j, v in enumerate(items, 1)})
        r = stack.sender.submit(uid, view, answers=answers)
        assert r.status == 200 and r.json["response_action"] == "update", r.body
        expected.append(score)

    _say(stack, fake, "close now", "closed")
    with db.engine.connect() as c:
        stored = [v for (v,) in c.execute(text(
            "SELECT value FROM responses WHERE question_key = 'cbi_work'"))]
        item4 = [v for (v,) in c.execute(text(
            "SELECT value FROM responses WHERE question_key = 'cbi_work_4'"))]
    # One derived score per respondent, exactly the hand-computed values.
    assert Counter(stored) == Counter(expected) == Counter({68: 3, 0: 3, 50: 3, 32: 2, 96: 2})
    # The items stay available, as answered (not reversed in storage).
    assert Counter(item4) == Counter(PATTERNS[i % 5][0][3] for i in range(len(INVITED)))

    # The digest reports the share scoring 50 or more: patterns 0, 2 and 4,
    # 3 + 3 + 2 = 8 of 13 = 61.5% -> 62%.
    fake.wait_for(lambda: fake.channel_messages("CLEADERS01"), timeout=10)
    msg = fake.channel_messages("CLEADERS01")[0]
    assert "Work-related burnout (CBI) (scoring 50 or more): 62%" in msg["text"]
    assert "Work-related burnout (CBI)" in json.dumps(msg["blocks"])


# ProQOL 5 secondary traumatic stress: items 2, 5, 7, 9, 11, 13, 14, 23, 25,
# 28 of the form, answered 1 (Never) … 5 (Very Often), none reversed; the
# score is their sum. Stamm 2010: 42 or more is high.
STS_ITEMS = [f"proqol_{n}" for n in (2, 5, 7, 9, 11, 13, 14, 23, 25, 28)]
STS_PATTERNS = [
    ((5, 5, 4, 5, 4, 5, 4, 4, 3, 3), 42),  # 5+5+4+5+4+5+4+4+3+3 = 42: high, just
    ((1,) * 10, 10),                        # all Never: 10, the floor
    ((3,) * 10, 30),                        # all Sometimes: 30, moderate
    ((4,) * 9 + (5,), 41),                  # 9 x 4 + 5 = 41: moderate, just
    ((5,) * 10, 50),                        # all Very Often: 50, the ceiling
]


def test_proqol_sts_is_asked_summed_and_reported(stack, fake, db):
    _module_round(stack, fake, "proqol_sts")
    expected = []
    for i, uid in enumerate(INVITED):
        items, score = STS_PATTERNS[i % len(STS_PATTERNS)]
        view = click_and_wait(stack, uid, "start_checkin", message=fake.dm_messages(uid)[-1])
        ids = [b.get("block_id", "") for b in view["blocks"]]
        # Turning the module on put its ten items in the check-in, in the
        # form's order, with the form's answers; the score is never asked.
        assert [b for b in ids if b.startswith("q_proqol")] == [f"q_{k}" for k in STS_ITEMS]
        block = next(b for b in view["blocks"] if b.get("block_id") == "q_proqol_11")
        shown = (block["label"]["text"], block["element"]["options"][-1]["text"]["text"])
        assert shown in {  # the clinician's language
            ('Because of my helping, I have felt "on edge" about various things.', "Very Often"),
            ('Por mi labor de ayuda, me he sentido "con los nervios de punta" por varias cosas.',
             "Muy a menudo")}
        assert len(view["blocks"]) < 100  # Slack's limit for a modal
        answers = {b: "3" for b in ids if b.startswith("q_")}
        answers.update({f"q_{k}": str(v) for k, v in zip(STS_ITEMS, items, strict=True)})
        r = stack.sender.submit(uid, view, answers=answers)
        assert r.status == 200 and r.json["response_action"] == "update", r.body
        expected.append(score)

    _say(stack, fake, "close now", "closed")
    with db.engine.connect() as c:
        stored = [v for (v,) in c.execute(text(
            "SELECT value FROM responses WHERE question_key = 'proqol_sts'"))]
    assert Counter(stored) == Counter(expected) == Counter({42: 3, 10: 3, 30: 3, 41: 2, 50: 2})
    # The digest reports the share scoring high: patterns 0 and 4, 3 + 2 = 5
    # of 13 = 38.5% -> 38% (41 is moderate, not counted).
    fake.wait_for(lambda: fake.channel_messages("CLEADERS01"), timeout=10)
    msg = fake.channel_messages("CLEADERS01")[0]
    assert "Secondary traumatic stress (ProQOL) (scoring high, 42 or more): 38%" in msg["text"]
