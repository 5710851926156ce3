"""Workspace settings: schedule, questions, privacy and support resources.

The `/candor` commands and the admin modals share these setters, so both
paths validate the same way. Every setter touches one workspace's rows only.
A refusal is an `Invalid` whose message says what was wrong and shows the
correct usage; the listener shows it ephemerally (or next to a modal field).
"""

from __future__ import annotations

import logging
import re

from analytics.calendar import EVERY, WEEKDAYS, describe, next_send_day
from analytics.instruments import load_bank, render
from analytics.questions import MODULE_EVERY, active_modules
from analytics.scoring import CUSTOM_SCALES
from analytics.thresholds import (
    DEFAULT_MIN_COMMENT_N,
    DEFAULT_MIN_SCORE_N,
    MAX_THRESHOLD,
    MIN_SCORE_FLOOR,
)
from bot.blocks import admin as blocks
from bot.commands import MAX_QUESTIONS, USAGE, WINDOW_DAYS, normal_time
from bot.context import Candor
from bot.i18n import t
from bot.services.errors import Invalid
from storage import workspaces
from storage.models import QuestionRow

MAX_BANK = 60  # keeps the questions modal inside Slack's 100-block limit (4 + one per item)
QUESTION_MAX = 150  # the check-in modal shows a question as an input label (150 chars)
RESOURCES_MAX = 1500
THEME_RE = re.compile(r"^[a-z][a-z0-9_-]{0,31}$")
SUPPORT_EN = load_bank().item("support").text_en  # type: ignore[union-attr]
log = logging.getLogger("candor.services")


def resources_text(ws, lang: str = "en") -> str:
    """The support text every thank-you shows: the admin's, or the default
    (988 and the EAP) in the reader's language."""
    return (ws.resources_text or "").strip() or t(lang, "support.default")


def modal_for(c: Candor, team: str, which: str) -> dict:
    """The settings modal behind a command or an App Home button."""
    with c.db.session() as s:
        ws = workspaces.ensure(s, team)
        match which:
            case "questions":
                return blocks.questions_modal(workspaces.question_rows(s, team), ws.max_questions)
            case "resources":
                return blocks.resources_modal(ws.resources_text, resources_text(ws))
            case "privacy":
                return blocks.thresholds_modal(ws.min_score_n, ws.min_comment_n)
            case "schedule":
                return blocks.schedule_modal(ws.schedule_every, ws.schedule_weekday,
                                            ws.schedule_time, ws.window_days, ws.reminder_on)
    raise ValueError(which)


# -- schedule ------------------------------------------------------------------

def schedule_text(c, team: str) -> str:
    with c.db.session() as s:
        ws = workspaces.ensure(s, team)
        day = next_send_day(ws, c.now())
        text = describe(ws)
    nxt = f"*Next round:* {day:%A %d %B %Y}" if day else "*Next round:* none scheduled"
    return (f"*Schedule:* {text}.\n{nxt}.\nChange it with {USAGE['schedule']}.")


def set_schedule(c, team: str, every: str | None, weekday: int | None, hhmm: str | None) -> str:
    if every is not None:
        if every not in EVERY:
            raise Invalid("How often must be weekly, biweekly or monthly.", "every", USAGE["schedule"])
        if weekday is None or not 0 <= weekday < len(WEEKDAYS):
            raise Invalid("Pick a weekday (Monday–Friday).", "weekday", USAGE["schedule"])
        hhmm = normal_time(hhmm or "")
        if hhmm is None:
            raise Invalid("Pick a time like 09:30 (24-hour).", "time", USAGE["schedule"])
    with c.db.session() as s:
        ws = workspaces.update(s, team, schedule_every=every, schedule_weekday=weekday,
                               schedule_time=hhmm, schedule_anchor=None,
                               schedule_set_at=c.now())
        if every == "biweekly":
            # Every other week counts from the first occurrence from now on.
            workspaces.update(s, team, schedule_anchor=next_send_day(ws, c.now()).isoformat())
    if every is None:
        return "Scheduled rounds are off. Send a round yourself with `/candor send now`.\n" \
            + schedule_text(c, team)
    return "Saved. " + schedule_text(c, team)


