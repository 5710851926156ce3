"""Block Kit for the admin settings modals. Pure functions: data in, JSON out.

Admin-facing words are English (the clinician-facing ones live in the
message catalogs).
"""

from __future__ import annotations

from analytics.calendar import WEEKDAY_NAMES
from bot.blocks.kit import esc, plain, section
from bot.blocks.kit import title as kit_title

QUESTIONS_CALLBACK = "admin_questions"
ADD_QUESTION_CALLBACK = "admin_add_question"
PRIVACY_CALLBACK = "admin_privacy"
SCHEDULE_CALLBACK = "admin_schedule"
RESOURCES_CALLBACK = "admin_resources"

SCALE_NAMES = {
    "agreement5": "5-point agreement (Strongly disagree … Strongly agree)",
    "frequency5": "5-point frequency (Never … Always)",
    "likelihood11": "0–10 likelihood",
    "yesno": "Yes / no",
    "likelihood5": "5-point likelihood",
    "burnout5": "5-statement burnout scale",
}
CUSTOM_SCALE_OPTIONS = ("agreement5", "frequency5", "likelihood11", "yesno")

NO_SPANISH = "no Spanish wording given: Spanish speakers see the English"

WORDING_NOTE = (
    "*Why wording can't be edited:* validated items are scored against published research, "
    "and that only holds for their exact words; changing any item's words would also break "
    "its trend with earlier rounds. To ask something differently, disable the item and add "
    "a custom question.")


def _option(text: str, value: str) -> dict:
    return {"text": plain(text, 75), "value": value}


def _modal(callback_id: str, title: str, blocks: list[dict], submit: str | None = None,
           close: str = "Close", meta: str = "") -> dict:
    view = {"type": "modal", "callback_id": callback_id, "title": kit_title(title),
            "close": kit_title(close), "private_metadata": meta, "blocks": blocks[:100]}
    if submit:
        view["submit"] = kit_title(submit)
    return view


def message_modal(title: str, body: str) -> dict:
    return _modal("admin_message", title, [section(body)])


def admin_only_modal() -> dict:
    return message_modal("candor", "Sorry — only candor admins can change candor's settings. "
                                   "Nothing was changed.")


# -- questions -------------------------------------------------------------------

def _labels(q) -> str:
    tags = ["enabled" if q.enabled else "*disabled*", SCALE_NAMES.get(q.scale, q.scale)]
    if q.theme:
        tags.append(f"theme: {q.theme}")
    tags.append("validated" if q.validated else "not validated")
    tags.append("built-in" if q.builtin else "custom")
    if q.required:
        tags.append("*required — always asked, can't be disabled*")
    return " · ".join(tags)


def _spanish(q) -> str:
    if NO_SPANISH in (q.source or ""):
        return f"_ES: {NO_SPANISH}_"
    return f"_ES: {q.text_es}_"


def question_menu(q) -> dict:
    options = [_option("Move up", f"up:{q.key}"), _option("Move down", f"down:{q.key}")]
    if not q.required:
        options.append(_option("Disable", f"disable:{q.key}") if q.enabled
                       else _option("Enable", f"enable:{q.key}"))
    return {"type": "overflow", "action_id": "question_menu", "options": options}


def questions_modal(bank: list, max_questions: int, notice: str | None = None) -> dict:
    """The bank, in asking order, with a menu per item (`bank`: QuestionRow-like)."""
    enabled = sum(q.enabled for q in bank)
    blocks = []
    if notice:
        blocks.append(section(f":warning: {notice}"))
    blocks += [
        section(f"*{enabled} of {len(bank)} questions enabled.* Each round asks the required ones "
            f"(burnout and intent to stay) every time, plus others in rotation, up to "
            f"*{max_questions}* per round (`/candor questions max <n>` changes it)."),
        {"type": "context", "elements": [{"type": "mrkdwn", "text": WORDING_NOTE}]},
        {"type": "actions", "block_id": "bank_actions", "elements": [
            {"type": "button", "action_id": "add_question", "style": "primary",
             "text": plain("Add a custom question"), "value": "add"}]},
        {"type": "divider"},
    ]
    for n, q in enumerate(bank, 1):
        text = f"*{n}. {esc(q.text_en)}*\n{esc(_spanish(q))}\n{_labels(q)}"
        blocks.append({**section(text), "block_id": f"q_{q.key}", "accessory": question_menu(q)})
    return _modal(QUESTIONS_CALLBACK, "Questions", blocks)


def add_question_modal() -> dict:
    blocks = [
        section("Custom questions are marked *not validated*: their wording hasn't been tested, "
            "so read their results as a signal, not a measurement. Once added, wording can't "
            "be edited (it would break the question's trend); disable it and add another."),
        {"type": "input", "block_id": "text_en", "label": plain("Question (English)"),
         "element": {"type": "plain_text_input", "action_id": "value", "max_length": 150,
                     "placeholder": plain("I have enough time for documentation.")}},
        {"type": "input", "block_id": "text_es", "optional": True,
         "label": plain("Question (Spanish, optional)"),
         "hint": plain("If empty, Spanish speakers see the English wording, and the bank marks "
                     "the item as having no Spanish wording."),
         "element": {"type": "plain_text_input", "action_id": "value", "max_length": 150}},
        {"type": "input", "block_id": "scale", "label": plain("Answer scale"),
         "element": {"type": "static_select", "action_id": "value",
                     "placeholder": plain("Choose a scale"),
                     "options": [_option(SCALE_NAMES[k], k) for k in CUSTOM_SCALE_OPTIONS]}},
        {"type": "input", "block_id": "theme", "optional": True, "label": plain("Theme (optional)"),
         "hint": plain("Groups the question with related comments and suggested actions in "
                     "digests."),
         "element": {"type": "static_select", "action_id": "value",
                     "placeholder": plain("No theme"),
                     "options": [_option(th, th) for th in _themes()]}},
    ]
    return _modal(ADD_QUESTION_CALLBACK, "Add a question", blocks, submit="Add", close="Back")


