"""The `view.state.values` Slack reports for a submission or an action, built from the
view's own blocks so each element type gets its real shape."""

from __future__ import annotations

import copy
from typing import Any

# Where each element type keeps its value in view.state.values (single-valued kinds).
_STATE_KEYS = {
    "plain_text_input": "value",
    "number_input": "value",
    "email_text_input": "value",
    "url_text_input": "value",
    "rich_text_input": "rich_text_value",
    "users_select": "selected_user",
    "conversations_select": "selected_conversation",
    "channels_select": "selected_channel",
    "datepicker": "selected_date",
    "timepicker": "selected_time",
    "datetimepicker": "selected_date_time",
}
_MULTI_STATE_KEYS = {
    "multi_users_select": "selected_users",
    "multi_conversations_select": "selected_conversations",
    "multi_channels_select": "selected_channels",
}
SINGLE_OPTION = {"radio_buttons", "static_select", "external_select", "overflow"}
MULTI_OPTION = {"checkboxes", "multi_static_select", "multi_external_select"}
# The initial_* field Slack pre-fills state with when the user leaves an input alone.
_INITIAL_KEYS = {
    "value": "initial_value",
    "rich_text_value": "initial_value",
    "selected_user": "initial_user",
    "selected_conversation": "initial_conversation",
    "selected_channel": "initial_channel",
    "selected_date": "initial_date",
    "selected_time": "initial_time",
    "selected_date_time": "initial_date_time",
    "selected_users": "initial_users",
    "selected_conversations": "initial_conversations",
    "selected_channels": "initial_channels",
}


def _options(element: dict[str, Any]) -> list[dict[str, Any]]:
    options = list(element.get("options") or [])
    for group in element.get("option_groups") or []:
        options += group.get("options") or []
    return options


def _option(element: dict[str, Any], answer: Any) -> dict[str, Any]:
    """The option object whose value is `answer` (options may be given as dicts)."""
    if isinstance(answer, dict):
        return answer
    options = _options(element)
    for option in options:
        if str(option.get("value")) == str(answer):
            return copy.deepcopy(option)
    if element.get("type", "").endswith("external_select"):
        return {"text": {"type": "plain_text", "text": str(answer)}, "value": str(answer)}
    valid = [o.get("value") for o in options]
    raise ValueError(f"{answer!r} is not an option of {element.get('action_id')!r}; valid: {valid}")


def element_state(
    element: dict[str, Any], answer: Any = None, answered: bool = True
) -> dict[str, Any]:
    """One element's entry in view.state.values, as Slack reports it."""
    kind = element.get("type", "")
    state: dict[str, Any] = {"type": kind}
    if kind in SINGLE_OPTION:
        if not answered:
            answer = element.get("initial_option")
        state["selected_option"] = None if answer is None else _option(element, answer)
    elif kind in MULTI_OPTION:
        if not answered:
            answer = element.get("initial_options") or []
        if answer is not None and not isinstance(answer, list | tuple | set):
            answer = [answer]
        state["selected_options"] = [_option(element, a) for a in answer or []]
    elif kind in _MULTI_STATE_KEYS:
        key = _MULTI_STATE_KEYS[kind]
        state[key] = list(answer or []) if answered else list(element.get(_INITIAL_KEYS[key]) or [])
    else:
        key = _STATE_KEYS.get(kind, "value")
        state[key] = answer if answered else element.get(_INITIAL_KEYS.get(key, "initial_value"))
        if kind == "plain_text_input" and state[key] is not None:
            state[key] = str(state[key])
    return state


def _block_elements(block: dict[str, Any]) -> list[dict[str, Any]]:
    if block.get("type") == "input":
        return [block["element"]] if isinstance(block.get("element"), dict) else []
    elements = [e for e in block.get("elements") or [] if isinstance(e, dict)]
    if block.get("type") == "actions":
        return elements
    return [block["accessory"]] if isinstance(block.get("accessory"), dict) else []


def state_from(view: dict[str, Any], answers: dict[str, Any]) -> dict[str, Any]:
    """Build `view.state.values` for a submission from {block_id: answer}.

    Inspects the view's blocks so the shape matches each element type: radio_buttons /
    static_select -> selected_option (answer = option value or option dict),
    checkboxes / multi_static_select -> selected_options (answer = list of values),
    plain_text_input -> value, channels_select -> selected_channel, etc. Like Slack,
    every input block appears (unanswered ones with their initial value or null);
    non-input elements appear only when answered. Unknown block ids / option values
    raise, so a test cannot silently submit something Slack never would.
    """
    values: dict[str, dict[str, Any]] = {}
    unknown = set(answers)
    for block in view.get("blocks") or []:
        block_id = block.get("block_id")
        answered = block_id in answers
        if not answered and block.get("type") != "input":
            continue
        unknown.discard(block_id)
        for element in _block_elements(block):
            if "action_id" not in element:
                continue
            values.setdefault(block_id, {})[element["action_id"]] = element_state(
                element, answers.get(block_id), answered
            )
    if unknown:
        raise KeyError(f"no block(s) {sorted(unknown)} in view {view.get('callback_id')!r}")
    return values


def find_element(
    blocks: list[dict[str, Any]], action_id: str, block_id: str | None = None
) -> tuple[dict[str, Any] | None, str | None]:
    """Find the interactive element with `action_id` (in `block_id` if given)."""
    for block in blocks or []:
        if block_id is not None and block.get("block_id") != block_id:
            continue
        for element in _block_elements(block):
            if element.get("action_id") == action_id:
                return element, block.get("block_id")
    return None, None
