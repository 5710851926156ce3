"""Workspace settings: schedule, questions, privacy, resources, and pause.

The `/candor` commands and the admin modals share these setters, so both
paths validate the same way. Every setter touches one workspace's rows only.
A refusal is an `Invalid` whose message says what was wrong and shows the
correct usage; the listener shows it ephemerally (or next to a modal field).
"""

from __future__ import annotations

import re

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from analytics.scoring import CUSTOM_SCALES
from bot import services
from bot.commands import USAGE, WEEKDAYS, Command
from bot.i18n import t
from bot.people import lang_of
from bot.support import resources_text
from bot.views import admin as views
from storage import repository as repo
from storage.models import Pause, QuestionRow

MIN_SCORE_FLOOR = 3  # below this, a group's average is close to one person's answer
MAX_THRESHOLD = 100
MAX_BANK = 40  # keeps the questions modal inside Slack's 100-block limit
QUESTION_MAX = 150  # the check-in modal shows a question as an input label (150 chars)
RESOURCES_MAX = 1500
THEME_RE = re.compile(r"^[a-z][a-z0-9_-]{0,31}$")
EVERY = ("weekly", "biweekly", "monthly")


class Invalid(services.ServiceError):
    """A setting that can't be saved. `field` names the modal input it belongs to."""

    def __init__(self, short: str, field: str | None = None, usage: str | None = None):
        super().__init__(f"{short} Usage: {usage}" if usage else short)
        self.short, self.field = short, field  # a modal shows `short` beside the field


def run(c, team: str, user: str, cmd: Command, client, trigger_id: str | None) -> str | None:
    a = cmd.args
    match cmd.name:
        case "pause" | "resume":
            return pause_command(c, team, user, cmd.name == "pause")
        case "schedule.show":
            return schedule_text(c, team)
        case "schedule.set":
            return set_schedule(c, team, a["every"], a["weekday"], a["time"])
        case "schedule.off":
            return set_schedule(c, team, None, None, None)
        case "schedule.window":
            return set_window(c, team, a["days"])
        case "schedule.reminder":
            return set_reminder(c, team, a["on"])
        case "questions.max":
            return set_max_questions(c, team, a["n"])
        case "privacy.show":
            return privacy_text(c, team)
        case "privacy.scores":
            return set_thresholds(c, team, scores=a["n"])
        case "privacy.comments":
            return set_thresholds(c, team, comments=a["n"])
        case "questions.edit" | "resources":
            if not trigger_id:
                raise services.ServiceError("Slack didn't send what I need to open a form. Please try again.")
            which = "questions" if cmd.name == "questions.edit" else "resources"
            client.views_open(trigger_id=trigger_id, view=modal_for(c, team, which))
            return None
    raise services.ServiceError(f"`{cmd.name.replace('.', ' ')}` isn't something I can do. Try `/candor help`.")


def modal_for(c, team: str, which: str) -> dict:
    """The settings modal behind a command or an App Home button."""
    with c.db.session() as s:
        ws = repo.workspace(s, team)
        match which:
            case "questions":
                return views.questions_modal(_bank(s, team), ws.max_questions)
            case "resources":
                return views.resources_modal(ws.resources_text, resources_text(ws))
            case "privacy":
                return views.thresholds_modal(ws.min_score_n, ws.min_comment_n)
            case "schedule":
                return views.schedule_modal(ws.schedule_every, ws.schedule_weekday,
                                            ws.schedule_time, ws.window_days, ws.reminder_on)
    raise ValueError(which)


# -- pause ---------------------------------------------------------------------

def set_paused(c, team: str, user: str, paused: bool) -> None:
    """A Pause row while paused, none otherwise; nothing else is recorded."""
    try:
        with c.db.session() as s:
            repo.workspace(s, team)
            row = s.get(Pause, (team, user))
            if paused and row is None:
                s.add(Pause(team_id=team, user_id=user))
            elif not paused and row is not None:
                s.delete(row)
    except IntegrityError:
        pass  # a double click paused them a moment ago: the outcome is the same


def is_paused(c, team: str, user: str) -> bool:
    with c.db.session() as s:
        return s.get(Pause, (team, user)) is not None


def pause_command(c, team: str, user: str, paused: bool) -> str:
    set_paused(c, team, user, paused)
    lang = lang_of(c, team, user)
    republish_home(c, team, user, lang)
    return t(lang, "reply.paused" if paused else "reply.resumed")


def republish_home(c, team: str, user: str, lang: str | None = None) -> None:
    from bot.home import publish_home

    try:
        publish_home(c, team, user, lang)
    except Exception:  # the setting is saved; a stale App Home is only cosmetic
        c.log.warning("could not re-publish App Home after a settings change", exc_info=True)


# -- schedule ------------------------------------------------------------------

def schedule_text(c, team: str) -> str:
    from bot.schedule import describe, next_send_day

    with c.db.session() as s:
        ws = repo.workspace(s, team)
        day = next_send_day(ws, c.now())
        text = describe(ws)
    nxt = f"*Next round:* {day:%A %d %B %Y}" if day else "*Next round:* none scheduled"
    return (f"*Schedule:* {text}.\n{nxt}.\nChange it with {USAGE['schedule']}.")


