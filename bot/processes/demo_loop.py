"""The demo's last act: closing the loop, through the same signed requests.

A leader commits the digest's first suggested action from App Home, its
owner is reminded (the clock's job) and marks it done from the DM, the staff
summary is previewed and published by DM, and the Actions section the
next digest carries is printed.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import timedelta

from bot.blocks.loop import COMMIT_ACTION, actions_section
from bot.services import digests, loop, staff_summary


def _opened(stack, uid: str, act: Callable[[], object]) -> dict:
    fake = stack.fake
    n = len(fake.views_opened)
    act()
    fake.wait_for(lambda: len(fake.views_opened) > n)
    return fake.last_opened_view(uid)


def _suggested(home: dict) -> str:
    """The Commit button of the first suggested action in the leaders' view."""
    for b in home.get("blocks", []):
        acc = b.get("accessory") or {}
        if acc.get("action_id") == COMMIT_ACTION:
            return acc["value"]
    return json.dumps({"t": "Protect time for reflective supervision", "a": "supervision"})


def run_loop(say, stack, admin: str, owner: str, clock_now: dict, render) -> None:
    fake, s, c = stack.fake, stack.sender, stack.candor
    say("\n== Closing the loop ==")
    n = len(fake.calls_to("views.publish"))
    s.app_home_opened(admin)
    fake.wait_for(lambda: len(fake.calls_to("views.publish")) > n)
    home = fake.home_view(admin)
    view = _opened(stack, admin, lambda: s.click(admin, COMMIT_ACTION, view=home,
                                                 value=_suggested(home), block_id="leader"))
    answers = next(b for b in view["blocks"] if b.get("block_id") == "answers")["element"]
    chosen = (answers.get("initial_option") or answers["options"][0])["value"]
    due = (clock_now["t"] + timedelta(days=10)).date()
    s.submit(admin, view, answers={"answers": chosen, "owner": owner, "due": due.isoformat(),
                                   "note": "Start with the crisis team's rota."})
    say(f"Leader committed an action, owned by <@{owner}>, due {due:%d %B}.")

    clock_now["t"] += timedelta(days=8)
    loop.remind_due(c)  # what `candor clock` does every 15 s
    reminder = [m for m in fake.dm_messages(owner) if "Reminder" in m.get("text", "")][-1]
    say("\n-- The owner's reminder DM --\n" + render(reminder["blocks"]))
    s.click(owner, "action_status.done", message=reminder)
    fake.wait_for(lambda: not loop.open_items(c, fake.team_id))
    say("The owner pressed Done.")

    s.slash(admin, "summary channel dm")
    view = _opened(stack, admin, lambda: s.slash(admin, "summary"))
    if view["callback_id"] == "staff_summary_pick":
        view = _opened(stack, admin, lambda: s.submit(admin, view, answers={}))
    say("\n-- The staff summary preview the leader confirmed --\n" + render(view["blocks"]))
    s.submit(admin, view)
    fake.wait_for(lambda: any("Published" in m.get("text", "") for m in fake.dm_messages(admin)))
    sent = staff_summary.deliver_due(c, limit=500)
    say(f"Staff summary DMs sent at Slack's pace: {sent.get('sent', 0)}")

    digest, rid = digests.build(c, fake.team_id)
    section = actions_section(loop.section_items(c, fake.team_id, rid),
                              loop.measure_changes(digest))
    say("\n-- The digest's Actions section --\n" + render(section))
