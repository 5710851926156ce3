"""Block Kit for the clinician's check-in. Pure functions: data in, JSON out."""

from __future__ import annotations

import json

from analytics.questions import Question
from bot.i18n import t

COMMENT_MAX = 1000
CHECKIN_CALLBACK = "checkin"


def _pt(text: str) -> dict:
    return {"type": "plain_text", "text": text[:150], "emoji": True}


def _md(text: str) -> dict:
    return {"type": "mrkdwn", "text": text[:3000]}


def prompt_blocks(lang: str, round_id: int, closes: str, min_n: int) -> tuple[list[dict], str]:
    text = f"{t(lang, 'dm.title')}: {t(lang, 'dm.intro')}"
    blocks = [
        {"type": "header", "text": _pt(t(lang, "dm.title"))},
        {"type": "section", "text": _md(t(lang, "dm.intro"))},
        {"type": "section", "text": _md(t(lang, "dm.anonymous", min_n=min_n))},
        {"type": "context", "elements": [_md(t(lang, "dm.more") + " " + t(lang, "dm.closes", closes=closes))]},
        {
            "type": "actions",
            "block_id": "checkin_actions",
            "elements": [
                {"type": "button", "action_id": "start_checkin", "style": "primary",
                 "text": _pt(t(lang, "dm.start")), "value": str(round_id)},
                {"type": "button", "action_id": "privacy_info",
                 "text": _pt(t(lang, "dm.how")), "value": str(round_id)},
            ],
        },
    ]
    return blocks, text


def recorded_blocks(lang: str) -> tuple[list[dict], str]:
    msg = t(lang, "dm.recorded")
    return [{"type": "section", "text": _md(msg)}], msg


def reminder_blocks(lang: str, round_id: int, closes: str) -> tuple[list[dict], str]:
    msg = t(lang, "dm.reminder", closes=closes)
    return [
        {"type": "section", "text": _md(msg)},
        {"type": "actions", "block_id": "checkin_actions", "elements": [
            {"type": "button", "action_id": "start_checkin", "style": "primary",
             "text": _pt(t(lang, "dm.start")), "value": str(round_id)}]},
    ], msg


def _options(q: Question, lang: str) -> list[dict]:
    sk = q.scale_key
    if sk == "burnout5":
        labels = {v: t(lang, f"scale.burnout5_short.{v}") for v in q.scale.values}
    elif sk == "likelihood11":
        labels = {v: str(v) for v in q.scale.values}
    else:
        labels = {v: t(lang, f"scale.{sk}.{v}") for v in q.scale.values}
    return [{"text": _pt(labels[v][:75]), "value": str(v)} for v in q.scale.values]


def question_block(q: Question, lang: str) -> list[dict]:
    blocks: list[dict] = []
    if q.scale_key == "burnout5":
        full = "\n".join(f"{v}. {t(lang, f'scale.burnout5.{v}')}" for v in q.scale.values)
        blocks.append({"type": "context", "elements": [_md(full)]})
    if q.scale_key == "likelihood11":
        element = {"type": "static_select", "action_id": "answer",
                   "placeholder": _pt(f"{t(lang, 'scale.likelihood11.low')} … {t(lang, 'scale.likelihood11.high')}"),
                   "options": _options(q, lang)}
    else:
        element = {"type": "radio_buttons", "action_id": "answer", "options": _options(q, lang)}
    blocks.append({"type": "input", "block_id": f"q_{q.key}", "label": _pt(q.text(lang)[:2000]),
                   "element": element})
    return blocks


def checkin_modal(lang: str, questions: list[Question], meta: dict) -> dict:
    blocks: list[dict] = [{"type": "section", "text": _md(t(lang, "modal.intro"))}]
    for q in questions:
        blocks += question_block(q, lang)
    blocks.append({
        "type": "input", "block_id": "comment", "optional": True,
        "label": _pt(t(lang, "modal.comment_label")),
        "hint": _pt(t(lang, "modal.comment_hint")[:150]),
        "element": {"type": "plain_text_input", "action_id": "answer", "multiline": True,
                    "max_length": COMMENT_MAX},
    })
    return {
        "type": "modal", "callback_id": CHECKIN_CALLBACK,
        "title": _pt(t(lang, "modal.title")[:24]), "submit": _pt(t(lang, "modal.submit")),
        "close": _pt(t(lang, "modal.cancel")), "private_metadata": json.dumps(meta),
        "blocks": blocks,
    }


def message_modal(title: str, body: str, close: str = "Close") -> dict:
    return {"type": "modal", "title": _pt(title[:24]), "close": _pt(close[:24]),
            "blocks": [{"type": "section", "text": _md(body)}]}


def thanks_modal(lang: str, resources: str | None) -> dict:
    view = message_modal(t(lang, "thanks.title"), t(lang, "thanks.body"), t(lang, "thanks.close"))
    if resources:
        view["blocks"] += [{"type": "divider"},
                           {"type": "section", "text": _md(t(lang, "thanks.support_header"))},
                           {"type": "section", "text": _md(resources)}]
    return view


def refusal_modal(lang: str, reason: str) -> dict:
    return message_modal(t(lang, "refuse.title"), t(lang, f"refuse.{reason}"), t(lang, "thanks.close"))


def privacy_modal(lang: str, batch: int, min_n: int, min_comments: int) -> dict:
    return message_modal(
        t(lang, "privacy.title"),
        t(lang, "privacy.body", batch=batch, min_n=min_n, min_comments=min_comments),
        t(lang, "thanks.close"),
    )
