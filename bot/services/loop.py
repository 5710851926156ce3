"""Closing the loop, part 1: tracked actions with an owner.

Who may: leaders are the members of the digest channel, read live from Slack
(conversations.members, cached a minute). Every button and submit asks
again; a view only ever shows what its viewer may do.
"""

from __future__ import annotations

import json
import logging
import time
from datetime import date, datetime, timedelta

from slack_sdk.errors import SlackApiError

from analytics.digest import Digest, change_text
from analytics.questions import short_label
from analytics.stats import pct
from analytics.text.themes import THEMES
from bot.blocks.loop import (
    STATUSES,
    TEXT_MAX,
    ActionItem,
    commit_modal,
    committed_notice,
    leaders_only_modal,
    reminder_message,
    status_confirmation,
)
from bot.context import Candor
from bot.i18n import t
from bot.services import people
from bot.services.errors import Invalid, ServiceError
from bot.slackapi import directory
from storage import actions as action_rows
from storage import rounds as round_rows
from storage import workspaces
from storage.models import ActionRow

log = logging.getLogger("candor.loop")

LEADERS_TTL = 60.0  # digest-channel membership is re-read from Slack after this
REMIND_DAYS = 3  # the owner's reminder goes this many days before the due date
NOTE_MAX = 1000


class NotLeader(ServiceError):
    """Only digest-channel members (and, for their own action, its owner) may."""


# -- who is a leader -------------------------------------------------------------

def digest_channel(c: Candor, team_id: str) -> str | None:
    with c.db.session() as s:
        ws = workspaces.get(s, team_id)
        return ws.digest_channel if ws else None


def leaders(c: Candor, team_id: str) -> frozenset[str]:
    """Members of the digest channel, read live (paged 200 at a time) and
    kept for at most a minute, so a leader who leaves loses access quickly."""
    channel = digest_channel(c, team_id)
    if not channel:
        return frozenset()
    cache = c.cache.setdefault("leaders", {})
    hit = cache.get((team_id, channel))
    if hit and time.monotonic() - hit[0] < LEADERS_TTL:
        return hit[1]
    try:
        members = frozenset(directory.channel_members(c.client_for(team_id, "quick"), channel))
    except SlackApiError as e:
        if e.response.get("error") in ("channel_not_found", "not_in_channel"):
            members = frozenset()
        else:
            raise  # Slack is struggling: say so rather than wrongly refuse a leader
    cache[(team_id, channel)] = (time.monotonic(), members)
    return members


def is_leader(c: Candor, team_id: str, user_id: str) -> bool:
    return user_id in leaders(c, team_id)


def require_leader(c: Candor, team_id: str, user_id: str) -> None:
    if not is_leader(c, team_id, user_id):
        raise NotLeader("Sorry — only members of the digest channel can do that. "
                        "Nothing was changed.")


# -- what an action answers ------------------------------------------------------

def answer_options(c: Candor, team_id: str) -> list[tuple[str, str]]:
    """(value, words) for every measure in the bank and every comment theme."""
    with c.db.session() as s:
        qs = workspaces.questions(s, team_id)
    return ([(f"measure:{q.key}", f"Measure: {short_label(q)}") for q in qs]
            + [(f"theme:{t}", f"Comments about {t}") for t in THEMES])


def normal_answers(options: list[tuple[str, str]], raw: str) -> str | None:
    """"burnout" or "measure:burnout" -> "measure:burnout"; None if unknown."""
    values = {v for v, _ in options}
    for v in (raw, f"measure:{raw}", f"theme:{raw}"):
        if v in values:
            return v
    return None


def _measure_for(answers: str, theme_measures: dict[str, str]) -> str | None:
    """The measure whose change is shown beside an action: the measure it
    answers, or the first measure of the theme it answers."""
    kind, _, key = answers.partition(":")
    return key if kind == "measure" else theme_measures.get(key)


def _labels(c: Candor, team_id: str, lang: str = "en") -> tuple[dict[str, str], dict[str, str]]:
    """(answers value -> words in `lang`, theme -> its first measure)."""
    with c.db.session() as s:
        qs = workspaces.questions(s, team_id)
    theme_measures: dict[str, str] = {}
    for q in qs:
        if q.theme:
            theme_measures.setdefault(q.theme, q.key)
    if lang == "en":
        return dict(answer_options(c, team_id)), theme_measures
    words = {f"measure:{q.key}": t(lang, "loop.measure", label=q.text_es.strip()) for q in qs}
    words.update({f"theme:{th}": t(lang, "loop.theme", theme=th) for th in THEMES})
    return words, theme_measures


