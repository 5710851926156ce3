"""Long modules come at most about monthly, even when rounds are sent by hand
(which rotate as weekly: every 4th round would otherwise bring one every few
days)."""

from __future__ import annotations

from datetime import datetime, timedelta

from analytics.instruments import module_of
from bot.services import ballots, rounds
from storage.models import Round
from tests.builders import ADMIN

START = datetime(2026, 3, 2, 15, 0)
CBI = [f"cbi_work_{i}" for i in range(1, 8)]


def _past_rounds(c, team, numbers, module_round, day_of=lambda n: 2 * (n - 1)):
    """Closed rounds, by default one every 2 days from START; ``module_round``
    carried CBI."""
    with c.db.session() as s:
        for n in numbers:
            opened = START + timedelta(days=day_of(n))
            keys = ["burnout", "intent_to_stay"] + (CBI if n == module_round else [])
            s.add(Round(team_id=team, number=n, status="closed", opened_at=opened,
                        closes_at=opened + timedelta(days=1), closed_at=opened + timedelta(days=1),
                        question_keys=keys, invited=5, published=[]))


def _carries_module(c, team) -> bool:
    rnd = rounds.open_round(c, team)
    ballots.close_round(c, team)
    return any(module_of(k) == "cbi_work" for k in rnd.question_keys)


def test_hand_sent_rounds_bring_a_module_at_most_every_25_days(stack, fake):
    c, team = stack.candor, fake.team_id
    stack.sender.slash(ADMIN, "audience add CTEAMB0001")
    stack.sender.slash(ADMIN, "modules on cbi_work")
    fake.wait_for(lambda: any("is on" in r.get("text", "") for r in fake.responses_for(ADMIN)))
    fake.wait_for(lambda: any("Added" in r.get("text", "") for r in fake.responses_for(ADMIN)))
    # Rounds sent by hand every 2 days rotate as weekly: 4, 8, 12 … are module
    # turns. Round 4 (day 6) carried CBI.
    _past_rounds(c, team, range(1, 8), module_round=4)
    day = [START + timedelta(days=14)]  # round 8, 8 days after round 4
    c.now = lambda: day[0]
    assert not _carries_module(c, team)
    _past_rounds(c, team, range(9, 16), module_round=None)
    day[0] = START + timedelta(days=6) + rounds.MODULE_GAP - timedelta(minutes=1)
    assert not _carries_module(c, team)  # round 16, just under 25 days after round 4
    _past_rounds(c, team, range(17, 20), module_round=None, day_of=lambda n: 30)
    day[0] = START + timedelta(days=6) + rounds.MODULE_GAP  # round 20: 25 days on
    assert _carries_module(c, team)
