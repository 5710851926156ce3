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
STS = [f"proqol_{n}" for n in (2, 5, 7, 9, 11, 13, 14, 23, 25, 28)]


def _past_rounds(c, team, numbers, module_round, day_of=lambda n: 2 * (n - 1), module=CBI):
    """Closed rounds, by default one every 2 days from START; ``module_round``
    carried ``module``'s items (CBI unless said)."""
    with c.db.session() as s:
        for n in numbers:
            opened = START + timedelta(days=day_of(n))
            keys = ["burnout", "intent_to_stay"] + (module if n == module_round else [])
            s.add(Round(team_id=team, number=n, status="closed", opened_at=opened,
                        closes_at=opened + timedelta(days=1), closed_at=opened + timedelta(days=1),
                        question_keys=keys, invited=5, published=[]))


def _modules_in(c, team) -> set[str]:
    rnd = rounds.open_round(c, team)
    ballots.close_round(c, team)
    return {m for m in map(module_of, rnd.question_keys) if m}


def _carries_module(c, team) -> bool:
    return "cbi_work" in _modules_in(c, team)


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


def test_proqol_takes_its_turn_and_counts_towards_the_gap(stack, fake):
    """With CBI and ProQOL STS on, a ProQOL round holds the next module off
    for 25 days like any module, and ProQOL gets its turn in rotation."""
    c, team = stack.candor, fake.team_id
    stack.sender.slash(ADMIN, "audience add CTEAMB0001")
    fake.wait_for(lambda: any("Added" in r.get("text", "") for r in fake.responses_for(ADMIN)))
    for m in ("cbi_work", "proqol_sts"):
        n = len(fake.responses_for(ADMIN))
        stack.sender.slash(ADMIN, f"modules on {m}")
        fake.wait_for(lambda n=n: any("is on" in r.get("text", "")
                                      for r in fake.responses_for(ADMIN)[n:]))
    # Round 4 (day 6) carried ProQOL STS; round 8, 8 days later, is a module
    # turn (ProQOL's) but too soon after it, so it passes.
    _past_rounds(c, team, range(1, 8), module_round=4, module=STS)
    day = [START + timedelta(days=14)]
    c.now = lambda: day[0]
    assert _modules_in(c, team) == set()
    # Rounds 12 (CBI's turn) and 16 (ProQOL's) come after the gap: each
    # carries its own module, and only that one.
    _past_rounds(c, team, range(9, 12), module_round=None, day_of=lambda n: 20)
    day[0] = START + timedelta(days=31)
    assert _modules_in(c, team) == {"cbi_work"}
    _past_rounds(c, team, range(13, 16), module_round=None, day_of=lambda n: 40)
    day[0] = START + timedelta(days=60)
    rnd = rounds.open_round(c, team)
    ballots.close_round(c, team)
    assert [k for k in rnd.question_keys if module_of(k)] == STS