def _item(row: ActionRow, labels: dict[str, str], theme_measures: dict[str, str],
          moved: tuple[str, ...] = (), since_round: int | None = None) -> ActionItem:
    return ActionItem(id=row.id, text=row.text, owner_id=row.owner_id, due_on=row.due_on,
                      status=row.status, note=row.note or "", moved=moved,
                      answers_label=labels.get(row.answers, row.answers),
                      measure=_measure_for(row.answers, theme_measures),
                      since_round=since_round)


# -- committing ------------------------------------------------------------------

def commit_form(c: Candor, team_id: str, user_id: str, raw: str) -> dict:
    """The Commit modal, pre-filled from the button; a refusal for non-leaders."""
    if not is_leader(c, team_id, user_id):
        return leaders_only_modal()
    try:
        given = json.loads(raw) if raw else {}
    except ValueError:
        given = {}
    given = given if isinstance(given, dict) else {}
    options = answer_options(c, team_id)
    with c.db.session() as s:
        last = round_rows.closed(s, team_id, limit=1)
        meta = json.dumps({"r": last[0].id if last else None})
    return commit_modal(str(given.get("t") or "")[:TEXT_MAX], options,
                        normal_answers(options, str(given.get("a") or "")), c.now().date(), meta)


def commit(c: Candor, team_id: str, user_id: str, *, text: str, answers: str, owner: str,
           due: str, note: str, meta: str) -> ActionItem:
    """Record a committed action. Raises NotLeader, or Invalid naming the field."""
    require_leader(c, team_id, user_id)
    text, note = (text or "").strip(), (note or "").strip()
    if not 3 <= len(text) <= TEXT_MAX:
        raise Invalid(f"Describe the action in 3 to {TEXT_MAX} characters.", "text")
    options = answer_options(c, team_id)
    if normal_answers(options, answers or "") != answers:
        raise Invalid("Pick what the action answers.", "answers")
    if not (owner or "").startswith(("U", "W")):
        raise Invalid("Pick an owner.", "owner")
    try:
        due_on = date.fromisoformat(due or "")
    except ValueError:
        raise Invalid("Pick a due date.", "due") from None
    if due_on < c.now().date():
        raise Invalid("The due date is in the past.", "due")
    if len(note) > NOTE_MAX:
        raise Invalid(f"Keep the note under {NOTE_MAX} characters.", "note")
    with c.db.session() as s:
        row = action_rows.add(s, ActionRow(
            team_id=team_id, round_id=_round_of(s, team_id, meta), text=text, answers=answers,
            owner_id=owner, created_by=user_id, due_on=due_on, note=note or None,
            status="planned", created_at=c.now()))
        return _item(row, *_labels(c, team_id))


def _round_of(s, team_id: str, meta: str) -> int | None:
    """The round named in the modal, only if it is this workspace's."""
    try:
        rid = json.loads(meta or "{}").get("r")
    except (ValueError, AttributeError):
        return None
    return rid if isinstance(rid, int) and round_rows.get(s, team_id, rid) else None


# -- status ----------------------------------------------------------------------

def update_status(c: Candor, team_id: str, user_id: str, action_id: int,
                  status: str) -> ActionItem:
    """Its owner or any leader may move an action; nobody else changes anything."""
    if status not in STATUSES:
        raise ServiceError("That isn't a status candor knows.")
    with c.db.session() as s:
        row = action_rows.get(s, team_id, action_id)
        owner = row.owner_id if row else None
    if owner is None:
        raise ServiceError("That action doesn't exist any more.")
    if owner != user_id:
        require_leader(c, team_id, user_id)
    with c.db.session() as s:
        action_rows.set_status(s, team_id, action_id, status, user_id, c.now())
        row = action_rows.get(s, team_id, action_id)
        return _item(row, *_labels(c, team_id))


def open_items(c: Candor, team_id: str, lang: str = "en") -> list[ActionItem]:
    with c.db.session() as s:
        rows = action_rows.listed(s, team_id, open_only=True)
        labels = _labels(c, team_id, lang)
        return [_item(r, *labels) for r in rows]


def owned_items(c: Candor, team_id: str, user_id: str, lang: str = "en") -> list[ActionItem]:
    return [a for a in open_items(c, team_id, lang) if a.owner_id == user_id]