def set_window(c, team: str, days: int) -> str:
    lo, hi = WINDOW_DAYS
    if not isinstance(days, int) or not lo <= days <= hi:
        raise Invalid(f"The window must be from {lo} to {hi} days.", "window", USAGE["schedule"])
    with c.db.session() as s:
        every = workspaces.update(s, team, window_days=days).schedule_every
    note = ""
    if (every == "weekly" and days > 7) or (every == "biweekly" and days > 14):
        note = " Note: a round still open when the next one is due is closed first."
    return f"Each round now stays open {days} day{'s' if days != 1 else ''}.{note}"


def set_reminder(c, team: str, on: bool) -> str:
    with c.db.session() as s:
        workspaces.update(s, team, reminder_on=on)
    return ("Reminders are on: people who haven't answered get one gentle reminder mid-window."
            if on else "Reminders are off: each person gets one invitation per round, nothing more.")


# -- privacy -------------------------------------------------------------------

PROTECTS_SCORES = ("Scores (averages and rates) are shown only for groups of at least this many "
                   "respondents, so nobody can work out one person's answers from a small "
                   "group's numbers.")
PROTECTS_COMMENTS = ("Comments are shared only once at least this many people have answered the "
                     "round. Wording and details can point to a person, so comments need a "
                     "bigger crowd than scores.")


def thresholds(c: Candor, team: str) -> tuple[int, int]:
    """(score minimum, comment minimum) of this workspace."""
    with c.db.session() as s:
        ws = workspaces.ensure(s, team)
        return ws.min_score_n, ws.min_comment_n


def privacy_text(c, team: str) -> str:
    n, m = thresholds(c, team)
    with c.db.session() as s:
        receipts = workspaces.ensure(s, team).dm_receipts
    return (f"*Privacy thresholds*\n"
            f"• *Scores: {n}* or more respondents (default {DEFAULT_MIN_SCORE_N}, never below "
            f"{MIN_SCORE_FLOOR}). "
            f"{PROTECTS_SCORES}\n"
            f"• *Comments: {m}* or more respondents (default {DEFAULT_MIN_COMMENT_N}, never "
            f"below the score "
            f"minimum). {PROTECTS_COMMENTS}\n"
            f"• *DM receipts:* {'on' if receipts else 'off'}. "
            f"{RECEIPTS_ON if receipts else RECEIPTS_OFF}\n"
            f"Change with {USAGE['privacy']}.")


RECEIPTS_ON = ("Receipts are on: after a check-in, the invitation DM is edited to say the "
               "answers were sealed. Anyone with a full export of this workspace can then see "
               "who answered, and when.")
RECEIPTS_OFF = ("Receipts are off (the default): the invitation DM is never edited, so the "
                "workspace export doesn't show who answered. People see a thank-you in the "
                "check-in itself.")


def set_receipts(c: Candor, team: str, on: bool) -> str:
    with c.db.session() as s:
        workspaces.update(s, team, dm_receipts=on)
    return RECEIPTS_ON if on else RECEIPTS_OFF


def set_thresholds(c, team: str, scores: int | None = None, comments: int | None = None) -> str:
    with c.db.session() as s:
        ws = workspaces.ensure(s, team)
        n = ws.min_score_n if scores is None else scores
        m = ws.min_comment_n if comments is None else comments
        if not MIN_SCORE_FLOOR <= n <= MAX_THRESHOLD:
            raise Invalid(f"The score minimum must be from {MIN_SCORE_FLOOR} to {MAX_THRESHOLD}.",
                          "scores", USAGE["privacy"])
        if not n <= m <= MAX_THRESHOLD:
            # Raising scores past comments would silently weaken nothing but
            # surprise the admin; ask for the comment minimum to move first.
            first = f" Raise the comment minimum first: `/candor privacy comments {n}`." \
                if comments is None else ""
            raise Invalid(f"The comment minimum ({m}) must be between the score minimum ({n}) "
                          f"and {MAX_THRESHOLD}.{first}", "comments", USAGE["privacy"])
        workspaces.update(s, team, min_score_n=n, min_comment_n=m)
    return f"Saved. Scores need {n}+ respondents; comments need {m}+.\n" + privacy_text(c, team)


