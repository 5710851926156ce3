"""Role and tenure through the submit service: only known keys are sealed,
and a ballot with them is the same size as one without."""

from __future__ import annotations

import json

from sqlalchemy import select

from bot.services import ballots
from storage.keys import unseal
from storage.models import SealedBallot
from tests.builders import TEAM_A, open_round


def _ticket(fake, uid: str) -> str:
    msg = fake.dm_messages(uid)[-1]
    return next(e["value"] for b in msg["blocks"] for e in b.get("elements", [])
                if e.get("action_id") == "start_checkin")


def test_only_known_roles_and_tenures_are_sealed(stack, fake, db):
    open_round(stack)
    c = stack.candor
    form = ballots.checkin_form(c, fake.team_id, _ticket(fake, TEAM_A[1]))
    answers = {q.key: 3 for q in form.questions}
    picks = [{"role": "peer", "tenure": "lt1"}, {"role": "ceo", "tenure": "gt5"},
             {"role": "licensed", "tenure": "forever"}, None]
    for uid, seg in zip(TEAM_A[1:5], picks, strict=True):
        ballots.record_ballot(c, fake.team_id, _ticket(fake, uid), answers, None, "en",
                              segments=seg)
    with db.session() as s:
        sealed = list(s.scalars(select(SealedBallot.sealed)))
    assert len({len(t) for t in sealed}) == 1  # one size, with or without them
    got = sorted((b["r"] or "-", b["y"] or "-")
                 for b in (json.loads(unseal(c.box._ballots, t)) for t in sealed))
    assert got == sorted([("peer", "lt1"), ("-", "gt5"), ("licensed", "-"), ("-", "-")])

