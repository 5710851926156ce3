"""The `/candor` command language: one table of every command (its grammar,
help line, usage, who may run it, whether it is slow) and the parser. Pure:
text in, a Command or a UsageError out.

Adding a command: a row in GROUPS (and a parser if its words are new), a
handler in `bot/listeners/commands/candor.py`, and the service it calls.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from analytics.calendar import EVERY, WEEKDAYS
from analytics.thresholds import MAX_THRESHOLD, MIN_SCORE_FLOOR

CHANNEL_RE = re.compile(r"^<#([CG][A-Z0-9]{2,30})(?:\|([^>]*))?>$|^([CG][A-Z0-9]{2,30})$")
# ASCII digits only: Python's \d also matches other scripts' digits.
TIME_RE = re.compile(r"^([01]?[0-9]|2[0-3]):([0-5][0-9])$")
WINDOW_DAYS = (1, 14)
MAX_QUESTIONS = (3, 10)


@dataclass(frozen=True)
class Group:
    """One word after `/candor` and everything the app says about it."""

    head: str
    help: tuple[str, ...]  # lines of `/candor help`
    usage: str = ""
    admin_only: bool = True
    slow: frozenset[str] = frozenset()  # commands acked at once and answered later


# Placeholders are written &lt;like this&gt;: Slack reads a bare <...> as a
# link or mention and drops it.
GROUPS: tuple[Group, ...] = (
    Group("help", ("`/candor help` — this list",), admin_only=False),
    Group("pause", ("`/candor pause` / `/candor resume` — stop or restart your own check-ins",),
          "`/candor pause`", admin_only=False),
    Group("resume", (), "`/candor resume`", admin_only=False),
    Group("audience", (
        "`/candor audience add #channel` — invite that channel's members to check-ins "
        "(the channel is the team in digests)",
        "`/candor audience remove #channel` — stop inviting that channel",
        "`/candor audience list` — show the audience channels"),
        "`/candor audience add #channel`, `/candor audience remove #channel` or "
        "`/candor audience list`", slow=frozenset({"audience.add"})),
    Group("digest", (
        "`/candor digest channel #channel` — where the weekly digest goes",
        "`/candor digest now` — post the latest closed round's digest",
        "`/candor digest preview` — show it only to you"),
        "`/candor digest channel #channel`, `/candor digest now` or `/candor digest preview`",
        slow=frozenset({"digest.channel", "digest.now", "digest.preview"})),
    Group("send", ("`/candor send now` — open a round now and DM everyone in the audience once",),
          "`/candor send now`", slow=frozenset({"send.now"})),
    Group("close", ("`/candor close now` — close the open round and open its sealed ballots",),
          "`/candor close now`", slow=frozenset({"close.now"})),
    Group("status", ("`/candor status` — the open round, invitations, delivery progress and a "
                     "banded response count",), "`/candor status`"),
    Group("schedule", (
        "`/candor schedule` — show the schedule; `/candor schedule weekly|biweekly|monthly "
        "&lt;weekday&gt; &lt;HH:MM&gt;`, `/candor schedule window &lt;days&gt;`, `/candor schedule reminder "
        "on|off`, `/candor schedule off`",),
        "`/candor schedule`, `/candor schedule weekly|biweekly|monthly &lt;weekday&gt; &lt;HH:MM&gt;` (e.g. "
        "`weekly tuesday 10:00`), `/candor schedule window &lt;days&gt;` (1–14), `/candor schedule "
        "reminder on|off` or `/candor schedule off`"),
    Group("questions", ("`/candor questions` — edit the question bank; "
                        "`/candor questions max &lt;n&gt;`",),
          "`/candor questions` or `/candor questions max &lt;n&gt;` (3–10)"),
    Group("privacy", ("`/candor privacy` — show thresholds; `/candor privacy scores &lt;n&gt;`, "
                      "`/candor privacy comments &lt;n&gt;`, `/candor privacy receipts on|off`",),
          "`/candor privacy`, `/candor privacy scores &lt;n&gt;` (3 or more), "
          "`/candor privacy comments &lt;n&gt;` (at least the score minimum) or "
          "`/candor privacy receipts on|off` (mark the DM after a check-in; off by default)"),
    Group("resources", ("`/candor resources` — edit the support resources shown after a hard "
                        "answer",), "`/candor resources`"),
    Group("modules", ("`/candor modules` — optional question modules (Copenhagen burnout, "
                      "ProQOL, psychological safety); `/candor modules on|off &lt;module&gt;`",),
          "`/candor modules` or `/candor modules on|off &lt;module&gt;` (e.g. "
          "`/candor modules on cbi_work`)",
          slow=frozenset({"modules.list", "modules.on", "modules.off"})),
    Group("segments", ("`/candor segments` — the optional role and tenure questions; "
                       "`/candor segments role|tenure on|off`, "
                       "`/candor segments label &lt;role&gt; &lt;text&gt;|default`",),
          "`/candor segments`, `/candor segments role|tenure on|off` or `/candor segments "
          "label &lt;role&gt; &lt;text&gt;|default` (roles: licensed, associate, case_manager, "
          "peer, other)"),
    Group("organization", ("`/candor organization` — the organisation's name in questions; "
                           "`/candor organization &lt;name&gt;`",),
          "`/candor organization` or `/candor organization &lt;name&gt;` (2–80 characters)",
          slow=frozenset({"organization.show"})),
    Group("pulse", ("`/candor pulse stay` — ask everyone one anonymous open question about "
                    "why they stay (rotating); `/candor pulse close` — close it early; "
                    "`/candor pulse exit @person` — offer someone who is leaving an anonymous "
                    "exit check-in, pooled with other leavers'; `/candor pulse` — status",),
          "`/candor pulse stay`, `/candor pulse close`, `/candor pulse exit @person` or "
          "`/candor pulse`",
          slow=frozenset({"pulse.stay", "pulse.close", "pulse.exit"})),
    Group("summary", ("`/candor summary` — preview and publish the \"you said, we did\" staff "
                      "summary of the latest digest; `/candor summary channel #channel|dm` — "
                      "where it goes",),
          "`/candor summary` or `/candor summary channel #channel|dm`"),
)
BY_HEAD = {g.head: g for g in GROUPS}
USAGE = {g.head: g.usage for g in GROUPS if g.usage}
SLOW = frozenset().union(*(g.slow for g in GROUPS))
# Acked before anything else, then the form is opened (views.open, once).
OPENS_FORM = frozenset({"questions.edit", "resources", "summary.preview"})


def _help() -> str:
    everyone = [f"• {line}" for g in GROUPS if not g.admin_only for line in g.help]
    admins = [f"• {line}" for g in GROUPS if g.admin_only for line in g.help]
    return "\n".join(["*candor commands*", "*For everyone*", *everyone, "*For admins*", *admins])


HELP = _help()


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
        return BY_HEAD[self.group].admin_only

    @property
    def slow(self) -> bool:
        return self.name in SLOW

    @property
    def opens_form(self) -> bool:
        return self.name in OPENS_FORM


def usage_error(group: str, what: str = "") -> UsageError:
    return UsageError(f"{what} Usage: {USAGE[group]}" if what else f"Usage: {USAGE[group]}")


def parse_channel(token: str, group: str) -> tuple[str, str | None]:
    m = CHANNEL_RE.match(token.strip())
    if not m:
        raise usage_error(group, f"`{token[:40]}` isn't a channel I can read. Mention it with # "
                                 "so Slack links it, or give its ID (like C0123ABCD).")
    if m.group(3):
        return m.group(3), None
    return m.group(1), (m.group(2) or None)


def _int(token: str, lo: int, hi: int, group: str, what: str) -> int:
    if not re.fullmatch(r"[0-9]{1,4}", token):
        raise usage_error(group, f"{what} must be a whole number from {lo} to {hi}.")
    n = int(token)
    if not lo <= n <= hi:
        raise usage_error(group, f"{what} must be from {lo} to {hi}; got {n}.")
    return n


def normal_time(token: str) -> str | None:
    """"7:05" -> "07:05"; None if it isn't a 24-hour time."""
    tm = TIME_RE.match(token)
    return f"{int(tm.group(1)):02d}:{tm.group(2)}" if tm else None