# -- questions -----------------------------------------------------------------

def questions_view(c, team: str, notice: str | None = None) -> dict:
    with c.db.session() as s:
        ws = workspaces.ensure(s, team)
        return blocks.questions_modal(workspaces.question_rows(s, team), ws.max_questions, notice)


def set_max_questions(c, team: str, n: int) -> str:
    lo, hi = MAX_QUESTIONS
    if not lo <= n <= hi:
        raise Invalid(f"The maximum must be from {lo} to {hi}.", None, USAGE["questions"])
    with c.db.session() as s:
        workspaces.update(s, team, max_questions=n)
    return (f"Each round now asks up to {n} questions: burnout and intent to stay always, "
            f"plus {n - 2} that rotate through the other enabled questions.")


def change_question(c, team: str, op: str, key: str) -> None:
    """`enable`, `disable`, `up` or `down` one item of this workspace's bank."""
    with c.db.session() as s:
        workspaces.ensure(s, team)
        bank = workspaces.question_rows(s, team)
        i = next((n for n, q in enumerate(bank) if q.key == key), None)
        if i is None:
            raise Invalid("That question isn't in this workspace's bank any more.")
        q = bank[i]
        match op:
            case "enable":
                q.enabled = True
            case "disable":
                if q.required:
                    raise Invalid(f"“{q.text_en[:60]}” is required: burnout and intent to stay "
                                  "are asked every round, so they can't be disabled.")
                q.enabled = False
            case "up" | "down":
                j = i - 1 if op == "up" else i + 1
                if 0 <= j < len(bank):
                    bank[i], bank[j] = bank[j], bank[i]
                # Renumber so positions stay distinct even after custom additions.
                for pos, row in enumerate(bank):
                    row.position = pos
            case _:
                raise Invalid("I don't know that change.")


def add_question(c, team: str, text_en: str | None, text_es: str | None, scale: str | None,
                 theme: str | None) -> str:
    """A custom, not-validated item; its key is returned."""
    en = " ".join((text_en or "").split())
    es = " ".join((text_es or "").split())
    theme = (theme or "").strip().lower() or None
    if len(en) < 5:
        raise Invalid("Write the question in English (at least 5 characters).", "text_en")
    if len(en) > QUESTION_MAX:
        raise Invalid(f"Keep the question under {QUESTION_MAX} characters.", "text_en")
    if len(es) > QUESTION_MAX:
        raise Invalid(f"Keep the Spanish wording under {QUESTION_MAX} characters.", "text_es")
    if scale not in CUSTOM_SCALES:
        raise Invalid("Pick a scale: agreement, frequency, 0–10 likelihood or yes/no.", "scale")
    if theme is not None and not THEME_RE.match(theme):
        raise Invalid("A theme is one short word, like workload.", "theme")
    with c.db.session() as s:
        workspaces.ensure(s, team)
        bank = workspaces.question_rows(s, team)
        if len(bank) >= MAX_BANK:
            raise Invalid(f"The bank holds at most {MAX_BANK} questions. Disable one you no "
                          "longer need instead of adding more.", "text_en")
        if any(q.text_en.casefold() == en.casefold() for q in bank):
            raise Invalid("That question is already in the bank.", "text_en")
        taken = {q.key for q in bank}
        key = next(f"custom_{n}" for n in range(1, MAX_BANK + 2) if f"custom_{n}" not in taken)
        source = "custom: written by a workspace admin; not validated"
        if not es:
            # No translation given: Spanish speakers see the English words, and
            # the bank says so rather than pretending it was translated.
            source += f"; {blocks.NO_SPANISH}"
        workspaces.add_question(s, QuestionRow(team_id=team, key=key, scale=scale, text_en=en, text_es=es or en,
                          theme=theme, required=False, validated=False, builtin=False,
                          source=source, citation="", enabled=True,
                          position=max((q.position for q in bank), default=-1) + 1))
    return key


# -- support resources ---------------------------------------------------------

def set_resources(c, team: str, text: str | None) -> str:
    clean = (text or "").strip()
    if len(clean) > RESOURCES_MAX:
        raise Invalid(f"Keep the resources under {RESOURCES_MAX} characters.", "text")
    with c.db.session() as s:
        # Empty means the default (988 / EAP).
        return resources_text(workspaces.update(s, team, resources_text=clean or None))


