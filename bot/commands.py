"""The `/candor` command language. Pure: text in, a Command or a UsageError out."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

CHANNEL_RE = re.compile(r"^<#([CG][A-Z0-9]{2,30})(?:\|([^>]*))?>$|^([CG][A-Z0-9]{2,30})$")
USER_RE = re.compile(r"^<@([UW][A-Z0-9]{2,30})(?:\|[^>]*)?>$|^([UW][A-Z0-9]{2,30})$")
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday")
# ASCII digits only: Python's \d also matches other scripts' digits.
TIME_RE = re.compile(r"^([01]?[0-9]|2[0-3]):([0-5][0-9])$")

HELP = """*candor commands*
*For everyone*
• `/candor help` — this list
• `/candor pause` / `/candor resume` — stop or restart your own check-ins
*For admins*
• `/candor audience add #channel` — invite that channel's members to check-ins (the channel is the team in digests)
• `/candor audience remove #channel` — stop inviting that channel
• `/candor audience list` — show the audience channels
• `/candor digest channel #channel` — where the weekly digest goes
• `/candor digest now` — post the latest closed round's digest
• `/candor digest preview` — show it only to you
• `/candor send now` — open a round now and DM everyone in the audience once
• `/candor close now` — close the open round and open its sealed ballots
• `/candor status` — the open round, invitations, delivery progress and a banded response count
• `/candor schedule` — show the schedule; `/candor schedule weekly|biweekly|monthly <weekday> <HH:MM>`, `/candor schedule window <days>`, `/candor schedule reminder on|off`, `/candor schedule off`
• `/candor questions` — edit the question bank; `/candor questions max <n>`
• `/candor privacy` — show thresholds; `/candor privacy scores <n>`, `/candor privacy comments <n>`
• `/candor resources` — edit the support resources shown after a hard answer"""

USAGE = {
    "audience": "`/candor audience add #channel`, `/candor audience remove #channel` or `/candor audience list`",
    "digest": "`/candor digest channel #channel`, `/candor digest now` or `/candor digest preview`",
    "send": "`/candor send now`",
    "close": "`/candor close now`",
    "schedule": "`/candor schedule`, `/candor schedule weekly|biweekly|monthly <weekday> <HH:MM>` (e.g. `weekly tuesday 10:00`), `/candor schedule window <days>` (1–14), `/candor schedule reminder on|off` or `/candor schedule off`",
    "questions": "`/candor questions` or `/candor questions max <n>` (3–10)",
    "privacy": "`/candor privacy`, `/candor privacy scores <n>` (3 or more) or `/candor privacy comments <n>` (at least the score minimum)",
}

ADMIN_ONLY = {"audience", "digest", "send", "close", "status", "schedule", "questions",
              "privacy", "resources"}


class UsageError(ValueError):
    """Bad arguments; the message says what was wrong and shows correct usage."""


@dataclass(frozen=True)
class Command:
    name: str  # e.g. "audience.add"
    args: dict = field(default_factory=dict)

    @property
    def group(self) -> str:
        return self.name.split(".")[0]

    @property
    def admin_only(self) -> bool:
        return self.group in ADMIN_ONLY


def parse_channel(token: str, group: str) -> tuple[str, str | None]:
    m = CHANNEL_RE.match(token.strip())
    if not m:
        raise UsageError(
            f"`{token[:40]}` isn't a channel I can read. Mention it with # so Slack links it, "
            f"or give its ID (like C0123ABCD). Usage: {USAGE[group]}"
        )
    if m.group(3):
        return m.group(3), None
    return m.group(1), (m.group(2) or None)


def _int(token: str, lo: int, hi: int, group: str, what: str) -> int:
    if not re.fullmatch(r"[0-9]{1,4}", token):
        raise UsageError(f"{what} must be a whole number from {lo} to {hi}. Usage: {USAGE[group]}")
    n = int(token)
    if not lo <= n <= hi:
        raise UsageError(f"{what} must be from {lo} to {hi}; got {n}. Usage: {USAGE[group]}")
    return n


def parse(text: str) -> Command:
    words = (text or "").strip().split()
    if not words or words[0].lower() == "help":
        return Command("help")
    head, rest = words[0].lower(), words[1:]
    low = [w.lower() for w in rest]

    if head in ("pause", "resume", "status", "resources"):
        if not rest:
            return Command(head)
        raise UsageError(f"`/candor {head}` takes no arguments. Usage: `/candor {head}`")
    if head == "audience":
        if low[:1] == ["list"] and len(rest) == 1:
            return Command("audience.list")
        if low[:1] in (["add"], ["remove"]) and len(rest) == 2:
            cid, name = parse_channel(rest[1], "audience")
            return Command(f"audience.{low[0]}", {"channel": cid, "name": name})
        raise UsageError(f"Usage: {USAGE['audience']}")
    if head == "digest":
        if low[:1] == ["channel"] and len(rest) == 2:
            cid, name = parse_channel(rest[1], "digest")
            return Command("digest.channel", {"channel": cid, "name": name})
        if low in (["now"], ["preview"]):
            return Command(f"digest.{low[0]}")
        raise UsageError(f"Usage: {USAGE['digest']}")
    if head in ("send", "close"):
        if low == ["now"]:
            return Command(f"{head}.now")
        raise UsageError(f"Usage: {USAGE[head]}")
    if head == "schedule":
        if not rest:
            return Command("schedule.show")
        if low == ["off"]:
            return Command("schedule.off")
        if low[0] == "window" and len(rest) == 2:
            return Command("schedule.window", {"days": _int(rest[1], 1, 14, "schedule", "The window")})
        if low[0] == "reminder" and len(rest) == 2 and low[1] in ("on", "off"):
            return Command("schedule.reminder", {"on": low[1] == "on"})
        if low[0] in ("weekly", "biweekly", "monthly") and len(rest) == 3:
            day = low[1]
            match = [d for d in WEEKDAYS if d.startswith(day)] if len(day) >= 3 else []
            if len(match) != 1:
                raise UsageError(
                    f"`{rest[1][:20]}` isn't a weekday (Monday–Friday; weekends are skipped). "
                    f"Usage: {USAGE['schedule']}")
            tm = TIME_RE.match(rest[2])
            if not tm:
                raise UsageError(f"`{rest[2][:20]}` isn't a time like 09:30 (24-hour). Usage: {USAGE['schedule']}")
            return Command("schedule.set", {"every": low[0], "weekday": WEEKDAYS.index(match[0]),
                                            "time": f"{int(tm.group(1)):02d}:{tm.group(2)}"})
        raise UsageError(f"Usage: {USAGE['schedule']}")
    if head == "questions":
        if not rest:
            return Command("questions.edit")
        if low[0] == "max" and len(rest) == 2:
            return Command("questions.max", {"n": _int(rest[1], 3, 10, "questions", "The maximum")})
        raise UsageError(f"Usage: {USAGE['questions']}")
    if head == "privacy":
        if not rest:
            return Command("privacy.show")
        if low[0] in ("scores", "comments") and len(rest) == 2:
            return Command(f"privacy.{low[0]}", {"n": _int(rest[1], 3, 100, "privacy", "The minimum")})
        raise UsageError(f"Usage: {USAGE['privacy']}")
    raise UsageError(f"I don't know `{words[0][:30]}`. Try `/candor help` for the list of commands.")