# -- one parser per group: (original words, lower-cased words) -> Command ----------

def _bare(head: str) -> Callable[[list[str], list[str]], Command]:
    def parse_bare(rest: list[str], low: list[str]) -> Command:
        if not rest:
            return Command(head)
        raise UsageError(f"`/candor {head}` takes no arguments. Usage: `/candor {head}`")
    return parse_bare


def _audience(rest: list[str], low: list[str]) -> Command:
    if low == ["list"]:
        return Command("audience.list")
    if low[:1] in (["add"], ["remove"]) and len(rest) == 2:
        cid, name = parse_channel(rest[1], "audience")
        return Command(f"audience.{low[0]}", {"channel": cid, "name": name})
    raise usage_error("audience")


def _digest(rest: list[str], low: list[str]) -> Command:
    if low[:1] == ["channel"] and len(rest) == 2:
        cid, name = parse_channel(rest[1], "digest")
        return Command("digest.channel", {"channel": cid, "name": name})
    if low in (["now"], ["preview"]):
        return Command(f"digest.{low[0]}")
    raise usage_error("digest")


def _now(head: str) -> Callable[[list[str], list[str]], Command]:
    def parse_now(rest: list[str], low: list[str]) -> Command:
        if low == ["now"]:
            return Command(f"{head}.now")
        raise usage_error(head)
    return parse_now