# -- the organisation's name and optional question modules ---------------------

ORG_MAX = 80


def _slack_name(c, team: str) -> str | None:
    try:
        name = c.client_for(team).auth_test().get("team")
    except Exception:  # a nicety: without it the items say "my organization"
        log.info("auth.test gave no workspace name", exc_info=True)
        return None
    if not isinstance(name, str):
        return None
    return " ".join(name.split())[:ORG_MAX] or None


def learn_organization(c, team: str) -> str | None:
    """The organisation's name; if no admin has set one, Slack's name for the
    workspace (auth.test) is stored as the default. None if neither is known."""
    with c.db.session() as s:
        name = workspaces.ensure(s, team).org_name
    if name is None and (name := _slack_name(c, team)) is not None:
        with c.db.session() as s:
            workspaces.set_organization(s, team, name)
    return name


def organization_text(c, team: str) -> str:
    name = learn_organization(c, team)
    shown = f"“{name}”" if name else "“my organization” (no name set)"
    return (f"*Organisation name in questions:* {shown}: e.g. “{render(SUPPORT_EN, 'en', name)}”\n"
            f"Change it with {USAGE['organization']}.")


def set_organization(c, team: str, name: str | None) -> str:
    clean = " ".join((name or "").split())
    if not 2 <= len(clean) <= ORG_MAX or any(ch in clean for ch in "<>*_`~"):
        raise Invalid(f"The name must be 2–{ORG_MAX} characters, without < > * _ ` or ~.",
                      "name", USAGE["organization"])
    with c.db.session() as s:
        workspaces.ensure(s, team)
        workspaces.set_organization(s, team, clean)
    return (f"Questions now name “{clean}”: “{render(SUPPORT_EN, 'en', clean)}” "
            "It applies from the next round.")


def _module_line(m, on: bool) -> str:
    state = "on" if on else ("not available yet" if m.todo else "off")
    lines = [f"• `{m.key}` — {m.name}: *{state}*", f"   Source: {m.source}. Terms: {m.terms}"]
    if m.url:
        lines.append(f"   {m.url}")
    if m.todo:
        lines.append(f"   {m.todo}")
    return "\n".join(lines)


def modules_text(c, team: str) -> str:
    learn_organization(c, team)
    with c.db.session() as s:
        ws = workspaces.ensure(s, team)
        workspaces.sync_bank(s, team)
        on = set(active_modules(workspaces.questions(s, team)))
        every = MODULE_EVERY.get(ws.schedule_every, MODULE_EVERY[None])
    lines = ["*Question modules*"] + [_module_line(m, m.key in on) for m in load_bank().modules]
    lines.append(f"A module's items are asked every {every} round{'s' if every > 1 else ''} "
                 "(about monthly), one module a round, the modules that are on taking turns; "
                 f"other rounds ask the usual questions only. {USAGE['modules']}.")
    return "\n".join(lines)


def set_module(c, team: str, key: str, on: bool) -> str:
    m = load_bank().module(key)
    if m is None:
        names = ", ".join(f"`{x.key}`" for x in load_bank().modules)
        raise Invalid(f"There is no module `{key[:30]}`. Modules: {names}.", None, USAGE["modules"])
    if on and (m.todo or not m.items):
        raise Invalid(f"{m.name} can't be turned on yet. {m.todo or ''}", None, USAGE["modules"])
    learn_organization(c, team)
    with c.db.session() as s:
        workspaces.ensure(s, team)
        have = {r.key for r in workspaces.question_rows(s, team)}
        new = [k for k in m.items + m.scores if k not in have]
        if on and len(have) + len(new) > MAX_BANK:
            raise Invalid(f"The bank holds at most {MAX_BANK} questions; disable or remove "
                          "custom ones first.", None, USAGE["modules"])
        workspaces.set_module(s, team, key, on)
    if not on:
        return f"{m.name} is off from the next round. Its earlier answers stay in the digests."
    return (f"{m.name} is on. Its {len(m.items)} items come every few rounds (about monthly), "
            f"taking turns with other modules. Terms: {m.terms}")
