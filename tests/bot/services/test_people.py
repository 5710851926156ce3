"""The comment scrubber of a web process follows roster refreshes made by
another process (the clock), without compiling on a submit's path."""

from __future__ import annotations

import threading
import time
from datetime import timedelta

from bot.context import utcnow
from bot.services import people
from storage import workspaces
from storage.models import Person
from tests.builders import open_round


def test_a_roster_refreshed_elsewhere_is_warmed_off_the_request_path(stack, fake, db):
    c = stack.candor
    open_round(stack)
    team = fake.team_id
    before = people.scrubber(c, team)
    assert before.scrub("Zenobia Quartermaine said so") == "Zenobia Quartermaine said so"
    # The clock process refreshes the roster: someone new has joined.
    with db.session() as s:
        s.add(Person(team_id=team, user_id="UNEW000001",
                     names=["Zenobia Quartermaine", "zenobia.q"], active=True))
        workspaces.update(s, team, roster_refreshed_at=utcnow() + timedelta(seconds=1))
    stop = threading.Event()
    people.keep_scrubbers_warm(c, every=0.05, stop=stop)
    try:
        deadline = time.monotonic() + 10
        while c.cache["scrubber"][team][1] is before:
            assert time.monotonic() < deadline, "the warmer never rebuilt the scrubber"
            time.sleep(0.02)
    finally:
        stop.set()
    warmed = c.cache["scrubber"][team][1]
    # What a submit gets now is the warmed one, not a fresh compile.
    assert people.scrubber(c, team) is warmed
    assert warmed.scrub("Zenobia Quartermaine said so") == "[name] said so"