def _schedule_set(rest: list[str], low: list[str]) -> Command:
    day = low[1]
    match = [d for d in WEEKDAYS if d.startswith(day)] if len(day) >= 3 else []
    if len(match) != 1:
        raise usage_error("schedule", f"`{rest[1][:20]}` isn't a weekday (Monday–Friday; "
                                      "weekends are skipped).")
    hhmm = normal_time(rest[2])
    if hhmm is None:
        raise usage_error("schedule", f"`{rest[2][:20]}` isn't a time like 09:30 (24-hour).")
    return Command("schedule.set", {"every": low[0], "weekday": WEEKDAYS.index(match[0]),
                                    "time": hhmm})


def _schedule(rest: list[str], low: list[str]) -> Command:
    if not rest:
        return Command("schedule.show")
    if low == ["off"]:
        return Command("schedule.off")
    if low[0] == "window" and len(rest) == 2:
        return Command("schedule.window",
                       {"days": _int(rest[1], *WINDOW_DAYS, "schedule", "The window")})
    if low[0] == "reminder" and len(rest) == 2 and low[1] in ("on", "off"):
        return Command("schedule.reminder", {"on": low[1] == "on"})
    if low[0] in EVERY and len(rest) == 3:
        return _schedule_set(rest, low)
    raise usage_error("schedule")


def _questions(rest: list[str], low: list[str]) -> Command:
    if not rest:
        return Command("questions.edit")
    if low[0] == "max" and len(rest) == 2:
        return Command("questions.max",
                       {"n": _int(rest[1], *MAX_QUESTIONS, "questions", "The maximum")})
    raise usage_error("questions")


def _privacy(rest: list[str], low: list[str]) -> Command:
    if not rest:
        return Command("privacy.show")
    if low[0] == "receipts" and len(rest) == 2 and low[1] in ("on", "off"):
        return Command("privacy.receipts", {"on": low[1] == "on"})
    if low[0] in ("scores", "comments") and len(rest) == 2:
        return Command(f"privacy.{low[0]}",
                       {"n": _int(rest[1], MIN_SCORE_FLOOR, MAX_THRESHOLD, "privacy",
                                  "The minimum")})
    raise usage_error("privacy")


def _modules(rest: list[str], low: list[str]) -> Command:
    if not rest:
        return Command("modules.list")
    if low[0] in ("on", "off") and len(rest) == 2:
        return Command(f"modules.{low[0]}", {"module": low[1]})
    raise usage_error("modules")


def _segments(rest: list[str], low: list[str]) -> Command:
    if not rest:
        return Command("segments.show")
    if low[0] in ("role", "tenure") and len(rest) == 2 and low[1] in ("on", "off"):
        return Command("segments.ask", {"dim": low[0], "on": low[1] == "on"})
    if low[0] == "label" and len(rest) >= 3:
        return Command("segments.label", {"role": low[1], "text": " ".join(rest[2:])})
    raise usage_error("segments")


def _organization(rest: list[str], low: list[str]) -> Command:
    if not rest:
        return Command("organization.show")
    return Command("organization.set", {"name": " ".join(rest)})


def _summary(rest: list[str], low: list[str]) -> Command:
    if not rest:
        return Command("summary.preview")
    if low == ["channel", "dm"]:
        return Command("summary.channel", {"channel": None, "name": None})
    if low[:1] == ["channel"] and len(rest) == 2:
        cid, name = parse_channel(rest[1], "summary")
        return Command("summary.channel", {"channel": cid, "name": name})
    raise usage_error("summary")


USER_RE = re.compile(r"^<@([UW][A-Z0-9]{2,30})(?:\|[^>]*)?>$|^([UW][A-Z0-9]{2,30})$")


def _pulse(rest: list[str], low: list[str]) -> Command:
    if not rest:
        return Command("pulse.show")
    if low in (["stay"], ["close"]):
        return Command(f"pulse.{low[0]}")
    if low[0] == "exit" and len(rest) == 2:
        m = USER_RE.match(rest[1].strip())
        if not m:
            raise usage_error("pulse", f"`{rest[1][:40]}` isn't a person I can read. Mention "
                                       "them with @ so Slack links them.")
        return Command("pulse.exit", {"user": m.group(1) or m.group(2)})
    raise usage_error("pulse")


PARSERS: dict[str, Callable[[list[str], list[str]], Command]] = {
    "pause": _bare("pause"), "resume": _bare("resume"), "status": _bare("status"),
    "resources": _bare("resources"), "audience": _audience, "digest": _digest,
    "send": _now("send"), "close": _now("close"), "schedule": _schedule,
    "questions": _questions, "privacy": _privacy, "summary": _summary, "modules": _modules,
    "organization": _organization, "segments": _segments, "pulse": _pulse,
}


def parse(text: str) -> Command:
    words = (text or "").strip().split()
    if not words or words[0].lower() == "help":
        return Command("help")
    parser = PARSERS.get(words[0].lower())
    if parser is None:
        raise UsageError(f"I don't know `{words[0][:30]}`. "
                         "Try `/candor help` for the list of commands.")
    rest = words[1:]
    return parser(rest, [w.lower() for w in rest])
