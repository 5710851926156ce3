"""Admin modals and App Home stay inside Slack's Block Kit limits."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from analytics.questions import default_bank
from bot.blocks import admin as views
from bot.blocks.home import admin_blocks, clinician_blocks, home_view
from bot.testing.fakeslack import validate_view


def row(q, **kw):
    fields = dict(key=q.key, scale=q.scale_key, text_en=q.text_en, text_es=q.text_es,
                  theme=q.theme, required=q.required, validated=q.validated, builtin=True,
                  source=q.source, enabled=True, position=q.position)
    return SimpleNamespace(**(fields | kw))


def custom(n, **kw):
    return SimpleNamespace(**({"key": f"custom_{n}", "scale": "yesno", "text_en": "Q" * 150,
                              "text_es": "Q" * 150, "theme": None, "required": False,
                              "validated": False, "builtin": False, "enabled": n % 2 == 0,
                              "source": f"custom; {views.NO_SPANISH}", "position": 10 + n} | kw))


def test_questions_modal_at_the_bank_limit_is_valid():
    from bot.services.settings import MAX_BANK

    bank = [row(q) for q in default_bank()]
    bank += [custom(n) for n in range(MAX_BANK - len(bank))]
    view = views.questions_modal(bank, 5, notice="x" * 400)
    assert validate_view(view) == []
    menus = [b["accessory"] for b in view["blocks"] if "accessory" in b]
    assert len(menus) == MAX_BANK
    assert all(2 <= len(m["options"]) <= 5 for m in menus)
    assert all(len(o["value"]) <= 75 for m in menus for o in m["options"])


def test_required_items_have_no_disable_and_custom_items_are_marked():
    bank = [row(q) for q in default_bank()] + [custom(2)]
    view = views.questions_modal(bank, 5)
    by_key = {b["block_id"][2:]: b for b in view["blocks"] if b.get("block_id", "").startswith("q_")}
    for key in ("burnout", "intent_to_stay"):
        values = [o["value"] for o in by_key[key]["accessory"]["options"]]
        assert not any(v.startswith("disable") for v in values)
        assert "always asked" in by_key[key]["text"]["text"]
    text = by_key["custom_2"]["text"]["text"]
    assert "not validated" in text and "custom" in text and views.NO_SPANISH in text


@pytest.mark.parametrize("view", [
    views.add_question_modal(),
    views.thresholds_modal(5, 10),
    views.schedule_modal(None, None, None, 3, True),
    views.schedule_modal("biweekly", 4, "16:30", 14, False),
    views.resources_modal(None, "default"),
    views.resources_modal("x" * 1500, "x" * 1500),
    views.admin_only_modal(),
])
def test_modals_are_valid(view):
    assert validate_view(view) == []


def test_schedule_modal_prefills_saved_values():
    view = views.schedule_modal("monthly", 2, "08:15", 5, False)
    blocks = {b.get("block_id"): b for b in view["blocks"]}
    assert blocks["every"]["element"]["initial_option"]["value"] == "monthly"
    assert blocks["weekday"]["element"]["initial_option"]["value"] == "2"
    assert blocks["time"]["element"]["initial_time"] == "08:15"
    assert blocks["window"]["element"]["initial_value"] == "5"
    assert blocks["reminder"]["element"]["initial_option"]["value"] == "off"


def test_submitted_reads_every_element_kind():
    view = {"state": {"values": {
        "a": {"value": {"type": "plain_text_input", "value": "hi"}},
        "b": {"value": {"type": "static_select", "selected_option": {"value": "weekly"}}},
        "c": {"value": {"type": "static_select", "selected_option": None}},
        "d": {"value": {"type": "timepicker", "selected_time": "09:30"}},
        "e": {"value": {"type": "number_input", "value": 7}},
        "f": {"other": {"type": "plain_text_input", "value": "ignored"}},
        "g": "garbage",
    }}}
    assert views.submitted(view) == {"a": "hi", "b": "weekly", "c": None, "d": "09:30", "e": "7"}
    assert views.submitted({}) == {}


@pytest.mark.parametrize("lang", ["en", "es"])
@pytest.mark.parametrize("paused", [False, True])
def test_home_is_valid(lang, paused):
    blocks = admin_blocks(["*x*"] * 6) + clinician_blocks(
        lang, paused=paused, next_when="lunes 3 de marzo a las 10:00", resources="r" * 1500,
        min_n=5, min_comments=10)
    assert validate_view(home_view(blocks)) == []