def set_schedule(c, team: str, every: str | None, weekday: int | None, hhmm: str | None) -> str:
    from bot.commands import TIME_RE
    from bot.schedule import next_send_day

    if every is not None:
        if every not in EVERY:
            raise Invalid("How often must be weekly, biweekly or monthly.", "every", USAGE["schedule"])
        if weekday is None or not 0 <= weekday < len(WEEKDAYS):
            raise Invalid("Pick a weekday (Monday–Friday).", "weekday", USAGE["schedule"])
        if not hhmm or not TIME_RE.match(hhmm):
            raise Invalid("Pick a time like 09:30 (24-hour).", "time", USAGE["schedule"])
        h, m = hhmm.split(":")
        hhmm = f"{int(h):02d}:{m}"
    with c.db.session() as s:
        ws = repo.workspace(s, team)
        ws.schedule_every, ws.schedule_weekday, ws.schedule_time = every, weekday, hhmm
        ws.schedule_anchor = None
        if every == "biweekly":
            # Every other week counts from the first occurrence from now on.
            ws.schedule_anchor = next_send_day(ws, c.now()).isoformat()
    if every is None:
        return "Scheduled rounds are off. Send a round yourself with `/candor send now`.\n" \
            + schedule_text(c, team)
    return "Saved. " + schedule_text(c, team)


def set_window(c, team: str, days: int) -> str:
    if not isinstance(days, int) or not 1 <= days <= 14:
        raise Invalid("The window must be from 1 to 14 days.", "window", USAGE["schedule"])
    with c.db.session() as s:
        ws = repo.workspace(s, team)
        ws.window_days = days
        every = ws.schedule_every
    note = ""
    if (every == "weekly" and days > 7) or (every == "biweekly" and days > 14):
        note = " Note: a round still open when the next one is due is closed first."
    return f"Each round now stays open {days} day{'s' if days != 1 else ''}.{note}"


def set_reminder(c, team: str, on: bool) -> str:
    with c.db.session() as s:
        repo.workspace(s, team).reminder_on = on
    return ("Reminders are on: people who haven't answered get one gentle reminder mid-window."
            if on else "Reminders are off: each person gets one invitation per round, nothing more.")


# -- privacy -------------------------------------------------------------------

PROTECTS_SCORES = ("Scores (averages and rates) are shown only for groups of at least this many "
                   "respondents, so nobody can work out one person's answers from a small "
                   "group's numbers.")
PROTECTS_COMMENTS = ("Comments are shared only once at least this many people have answered the "
                     "round. Wording and details can point to a person, so comments need a "
                     "bigger crowd than scores.")


def privacy_text(c, team: str) -> str:
    with c.db.session() as s:
        ws = repo.workspace(s, team)
        n, m = ws.min_score_n, ws.min_comment_n
    return (f"*Privacy thresholds*\n"
            f"• *Scores: {n}* or more respondents (default 5, never below {MIN_SCORE_FLOOR}). "
            f"{PROTECTS_SCORES}\n"
            f"• *Comments: {m}* or more respondents (default 10, never below the score "
            f"minimum). {PROTECTS_COMMENTS}\n"
            f"Change with {USAGE['privacy']}.")


def set_thresholds(c, team: str, scores: int | None = None, comments: int | None = None) -> str:
    with c.db.session() as s:
        ws = repo.workspace(s, team)
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
        ws.min_score_n, ws.min_comment_n = n, m
    return f"Saved. Scores need {n}+ respondents; comments need {m}+.\n" + privacy_text(c, team)


# -- questions -----------------------------------------------------------------

def _bank(s, team: str) -> list[QuestionRow]:
    return list(s.scalars(select(QuestionRow).where(QuestionRow.team_id == team)
                          .order_by(QuestionRow.position, QuestionRow.id)))


def questions_view(c, team: str, notice: str | None = None) -> dict:
    with c.db.session() as s:
        ws = repo.workspace(s, team)
        return views.questions_modal(_bank(s, team), ws.max_questions, notice)


def set_max_questions(c, team: str, n: int) -> str:
    if not 3 <= n <= 10:
        raise Invalid("The maximum must be from 3 to 10.", None, USAGE["questions"])
    with c.db.session() as s:
        repo.workspace(s, team).max_questions = n
    return (f"Each round now asks up to {n} questions: burnout and intent to stay always, "
            f"plus {n - 2} that rotate through the other enabled questions.")


def change_question(c, team: str, op: str, key: str) -> None:
    """`enable`, `disable`, `up` or `down` one item of this workspace's bank."""
    with c.db.session() as s:
        repo.workspace(s, team)
        bank = _bank(s, team)
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
        repo.workspace(s, team)
        bank = _bank(s, team)
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
            source += f"; {views.NO_SPANISH}"
        s.add(QuestionRow(team_id=team, key=key, scale=scale, text_en=en, text_es=es or en,
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
        ws = repo.workspace(s, team)
        ws.resources_text = clean or None  # empty means the 988/EAP default
        return resources_text(ws)
