"""The demo's stay pulse and exit check-in (issue 14): one open question to
everyone, posted from the comment threshold; an exit offer that stays sealed."""

from __future__ import annotations

import random

REASONS = (
    "My supervisor makes time for reflective supervision every week, even when it's busy.",
    "The team. We cover for each other after hard sessions.",
    "I believe in the mission and the clients I see.",
    "Flexible hours let me pick up my kids, I couldn't get that elsewhere.",
    "Honestly the pay is the only thing that would draw me away; the work is meaningful.",
    "Good training and a path to licensure, my hours count here.",
    "My caseload is finally manageable since the waitlist changes.",
    "Leaders here actually know clinical work and back us up.",
    "I stay for my colleagues, not for the documentation load.",
    "Remote notes days make the paperwork bearable.",
)


def run_stay_pulse(say, stack, admin: str, leaders: str, people: list[str],
                   rng: random.Random, render) -> None:
    from bot.services import outbox

    fake, s = stack.fake, stack.sender

    def _slow(text: str) -> str:
        """A slow /candor command: acked at once, answered by response_url."""
        n = len(fake.responses_for(admin))
        s.slash(admin, text)
        fake.wait_for(lambda: len(fake.responses_for(admin)) > n)
        return fake.responses_for(admin)[-1]["text"]

    say("\n== A stay pulse: one anonymous open question to everyone ==")
    say("Admin: " + _slow("pulse stay"))
    outbox.deliver_due(stack.candor)
    for uid in people:
        if rng.random() > 0.7:
            continue
        n = len(fake.views_opened)
        s.click(uid, "start_checkin", message=fake.dm_messages(uid)[-1])
        fake.wait_for(lambda n=n: len(fake.views_opened) > n)
        s.submit(uid, fake.last_opened_view(uid), answers={"comment": rng.choice(REASONS)})
    before = len(fake.channel_messages(leaders))
    say("Admin: " + _slow("pulse close"))
    fake.wait_for(lambda: len(fake.channel_messages(leaders)) > before)
    say("\n-- The stay pulse, as posted to the leaders' channel --")
    say(render(fake.channel_messages(leaders)[-1].get("blocks", [])))

    leaver = people[-1]
    say("\n== An exit check-in, offered to someone who is leaving ==")
    say("Admin: " + _slow(f"pulse exit <@{leaver}>"))
    outbox.deliver_due(stack.candor)
    say("The leaver's DM:\n  | " + render(fake.dm_messages(leaver)[-1].get("blocks", []))
        .replace("\n", "\n  | "))
    say("Admin: " + s.slash(admin, "pulse").json["text"].replace("\n", "\n  "))

