"""Role and tenure over Slack: the admin turns them on, the check-in asks them
as voluntary questions (in the reader's language), the close stores no team x
role x tenure group under k, and the digest shows the views it may."""

from __future__ import annotations

import json
from collections import Counter

from sqlalchemy import text

from bot.services import outbox
from tests.builders import ADMIN, TEAM_A, TEAM_B, click_and_wait

INVITED = TEAM_A + TEAM_B
# Team alpha (8): six licensed clinicians, the team's only peer specialist,
# and one who answers neither; team beta (5): licensed, 2-5 years.
ROLE = {**{u: "licensed" for u in TEAM_A[:6]}, TEAM_A[6]: "peer",
        **{u: "licensed" for u in TEAM_B}}
TENURE = {**{u: "lt1" for u in TEAM_A[:3]}, **{u: "gt5" for u in TEAM_A[3:6]},
          TEAM_A[6]: "lt1", **{u: "2to5" for u in TEAM_B}}


def _texts(fake):
    return [r.get("text", "") for r in fake.responses_for(ADMIN)]


def _setup(stack, fake):
    s = stack.sender
    s.slash(ADMIN, "digest channel <#CLEADERS01|leaders>")
    s.slash(ADMIN, "audience add <#CTEAMA0001|team-alpha>")
    s.slash(ADMIN, "audience add CTEAMB0001")
    fake.wait_for(lambda: sum("Added" in t for t in _texts(fake)) >= 2)
    for dim in ("role", "tenure"):
        r = s.slash(ADMIN, f"segments {dim} on")
        assert "optional" in r.json["text"], r.json
    r = s.slash(ADMIN, "segments label peer Peer support specialist")
    assert "Peer support specialist" in r.json["text"]
    assert "without" in s.slash(ADMIN, "segments label peer <script>").json["text"]
    shown = s.slash(ADMIN, "segments").json["text"]
    assert "Role question:* *on*" in shown and "Peer support specialist" in shown
    s.slash(ADMIN, "send now")
    fake.wait_for(lambda: any("is open" in t for t in _texts(fake)))
    outbox.deliver_due(stack.candor)


def test_role_and_tenure_end_to_end(stack, fake, db):
    _setup(stack, fake)
    for n, uid in enumerate(INVITED):
        view = click_and_wait(stack, uid, "start_checkin", message=fake.dm_messages(uid)[-1])
        ids = {b.get("block_id"): b for b in view["blocks"]}
        assert ids["seg_role"]["optional"] and ids["seg_tenure"]["optional"]
        body = json.dumps(view, ensure_ascii=False)
        if uid == TEAM_A[0]:  # es-ES
            assert "opcional" in body and "Menos de 1 año" in body
        else:
            assert "Answer these only if you want to" in body
            assert "Peer support specialist" in body  # the admin's label
        answers = {b: "3" for b in ids if b and b.startswith("q_")}
        answers["q_burnout"] = str(1 + n % 5)
        if uid in ROLE:
            answers["seg_role"] = ROLE[uid]
        if uid in TENURE:
            answers["seg_tenure"] = TENURE[uid]
        r = stack.sender.submit(uid, view, answers=answers)
        assert r.status == 200 and r.json["response_action"] == "update", r.body
    stack.sender.slash(ADMIN, "close now")
    fake.wait_for(lambda: fake.channel_messages("CLEADERS01"), timeout=10)

    # --- the database, read as an attacker would -----------------------------
    with db.engine.connect() as c:
        rows = list(c.execute(text(
            "SELECT team_label, role, tenure, COUNT(*) FROM responses "
            "WHERE question_key = 'burnout' GROUP BY team_label, role, tenure")))
    groups = Counter({(t, r, y): n for t, r, y, n in rows})
    assert sum(groups.values()) == len(INVITED)
    assert all(n >= 5 for n in groups.values()), groups
    # The only peer specialist on team alpha can't be found.
    assert all(r != "peer" for _, r, _ in groups), groups
    assert groups[("team-beta", "licensed", "2to5")] == 5  # big enough to keep

    # --- the digest -------------------------------------------------------------
    msg = fake.channel_messages("CLEADERS01")[0]
    assert "By role" in msg["text"]
    assert "Licensed clinician (n=" in msg["text"]
    assert "Peer support specialist: fewer than 5 responses" in msg["text"]
    assert "By role" in json.dumps(msg["blocks"])
