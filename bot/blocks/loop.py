"""Block Kit for closing the loop: the Commit button and modal, an action's
line and status buttons, the owner's reminder, the digest's Actions section
and the "you said, we did" staff summary. Pure: data in, JSON out.

Admin- and leader-facing words are English, like the digest; what staff get
(the summary) is in their own language, from bot/i18n.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from bot.blocks.kit import button, context, esc, mrkdwn, plain, section, title
from bot.i18n import t

COMMIT_ACTION = "commit_action"
COMMIT_CALLBACK = "action_committed"
# One action id per status: Slack refuses two elements with the same id in a block.
STATUS_ACTION = re.compile(r"^action_status\.(planned|in_progress|done|dropped)$")
SUMMARY_BUTTON = "open_staff_summary"
SUMMARY_PICK_CALLBACK = "staff_summary_pick"
SUMMARY_CONFIRM_CALLBACK = "staff_summary_confirm"

STATUSES = {"planned": "Planned", "in_progress": "In progress", "done": "Done",
            "dropped": "Dropped"}
TEXT_MAX = 300
NOTE_MAX = 1000
NO_CAUSE = ("A change shown beside an action is how its measure moved since; it doesn't show "
            "that the action caused it.")


@dataclass(frozen=True)
class ActionItem:
    """One tracked action as views show it."""

    id: int
    text: str
    answers_label: str  # the theme or measure it answers, in words
    owner_id: str
    due_on: date
    status: str
    note: str = ""
    moved: tuple[str, ...] = ()  # statuses it moved through since the last digest
    measure: str | None = None  # the measure whose change is shown beside it
    since_round: int | None = None  # the round whose digest it was committed after


@dataclass(frozen=True)
class SummaryData:
    """What a staff summary holds: only organisation-level figures the digest
    published, already worded in `lang` (staff get their own language)."""

    round_number: int
    dates: str
    response: str | None  # None: the digest didn't publish the organisation's total
    findings: tuple[str, ...]
    actions: tuple[ActionItem, ...]
    comments: tuple[str, ...] = ()
    min_n: int = 5
    lang: str = "en"


def commit_button(action_text: str, theme_or_measure: str) -> dict:
    """The digest's *Commit* button for one suggested action (or, with an
    empty text, for a leader's own). `theme_or_measure`: a measure key
    ("burnout") or a comment theme ("workload")."""
    value = json.dumps({"t": action_text[:TEXT_MAX], "a": theme_or_measure[:64]},
                       ensure_ascii=False)
    return button("Commit", COMMIT_ACTION, value, "primary")


def _option(text: str, value: str) -> dict:
    return {"text": plain(text, 75), "value": value}


def commit_modal(text: str, answers: Sequence[tuple[str, str]], chosen: str | None,
                 today: date, meta: str) -> dict:
    """Turn an action into a tracked one: what, what it answers, who, by when."""
    select: dict = {"type": "static_select", "action_id": "value",
                    "options": [_option(label, value) for value, label in answers][:100]}
    for value, label in answers:
        if value == chosen:
            select["initial_option"] = _option(label, value)
    what: dict = {"type": "plain_text_input", "action_id": "value", "max_length": TEXT_MAX}
    if text:
        what["initial_value"] = text[:TEXT_MAX]
    blocks = [
        section("Commit to an action. Its owner gets a reminder a few days before it is due, "
                "and can update it from that message or from candor's App Home."),
        {"type": "input", "block_id": "text", "label": plain("Action"), "element": what},
        {"type": "input", "block_id": "answers", "label": plain("What it answers"),
         "element": select},
        {"type": "input", "block_id": "owner", "label": plain("Owner"),
         "element": {"type": "users_select", "action_id": "value"}},
        {"type": "input", "block_id": "due", "label": plain("Due"),
         "element": {"type": "datepicker", "action_id": "value",
                     "initial_date": (today + timedelta(days=30)).isoformat()}},
        {"type": "input", "block_id": "note", "label": plain("Note"), "optional": True,
         "element": {"type": "plain_text_input", "action_id": "value", "multiline": True,
                     "max_length": NOTE_MAX}},
    ]
    return {"type": "modal", "callback_id": COMMIT_CALLBACK, "title": title("Commit to an action"),
            "submit": title("Commit"), "close": title("Cancel"), "private_metadata": meta,
            "blocks": blocks}


def notice_modal(title_text: str, body: str) -> dict:
    return {"type": "modal", "callback_id": "loop_notice", "title": title(title_text),
            "close": title("Close"), "blocks": [section(body)]}


def leaders_only_modal() -> dict:
    return notice_modal("candor", LEADERS_ONLY)


LEADERS_ONLY = ("Sorry — only members of the digest channel can do that. Nothing was changed.")


def status_label(key: str, lang: str = "en") -> str:
    return STATUSES.get(key, key) if lang == "en" else t(lang, f"loop.status.{key}")


def _long_date(lang: str, d: date) -> str:
    if lang == "en":
        return f"{d:%A %d %B}"
    return t(lang, "loop.date", weekday=t(lang, f"date.weekday.{d.weekday()}"), day=d.day,
             month=t(lang, f"date.month.{d.month}"))


def action_line(a: ActionItem, lang: str = "en") -> str:
    """One action, for leaders (English, with what moved) or for its owner in
    the owner's language."""
    if lang != "en":
        return t(lang, "loop.line", text=esc(a.text), owner=f"<@{a.owner_id}>",
                 due=_long_date(lang, a.due_on), status=status_label(a.status, lang))
    moves = [STATUSES.get(m, m) for m in a.moved]
    moved = (" (changed since the last digest" + (f": {' → '.join(moves)}" if len(moves) > 1
                                                  else "") + ")") if moves else ""
    return (f"*{esc(a.text)}* — owner <@{a.owner_id}>, due {a.due_on:%a %d %b %Y} · "
            f"{STATUSES.get(a.status, a.status)}{moved}")