def _lang(c: Candor, team_id: str, user_id: str) -> str:
    try:
        return people.lang_of(c, team_id, user_id)
    except Exception:  # Slack can't say now: English rather than no message
        return "en"


def confirmation(c: Candor, team_id: str, user_id: str,
                 action_id: int) -> tuple[list[dict], str]:
    """What replaces the owner's reminder once they move the action, in their language."""
    lang = _lang(c, team_id, user_id)
    with c.db.session() as s:
        row = action_rows.get(s, team_id, action_id)
        if row is None:
            raise ServiceError("That action doesn't exist any more.")
        return status_confirmation(_item(row, *_labels(c, team_id, lang)), lang)


# -- the digest's Actions section ------------------------------------------------

def measure_changes(digest: Digest) -> dict[str, str]:
    """measure key -> the digest's own honest-change wording, for measures
    whose organisation figure it published; and "key@N" -> the figure round
    N's digest published (from the trend, which holds only published
    figures), so an action can say where its measure stood when committed."""
    out = {}
    for m in digest.metrics:
        if m.org is not None and m.change is not None:
            out[m.key] = f"{m.org.rate_text()} {m.rate_name} now, {change_text(m)}"
    for line in digest.trend.lines:
        for p in line.points:
            if p.round_number == digest.round_number:
                continue
            shown = f"{pct(p.value)}%" if p.value is not None else p.band
            if shown:
                out[f"{line.key}@{p.round_number}"] = shown
    return out


def section_items(c: Candor, team_id: str, round_id: int) -> list[ActionItem]:
    """The actions to show in `round_id`'s digest: every open one, and any
    that moved since the previous digest's round closed."""
    with c.db.session() as s:
        this = round_rows.get(s, team_id, round_id)
        if this is None:
            raise ServiceError("That round doesn't exist in this workspace.")
        earlier = [r for r in round_rows.closed(s, team_id, limit=50) if r.number < this.number]
        since = earlier[0].closed_at if earlier else None
        numbers = {r.id: r.number for r in earlier}
        moves = action_rows.moves_since(s, team_id, since)
        rows = [r for r in action_rows.listed(s, team_id, limit=200)
                if r.status in action_rows.OPEN or r.id in moves]
        labels = _labels(c, team_id)
        return [_item(r, *labels, moved=tuple(moves.get(r.id, ())),
                      since_round=numbers.get(r.round_id)) for r in rows]


# -- the clock: reminders --------------------------------------------------------

def remind_due(c: Candor) -> int:
    """DM each owner once, REMIND_DAYS before the due date. The claim comes
    first, so two clocks (or a crash and a restart) never remind twice."""
    now = c.now()
    with c.db.session() as s:
        due = action_rows.due_for_reminder(s, now.date() + timedelta(days=REMIND_DAYS))
        for r in due:
            s.expunge(r)
    sent = 0
    for row in due:
        with c.db.session() as s:
            if not action_rows.claim_reminder(s, row.id, now):
                continue
        sent += _send_reminder(c, row, now)
    return sent


def _send_reminder(c: Candor, row: ActionRow, now: datetime) -> int:
    lang = _lang(c, row.team_id, row.owner_id)
    blocks, text = reminder_message(_item(row, *_labels(c, row.team_id, lang)), lang)
    try:
        c.client_for(row.team_id, "poster").chat_postMessage(channel=row.owner_id, blocks=blocks,
                                                            text=text)
        return 1
    except SlackApiError as e:
        if e.response.status_code == 429:  # nothing was posted: try again next tick
            with c.db.session() as s:
                action_rows.release_reminder(s, row.id)
        log.warning("action reminder not sent: %s", e.response.get("error"))
    except Exception as e:  # it may have landed: never risk a second reminder
        log.warning("action reminder unconfirmed: %s", type(e).__name__)
    return 0


def tell_owner(c: Candor, team_id: str, item: ActionItem, by: str) -> None:
    """A DM to the new owner (unless they committed it themselves)."""
    if item.owner_id == by:
        return
    try:
        lang = _lang(c, team_id, item.owner_id)
        with c.db.session() as s:
            row = action_rows.get(s, team_id, item.id)
        blocks, text = committed_notice(_item(row, *_labels(c, team_id, lang)) if row else item,
                                        by, lang)
        c.client_for(team_id).chat_postMessage(channel=item.owner_id, text=text, blocks=blocks)
    except Exception as e:  # the action is saved; the reminder still comes
        log.warning("could not tell an action's owner: %s", type(e).__name__)
