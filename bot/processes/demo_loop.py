"""The demo's loop, over its four rounds, through the same signed requests:

- after round 2's digest a leader commits an action from App Home, and
  previews then publishes the staff summary (each clinician gets it by DM,
  in their own language);
- during round 3 the owner marks it in progress from App Home, and round 3's
  digest carries it in its Actions section;
- when round 4 opens the owner is reminded (the clock's job) and marks it
  done from the DM; round 4's digest shows it with its measure's change;
- last, the leaders' view in App Home.
"""

from __future__ import annotations

import json
import textwrap
from collections.abc import Callable
from datetime import timedelta

from bot.blocks.loop import COMMIT_ACTION, NO_CAUSE
from bot.services import loop, staff_summary

COMMIT_AFTER, WORK_DURING, DONE_DURING = 1, 2, 3  # 0-based rounds


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


def actions_part(blocks: list[dict]) -> list[dict]:
    """The Actions section of a posted digest, as posted."""
    start = next((i for i, b in enumerate(blocks)
                  if (b.get("text") or {}).get("text") == "*Actions*"), None)
    if start is None:
        return []
    end = next((i for i in range(start, len(blocks))
                if NO_CAUSE in json.dumps(blocks[i], ensure_ascii=False)), len(blocks) - 1)
    return blocks[start:end + 1]


class DemoLoop:
    """Hooks the demo calls as its rounds go by."""

    def __init__(self, say, stack, admin: str, owner: str, staff: dict[str, str],
                 clock_now: dict, render, leaders_channel: str) -> None:
        self.say, self.stack, self.admin, self.owner = say, stack, admin, owner
        self.staff, self.clock_now, self.render = staff, clock_now, render
        self.leaders_channel = leaders_channel

    def _home(self, uid: str) -> dict:
        fake = self.stack.fake
        n = len(fake.calls_to("views.publish"))
        self.stack.sender.app_home_opened(uid)
        fake.wait_for(lambda: len(fake.calls_to("views.publish")) > n)
        return fake.home_view(uid)

    def _show(self, title: str, blocks: list[dict]) -> None:
        self.say(f"\n-- {title} --\n" + textwrap.indent(self.render(blocks), "  | "))

    def during_round(self, r: int) -> None:
        if r == WORK_DURING:
            self._owner_starts()
        elif r == DONE_DURING:
            self._reminder_and_done()

    def after_close(self, r: int) -> None:
        if r == COMMIT_AFTER:
            self._commit()
            self._summary()
        elif r > COMMIT_AFTER:
            digest = self.stack.fake.channel_messages(self.leaders_channel)
            posted = [m for m in digest if m.get("blocks")]
            part = actions_part(posted[-1]["blocks"]) if posted else []
            if part and r < DONE_DURING:  # round 4's digest is shown whole below
                self._show(f"Round {r + 1}'s digest: its Actions section", part)

    # -- the steps -----------------------------------------------------------------

    def _commit(self) -> None:
        s, admin = self.stack.sender, self.admin
        self.clock_now["t"] += timedelta(hours=2)  # leaders read the digest later that day
        home = self._home(admin)
        view = _opened(self.stack, admin, lambda: s.click(
            admin, COMMIT_ACTION, view=home, value=_suggested(home), block_id="leader"))
        answers = next(b for b in view["blocks"] if b.get("block_id") == "answers")["element"]
        # Burnout is asked every round, so every later digest can say how it moved.
        values = [o["value"] for o in answers["options"]]
        chosen = "measure:burnout" if "measure:burnout" in values else values[0]
        due = (self.clock_now["t"] + timedelta(days=12)).date()
        s.submit(admin, view, answers={"answers": chosen, "owner": self.owner,
                                       "due": due.isoformat(),
                                       "note": "Start with the crisis team's rota."})
        action = next(b for b in view["blocks"] if b.get("block_id") == "text")
        text = action["element"].get("initial_value", "")
        self.say(f"\nA leader read the digest and committed, from App Home, to “{text}”, "
                 f"owned by <@{self.owner}>, due {due:%d %B}.")

    def _summary(self) -> None:
        fake, s, admin, c = self.stack.fake, self.stack.sender, self.admin, self.stack.candor
        s.slash(admin, "summary channel dm")
        view = _opened(self.stack, admin, lambda: s.slash(admin, "summary"))
        if view["callback_id"] == "staff_summary_pick":
            view = _opened(self.stack, admin, lambda: s.submit(admin, view, answers={}))
        self._show("The staff summary preview the leader confirmed", view["blocks"][:2])
        s.submit(admin, view)
        fake.wait_for(lambda: any("Published" in m.get("text", "")
                                  for m in fake.dm_messages(admin)))
        sent = staff_summary.deliver_due(c, limit=500)
        self.say(f"Published. Staff summary DMs sent through the outbox at Slack's pace: "
                 f"{sent.get('sent', 0)}")
        for uid, language in self.staff.items():
            got = [m for m in fake.dm_messages(uid) if m.get("blocks")
                   and m["blocks"][0].get("type") == "header"]
            if got:
                self._show(f"What a clinician got by DM: {language}", got[-1]["blocks"])

    def _owner_starts(self) -> None:
        home = self._home(self.owner)
        button = next((e for b in home.get("blocks", []) if b.get("type") == "actions"
                       for e in b.get("elements", [])
                       if e.get("action_id") == "action_status.in_progress"), None)
        if button is None:
            return
        block = next(b["block_id"] for b in home["blocks"] if button in b.get("elements", []))
        self.stack.sender.click(self.owner, button["action_id"], view=home,
                                value=button["value"], block_id=block)
        self.stack.fake.wait_for(lambda: any(
            a.status == "in_progress" for a in loop.open_items(self.stack.candor,
                                                               self.stack.fake.team_id)))
        self.say(f"\nIn round 3 the owner <@{self.owner}> marked the action "
                 "“In progress” in candor's App Home.")

    def _reminder_and_done(self) -> None:
        fake, c = self.stack.fake, self.stack.candor
        loop.remind_due(c)  # what `candor clock` does every 15 s
        reminders = [m for m in fake.dm_messages(self.owner) if "Reminder" in m.get("text", "")]
        if not reminders:
            return
        self._show("The owner's reminder DM, 3 days before the due date", reminders[-1]["blocks"])
        self.stack.sender.click(self.owner, "action_status.done", message=reminders[-1])
        fake.wait_for(lambda: not loop.open_items(c, fake.team_id))
        self.say("The owner pressed Done in that DM.")

    def finish(self) -> None:
        blocks = self._home(self.admin)["blocks"]
        start = next((i for i, b in enumerate(blocks)
                      if (b.get("text") or {}).get("text") == "candor · leaders"), 0)
        end = next((i for i in range(start, len(blocks)) if blocks[i]["type"] == "divider"),
                   len(blocks))
        self._show("The leaders' view in App Home (digest-channel members only)",
                   blocks[start:end])