def status_buttons(a: ActionItem, block_id: str | None = None, lang: str = "en") -> dict:
    """Buttons to move an action to each other status."""
    return {"type": "actions", "block_id": block_id or f"action_{a.id}", "elements": [
        button(status_label(key, lang).capitalize() if lang != "en" else label,
               f"action_status.{key}", f"{a.id}:{key}", "primary" if key == "done" else None)
        for key, label in STATUSES.items() if key != a.status]}


def action_blocks(a: ActionItem, *, buttons: bool = True, lang: str = "en") -> list[dict]:
    lines = [action_line(a, lang), t(lang, "loop.answers", label=esc(a.answers_label))]
    if a.note:
        lines.append(t(lang, "loop.note", note=esc(a.note)))
    blocks = [section("\n".join(lines))]
    return blocks + [status_buttons(a, lang=lang)] if buttons else blocks


def reminder_message(a: ActionItem, lang: str = "en") -> tuple[list[dict], str]:
    """The owner's one reminder, a few days before the due date, in their language."""
    due = _long_date(lang, a.due_on)
    text = t(lang, "loop.reminder_text", due=due, text=a.text)
    blocks = [section(t(lang, "loop.reminder", due=due)), *action_blocks(a, lang=lang),
              context(t(lang, "loop.reminder_help"))]
    return blocks, text


def status_confirmation(a: ActionItem, lang: str = "en") -> tuple[list[dict], str]:
    text = t(lang, "loop.updated", text=a.text, status=status_label(a.status, lang).lower())
    return [*action_blocks(a, lang=lang), context(esc(text))], text


def committed_notice(a: ActionItem, by: str, lang: str = "en") -> tuple[list[dict], str]:
    """The DM telling someone they own a newly committed action."""
    text = t(lang, "loop.committed", by=f"<@{by}>", due=_long_date(lang, a.due_on))
    return [section(text), *action_blocks(a, lang=lang)], text


