"""Block Kit for the clinician's check-in. Pure functions: data in, JSON out."""

from __future__ import annotations

import json
from dataclasses import dataclass

from analytics.instruments import load_bank, module_intro, module_of
from analytics.questions import Question
from analytics.segments import ROLES, TENURES
from bot.blocks.kit import esc, mrkdwn, plain, title
from bot.i18n import t

COMMENT_MAX = 1000
CHECKIN_CALLBACK = "checkin"


def prompt_blocks(lang: str, ticket: str, closes: str, min_n: int) -> tuple[list[dict], str]:
    """The invitation DM. Its Start button carries the one-time ticket, the
    only place the ticket exists besides the modal it opens."""
    text = f"{t(lang, 'dm.title')}: {t(lang, 'dm.intro')}"
    blocks = [
        {"type": "header", "text": plain(t(lang, "dm.title"))},
        {"type": "section", "text": mrkdwn(t(lang, "dm.intro"))},
        {"type": "section", "text": mrkdwn(t(lang, "dm.anonymous", min_n=min_n))},
        {"type": "context", "elements": [mrkdwn(t(lang, "dm.more") + " " + t(lang, "dm.closes", closes=closes))]},
        {
            "type": "actions",
            "block_id": "checkin_actions",
            "elements": [
                {"type": "button", "action_id": "start_checkin", "style": "primary",
                 "text": plain(t(lang, "dm.start")), "value": ticket},
                {"type": "button", "action_id": "privacy_info",
                 "text": plain(t(lang, "dm.how"))},
            ],
        },
    ]
    return blocks, text


@dataclass(frozen=True)
class Pulse:
    """A stay or exit pulse's one open question (bot/i18n: pulse.seed.<seed>)."""

    kind: str  # "stay" | "exit"
    seed: str


def pulse_prompt_blocks(lang: str, pulse: Pulse, ticket: str, closes: str,
                        min_n: int) -> tuple[list[dict], str]:
    """A pulse's invitation DM: its question shown up front, and the same
    one-time ticket mechanism as a check-in."""
    head, intro = t(lang, f"pulse.{pulse.kind}_title"), t(lang, f"pulse.{pulse.kind}_intro",
                                                           min_n=min_n)
    when_ = t(lang, "pulse.exit_closes" if pulse.kind == "exit" else "dm.closes", closes=closes)
    blocks = [
        {"type": "header", "text": plain(head)},
        {"type": "section", "text": mrkdwn(intro)},
        {"type": "section", "text": mrkdwn(f"*{esc(t(lang, f'pulse.seed.{pulse.seed}'))}*")},
        {"type": "context", "elements": [mrkdwn(t(lang, "dm.more") + " " + when_)]},
        {"type": "actions", "block_id": "checkin_actions", "elements": [
            {"type": "button", "action_id": "start_checkin", "style": "primary",
             "text": plain(t(lang, "pulse.start")), "value": ticket},
            {"type": "button", "action_id": "privacy_info", "text": plain(t(lang, "dm.how"))},
        ]},
    ]
    return blocks, f"{head}: {intro}"


def recorded_blocks(lang: str) -> tuple[list[dict], str]:
    msg = t(lang, "dm.recorded")
    return [{"type": "section", "text": mrkdwn(msg)}], msg


def reminder_blocks(lang: str, closes: str) -> tuple[list[dict], str]:
    """The same reminder for everyone invited. No button: a second ticket
    would be a second vote, and candor can't know who has answered."""
    msg = t(lang, "dm.reminder", closes=closes)
    return [{"type": "section", "text": mrkdwn(msg)}], msg


def when(lang: str, local) -> str:
    """An aware datetime in the reader's zone, in their language."""
    return t(lang, "date.when", weekday=t(lang, f"date.weekday.{local.weekday()}"),
             day=local.day, month=t(lang, f"date.month.{local.month}"),
             time=f"{local:%H:%M}")


# 0–10 scales are a menu: eleven radio buttons would fill the screen.
NUMBERED_SCALES = frozenset({"likelihood11", "enps11"})
# Scales whose answers are whole statements, too long for a Slack option
# (75 characters): the statements are shown in full above, and the options
# are their numbers, so nobody answers a paraphrase.
STATEMENT_SCALES = frozenset({"burnout5"})


def _options(q: Question, lang: str) -> list[dict]:
    sk = q.scale_key
    if sk in STATEMENT_SCALES:
        labels = {v: t(lang, "scale.statement.option", n=v) for v in q.scale.values}
    elif sk in NUMBERED_SCALES:
        labels = {v: str(v) for v in q.scale.values}
    else:
        labels = {v: t(lang, f"scale.{sk}.{v}") for v in q.scale.values}
    return [{"text": plain(labels[v][:75]), "value": str(v)} for v in q.scale.values]


def statements(q: Question, lang: str) -> list[str]:
    """The full answer statements of a statement scale, numbered, as shown."""
    if q.scale_key not in STATEMENT_SCALES:
        return []
    return [f"*{v}.* {esc(t(lang, f'scale.{q.scale_key}.{v}'))}" for v in q.scale.values]