def _themes() -> tuple[str, ...]:
    from analytics.text.themes import THEMES

    return THEMES


# -- privacy, schedule, resources ------------------------------------------------

def _number(block_id: str, label: str, value: int, lo: int, hi: int, hint: str) -> dict:
    return {"type": "input", "block_id": block_id, "label": plain(label), "hint": plain(hint),
            "element": {"type": "number_input", "action_id": "value",
                        "is_decimal_allowed": False, "initial_value": str(value),
                        "min_value": str(lo), "max_value": str(hi)}}


def thresholds_modal(min_n: int, min_comments: int) -> dict:
    blocks = [
        section("Leaders never see a number or a comment from a group smaller than these."),
        _number("scores", "Minimum group size for scores", min_n, 3, 100,
                "Default 5, never below 3. Stops anyone working out one person's answers "
                "from a small group's numbers."),
        _number("comments", "Minimum respondents for comments", min_comments, 3, 100,
                "Default 10, never below the score minimum. Wording can point to a person, "
                "so comments need a bigger crowd."),
    ]
    return _modal(PRIVACY_CALLBACK, "Privacy thresholds", blocks, submit="Save", close="Cancel")


def _select(block_id: str, label: str, options: list[tuple[str, str]], initial: str | None,
            optional: bool = False, hint: str | None = None) -> dict:
    opts = [_option(text, value) for text, value in options]
    element = {"type": "static_select", "action_id": "value", "options": opts,
               "placeholder": plain("Choose")}
    chosen = next((o for o in opts if o["value"] == initial), None)
    if chosen:
        element["initial_option"] = chosen
    block = {"type": "input", "block_id": block_id, "label": plain(label), "element": element,
             "optional": optional}
    if hint:
        block["hint"] = plain(hint)
    return block


def schedule_modal(every: str | None, weekday: int | None, hhmm: str | None, window: int,
                   reminder: bool) -> dict:
    blocks = [
        section("When candor opens a round by itself. Each person is invited at this time in "
            "*their own* time zone; weekends are skipped."),
        _select("every", "How often", [("Not scheduled (send rounds by hand)", "off"),
                                       ("Weekly", "weekly"), ("Every other week", "biweekly"),
                                       ("Monthly (first such weekday)", "monthly")],
                every or "off"),
        _select("weekday", "Weekday", [(d, str(i)) for i, d in enumerate(WEEKDAY_NAMES)],
                None if weekday is None else str(weekday), optional=True),
        {"type": "input", "block_id": "time", "optional": True, "label": plain("Time (local)"),
         "element": {"type": "timepicker", "action_id": "value",
                     "initial_time": hhmm or "10:00"}},
        _number("window", "Days each round stays open", window, 1, 14, "Default 3."),
        {"type": "input", "block_id": "reminder", "label": plain("Reminder"),
         "element": {"type": "radio_buttons", "action_id": "value",
                     "initial_option": _option("On", "on") if reminder else _option("Off", "off"),
                     "options": [_option("On", "on"), _option("Off", "off")]},
         "hint": plain("One gentle reminder mid-window to people who haven't answered.")},
    ]
    return _modal(SCHEDULE_CALLBACK, "Schedule", blocks, submit="Save", close="Cancel")


def resources_modal(custom: str | None, shown: str) -> dict:
    blocks = [
        section("Shown privately in the thank-you to anyone whose burnout answer is 4 or 5, and "
            "always on App Home. Add your Employee Assistance Program (EAP) number or crisis "
            "line. Nobody is told who saw it, and it isn't recorded."),
        section(f"*Shown now:*\n{shown}"),
        {"type": "input", "block_id": "text", "optional": True,
         "label": plain("Your organisation's support resources"),
         "hint": plain("Leave empty to use the default (988 Suicide & Crisis Lifeline and your "
                     "EAP)."),
         "element": {"type": "plain_text_input", "action_id": "value", "multiline": True,
                     "max_length": 1500}},
    ]
    if custom:
        blocks[-1]["element"]["initial_value"] = custom
    return _modal(RESOURCES_CALLBACK, "Support resources", blocks, submit="Save", close="Cancel")


def submitted(view: dict) -> dict[str, str | None]:
    """{block_id: value} from a submitted modal's state, whatever the element type."""
    out: dict[str, str | None] = {}
    values = ((view or {}).get("state") or {}).get("values") or {}
    for block_id, actions in values.items():
        el = actions.get("value") if isinstance(actions, dict) else None
        if not isinstance(el, dict):
            continue
        opt = el.get("selected_option")
        raw = (opt.get("value") if isinstance(opt, dict) else None) if "selected_option" in el \
            else el.get("selected_time", el.get("value"))
        out[block_id] = raw if isinstance(raw, str) else (None if raw is None else str(raw))
    return out