def actions_section(actions: Sequence[ActionItem], changes: Mapping[str, str]) -> list[dict]:
    """The digest's *Actions* section: what was committed, what moved, and how
    the measure each answers changed since (`changes`: measure key -> the
    digest's own honest-change wording, and "key@round" -> the figure that
    round's digest published; no entry, no claim)."""
    blocks: list[dict] = [section("*Actions*")]
    if not actions:
        return blocks + [context("No actions committed yet. A leader in this channel can "
                                 "commit to one with *Commit*.")]
    for a in actions[:20]:
        line = f"{action_line(a)}\nAnswers: {esc(a.answers_label)}"
        change = changes.get(a.measure) if a.measure else None
        if change:
            line += f" — its measure: {esc(change)}"
            then = changes.get(f"{a.measure}@{a.since_round}") if a.since_round else None
            if then:
                line += f"; it was {esc(then)} in round {a.since_round}, when this was committed"
        blocks.append(section(line))
    return blocks + [context(NO_CAUSE)]


# -- the staff summary ("you said, we did") -----------------------------------------

def _due(lang: str, d: date) -> str:
    return t(lang, "summary.due", day=d.day, month=t(lang, f"date.month.{d.month}"))


def summary_blocks(d: SummaryData) -> tuple[list[dict], str]:
    """The message staff get, in `d.lang`: organisation-level figures the
    digest published, the committed actions with owners, a thank-you. No team rows."""
    lang = d.lang
    text = t(lang, "summary.notification", number=d.round_number)
    blocks: list[dict] = [
        {"type": "header", "text": plain(t(lang, "summary.header", number=d.round_number))},
        section(t(lang, "summary.thanks", dates=esc(d.dates))),
    ]
    said = [f"• {esc(f)}" for f in d.findings]
    if d.response:
        said.insert(0, f"• {esc(d.response)}")
    if said:
        blocks.append(section(t(lang, "summary.said") + "\n" + "\n".join(said)))
    if d.comments:
        blocks.append(section(t(lang, "summary.words") + "\n"
                              + "\n".join(f"> {esc(c)}" for c in d.comments)))
    did = [t(lang, "summary.action", text=esc(a.text), owner=f"<@{a.owner_id}>",
             due=_due(lang, a.due_on), status=t(lang, f"summary.status.{a.status}"))
           for a in d.actions]
    blocks.append(section(t(lang, "summary.doing") + "\n"
                          + ("\n".join(did) if did else t(lang, "summary.deciding"))))
    blocks.append(context(t(lang, "summary.footer", min_n=d.min_n)))
    return blocks, text


def summary_for(stored: object, text: str, lang: str) -> tuple[list[dict], str]:
    """The confirmed summary in one person's language. `stored` is what was
    recorded at publish: {lang: {"blocks", "text"}} (or, from before staff
    got their own language, one list of blocks in English)."""
    if isinstance(stored, dict):
        one = stored.get(lang) or stored.get("en") or {}
        return list(one.get("blocks") or []), str(one.get("text") or text)
    return list(stored or []), text  # type: ignore[arg-type]


def summary_pick_modal(d: SummaryData, published: Sequence[str], where: str, meta: str) -> dict:
    """Step 1: the summary as it stands, and the published comments a leader
    may choose to quote (none by default)."""
    blocks = [section(f"*Preview for staff* (goes {esc(where)}). Nothing is sent until you "
                      "confirm on the next screen."), {"type": "divider"},
              *summary_blocks(d)[0], {"type": "divider"}]
    if published:
        blocks.append(section("Comments published in the digest:\n" + "\n".join(
            f"{i + 1}. {esc(c)}" for i, c in enumerate(published[:10]))))
        blocks.append({"type": "input", "block_id": "comments", "optional": True,
                       "label": plain("Quote these comments (optional)"),
                       "element": {"type": "checkboxes", "action_id": "value", "options": [
                           _option(f"{i + 1}. {c}", str(i))
                           for i, c in enumerate(published[:10])]}})
    return {"type": "modal", "callback_id": SUMMARY_PICK_CALLBACK, "title": title("Staff summary"),
            "submit": title("Review"), "close": title("Cancel"), "private_metadata": meta,
            "blocks": blocks[:100]}