def question_block(q: Question, lang: str) -> list[dict]:
    blocks: list[dict] = []
    label = q.text(lang)
    full = statements(q, lang)
    if full:
        # The stem heads the statements so they read in order; the input
        # then asks only for the number.
        blocks.append({"type": "section",
                       "text": mrkdwn("\n".join([f"*{esc(label)}*", *full]))})
        label = t(lang, "scale.statement.label", n=len(full))
    if q.scale_key in NUMBERED_SCALES:
        element = {"type": "static_select", "action_id": "answer",
                   "placeholder": plain(f"{t(lang, 'scale.likelihood11.low')} … {t(lang, 'scale.likelihood11.high')}"),
                   "options": _options(q, lang)}
    else:
        element = {"type": "radio_buttons", "action_id": "answer", "options": _options(q, lang)}
    blocks.append({"type": "input", "block_id": f"q_{q.key}", "label": plain(label[:2000]),
                   "element": element})
    return blocks


def module_head(q: Question, lang: str, seen: set[str]) -> list[dict]:
    """Before a module's first item: the instrument's own instructions (the
    ProQOL's "in the last 30 days" is part of every item's meaning) and the
    credit its terms ask for."""
    key = module_of(q.key)
    if key is None or key in seen:
        return []
    seen.add(key)
    module = load_bank().module(key)
    intro = module_intro(key, lang)
    head = [{"type": "section", "text": mrkdwn(esc(intro))}] if intro else []
    if module is not None and module.credit:
        head.append({"type": "context", "elements": [mrkdwn(esc(module.credit))]})
    return head


@dataclass(frozen=True)
class SegmentAsk:
    """Which voluntary questions the modal adds, and the admin's role labels."""

    role: bool = False
    tenure: bool = False
    role_labels: dict[str, str] | None = None
    min_n: int = 5


def _select(block_id: str, label: str, options: list[tuple[str, str]], lang: str) -> dict:
    return {"type": "input", "block_id": block_id, "optional": True, "label": plain(label),
            "element": {"type": "static_select", "action_id": "answer",
                        "placeholder": plain(t(lang, "segments.placeholder")),
                        "options": [{"text": plain(text[:75]), "value": v}
                                    for v, text in options]}}


def segment_blocks(lang: str, ask: SegmentAsk) -> list[dict]:
    """The optional role and tenure questions, said to be voluntary."""
    if not (ask.role or ask.tenure):
        return []
    blocks: list[dict] = [{"type": "divider"}, {
        "type": "section", "text": mrkdwn(t(lang, "segments.header", min_n=ask.min_n))}]
    if ask.role:
        labels = ask.role_labels or {}
        blocks.append(_select("seg_role", t(lang, "segments.role_label"),
                              [(k, labels.get(k) or t(lang, f"segments.role.{k}"))
                               for k in ROLES], lang))
    if ask.tenure:
        blocks.append(_select("seg_tenure", t(lang, "segments.tenure_label"),
                              [(k, t(lang, f"segments.tenure.{k}")) for k in TENURES],
                              lang))
    return blocks


def checkin_modal(lang: str, questions: list[Question], meta: dict,
                  ask: SegmentAsk | None = None, pulse: Pulse | None = None) -> dict:
    """The check-in's questions, or (a pulse) its one open question, required."""
    intro = "pulse.modal_intro" if pulse else "modal.intro"
    blocks: list[dict] = [{"type": "section", "text": mrkdwn(t(lang, intro))}]
    seen: set[str] = set()
    for q in questions:
        blocks += module_head(q, lang, seen) + question_block(q, lang)
    blocks += segment_blocks(lang, ask or SegmentAsk())
    blocks.append({
        "type": "input", "block_id": "comment", "optional": pulse is None,
        "label": plain(t(lang, f"pulse.seed.{pulse.seed}") if pulse
                       else t(lang, "modal.comment_label")),
        "hint": plain(t(lang, "modal.comment_hint")[:150]),
        "element": {"type": "plain_text_input", "action_id": "answer", "multiline": True,
                    "max_length": COMMENT_MAX},
    })
    heading = ("pulse.exit_modal_title" if pulse.kind == "exit" else "pulse.modal_title"
               ) if pulse else "modal.title"
    return {
        "type": "modal", "callback_id": CHECKIN_CALLBACK,
        "title": title(t(lang, heading)), "submit": title(t(lang, "modal.submit")),
        "close": title(t(lang, "modal.cancel")), "private_metadata": json.dumps(meta),
        "blocks": blocks,
    }


def message_modal(heading: str, body: str, close: str = "Close") -> dict:
    return {"type": "modal", "title": title(heading), "close": title(close),
            "blocks": [{"type": "section", "text": mrkdwn(body)}]}


def thanks_modal(lang: str, resources: str) -> dict:
    """Everyone gets the same thanks, support resources included, so the
    answer's size never hints at what was answered."""
    view = message_modal(t(lang, "thanks.title"), t(lang, "thanks.body"), t(lang, "thanks.close"))
    view["blocks"] += [{"type": "divider"},
                       {"type": "section", "text": mrkdwn(t(lang, "thanks.support_header"))},
                       {"type": "section", "text": mrkdwn(esc(resources))}]
    return view


def refusal_modal(lang: str, reason: str) -> dict:
    return message_modal(t(lang, "refuse.title"), t(lang, f"refuse.{reason}"), t(lang, "thanks.close"))


def privacy_modal(lang: str, min_n: int, min_comments: int) -> dict:
    return message_modal(
        t(lang, "privacy.modal_title"),
        t(lang, "privacy.body", min_n=min_n, min_comments=min_comments),
        t(lang, "thanks.close"),
    )