def summary_confirm_modal(d: SummaryData, where: str, meta: str) -> dict:
    """Step 2: exactly what staff will get; Publish sends it."""
    blocks = [section(f"*This goes {esc(where)}* when you press Publish."), {"type": "divider"},
              *summary_blocks(d)[0]]
    return {"type": "modal", "callback_id": SUMMARY_CONFIRM_CALLBACK,
            "title": title("Publish to staff?"), "submit": title("Publish"),
            "close": title("Cancel"), "private_metadata": meta, "blocks": blocks[:100]}


# -- the leaders' view in App Home ---------------------------------------------------

SPARKS = "▁▂▃▄▅▆▇█"


def sparkline(values: Sequence[float | None]) -> str:
    """A text sparkline of fractions (0–1); a gap (·) where nothing was published."""
    return "".join("·" if v is None else SPARKS[min(7, max(0, int(v * 8)))] for v in values)


@dataclass(frozen=True)
class MeasureView:
    label: str
    value: str  # e.g. "38% burnout" or a band
    change: str  # the digest's honest-change verdict
    trend: str  # sparkline over published rounds, oldest first


def heatmap_block(file_id: str, alt: str, round_number: int) -> dict:
    """The team x measure heatmap posted under the digest, shown again by its
    Slack file id (Home tabs can't show an uploaded file by image_url)."""
    return {"type": "image", "block_id": "heatmap", "slack_file": {"id": file_id},
            "alt_text": (alt or "Team heatmap")[:2000],
            "title": plain(f"Teams × measures, round {round_number} (grey: withheld)")}


def leader_blocks(round_number: int | None, response: str | None,
                  measures: Sequence[MeasureView], actions: Sequence[ActionItem],
                  suggestions: Sequence[tuple[str, str]],
                  heatmap: dict | None = None) -> list[dict]:
    """Digest-channel members only: the latest digest's published measures and
    its team heatmap, open actions with buttons, and Commit / staff-summary
    entry points."""
    blocks: list[dict] = [{"type": "header", "text": plain("candor · leaders")}]
    if round_number is None:
        blocks.append(section("No digest has been published yet."))
    else:
        lines = [f"*Round {round_number}*" + (f" · {esc(response)}" if response else "")]
        lines += [f"`{m.trend}` {esc(m.label)}: {esc(m.value)}"
                  + (f" — {esc(m.change)}" if m.change else "") for m in measures]
        blocks.append(section("\n".join(lines)))
        blocks.append(context("Only what the digest published; ▲/▼ only where a named test "
                              "supports a real change."))
        if heatmap:
            blocks.append(heatmap)
    blocks.append(section("*Open actions*" if actions else "*Open actions:* none"))
    for a in actions[:12]:
        blocks += action_blocks(a)
    row = [button("Commit an action", COMMIT_ACTION, json.dumps({"t": "", "a": ""}))]
    if round_number is not None:
        row.append(button("Staff summary…", SUMMARY_BUTTON))
    blocks.append({"type": "actions", "block_id": "leader", "elements": row})
    for title_, theme in suggestions[:5]:
        blocks.append({"type": "section", "text": mrkdwn(f"Suggested: {esc(title_)} ({esc(theme)})"),
                       "accessory": commit_button(title_, theme)})
    blocks.append({"type": "divider"})
    return blocks


_STATE_KEYS = ("value", "selected_user", "selected_date")


def form_values(view: dict) -> dict[str, object]:
    """{block_id: value} of the loop's modals: text, a select, a user, a date,
    or (checkboxes) the list of chosen values. Anything malformed reads as None."""
    out: dict[str, object] = {}
    values = ((view or {}).get("state") or {}).get("values") or {}
    for block_id, actions in values.items():
        el = actions.get("value") if isinstance(actions, dict) else None
        if not isinstance(el, dict):
            continue
        if "selected_options" in el:
            opts = el.get("selected_options") or []
            out[block_id] = [o.get("value") for o in opts if isinstance(o, dict)
                             and isinstance(o.get("value"), str)]
            continue
        opt = el.get("selected_option")
        raw = opt.get("value") if isinstance(opt, dict) else next(
            (el[k] for k in _STATE_KEYS if el.get(k) is not None), None)
        out[block_id] = raw if isinstance(raw, str) else None
    return out
