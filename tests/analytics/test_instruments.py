"""The instrument bank: wording pinned to the sources, provenance recorded for
every item, modules, rotation and published reference points."""

from __future__ import annotations

import tomllib
from dataclasses import replace
from importlib import resources

import pytest

from analytics.instruments import (
    Reference,
    derived_scores,
    load_bank,
    parse_bank,
    reference_for,
    render,
)
from analytics.questions import (
    active_modules,
    default_bank,
    items_for_round,
    module_for_round,
    module_questions,
    pick_for_round,
)
from analytics.scoring import BURNOUT5, scale

# Typed here from the brief (Dolan et al. 2015 / Physician Worklife Study), not
# copied from the bank, so a paraphrase in the bank fails this test.
DOLAN_STEM = ("Overall, based on your definition of burnout, how would you rate your level "
              "of burnout?")
DOLAN = (
    "I enjoy my work. I have no symptoms of burnout.",
    "Occasionally I am under stress, and I don't always have as much energy as I once did, "
    "but I don't feel burned out.",
    "I am definitely burning out and have one or more symptoms of burnout, such as physical "
    "and emotional exhaustion.",
    "The symptoms of burnout that I'm experiencing won't go away. I think about frustration "
    "at work a lot.",
    "I feel completely burned out and often wonder if I can go on. I am at the point where I "
    "may need some changes or may need to seek some sort of help.",
)


def _raw() -> dict:
    return tomllib.loads(resources.files("analytics.data").joinpath("questions.toml")
                         .read_text("utf-8"))


def test_dolan_stem_and_statements_are_word_for_word():
    item = load_bank().item("burnout")
    assert item.text_en == DOLAN_STEM
    assert item.statements_en == DOLAN
    assert BURNOUT5.labels == DOLAN
    assert (BURNOUT5.flag_min, BURNOUT5.flag_max) == (3, 5)  # 3 or more = burnout
    assert item.validated and "Dolan" in item.citation
    # The Spanish is ours, and says so.
    assert item.es_status == "translation, not validated"
    assert len(item.statements_es) == 5
    assert "uno o más síntomas" in item.statements_es[2]


def test_every_item_records_wording_source_licence_and_status():
    for raw in _raw()["question"]:
        for field in ("key", "scale", "text_en", "text_es", "source", "citation", "licence",
                      "status", "es_status"):
            assert raw.get(field), (raw["key"], field)
        assert isinstance(raw.get("validated"), bool), raw["key"]
        scale(raw["scale"])
        if not raw["validated"]:
            assert "validated" in raw["status"], raw["key"]  # says how far it is validated


def test_support_item_is_one_spos_item_with_the_organisations_name():
    item = load_bank().item("support")
    assert not item.validated
    assert item.status.startswith("single item from a validated scale")
    assert "Eisenberger" in item.citation and "Shanock" in item.citation
    assert render(item.text_en, "en") == "My organization really cares about my well-being."
    assert render(item.text_es, "es") == "Mi organización realmente se preocupa por mi bienestar."
    assert render(item.text_en, "en", "Riverbend CMHC") == (
        "Riverbend CMHC really cares about my well-being.")
    assert [q.text_en for q in default_bank("Riverbend CMHC") if q.key == "support"] == [
        "Riverbend CMHC really cares about my well-being."]


def test_supervision_is_split_and_the_old_item_retired_not_deleted():
    bank = load_bank()
    old = bank.item("supervision")
    assert old.retired and not old.enabled  # kept so older rounds stay readable
    quality, access = bank.item("supervision_quality"), bank.item("supervision_access")
    assert "safe space to reflect on the emotional impact" in quality.text_en
    assert "when I need it" in access.text_en
    for q in (quality, access):
        assert not q.validated and "clinical" not in q.text_en.lower()
    keys = [q.key for q in default_bank()]
    assert "supervision" not in keys and {"supervision_quality", "supervision_access"} <= set(keys)


def test_modules_record_source_and_terms():
    bank = load_bank()
    assert {m.key for m in bank.modules} >= {"cbi_work", "cbi_client", "psych_safety",
                                             "proqol_sts", "proqol_cs"}
    for m in bank.modules:
        assert m.source and m.terms, m.key
    for key in ("proqol_sts", "proqol_cs"):
        m = bank.module(key)
        assert "Center for Victims of Torture" in m.terms and "proqol.org" in m.terms + m.url
        assert "adapted from the ProQOL" in m.terms and "not sold" in m.terms
        # No wording typed from memory: the module waits for the official text.
        assert m.todo and not m.items
    assert len(bank.module("cbi_work").items) == 7 and bank.module("cbi_work").scores == ("cbi_work",)
    assert len(bank.module("cbi_client").items) == 6
    assert [k for k in bank.module("cbi_work").items if bank.item(k).reverse] == ["cbi_work_4"]
    for k in bank.module("psych_safety").items:
        assert not bank.item(k).validated  # our own items


def test_module_items_are_not_in_a_new_workspace():
    keys = {q.key for q in default_bank()}
    assert not keys & {i.key for i in load_bank().items if i.module}
    assert [q.key for q in module_questions("cbi_work")] == [
        *(f"cbi_work_{n}" for n in range(1, 8)), "cbi_work"]


# -- reference points -----------------------------------------------------------

def test_no_reference_for_a_different_instrument():
    bank = load_bank()
    # O'Connor 2018 is MBI-based: recorded for the docs, never beside the Dolan item.
    assert any("O'Connor" in r.citation for r in bank.references)
    assert reference_for("burnout") is None
    for item in bank.items:
        ref = reference_for(item.key)
        assert ref is None or ref.instrument == item.instrument


def test_the_loader_refuses_a_figure_for_another_instrument():
    raw = _raw()
    raw["reference"] = [{"key": "burnout", "instrument": "mbi-emotional-exhaustion",
                         "figure": "40%", "population": "x", "citation": "x", "caveat": "x"}]
    with pytest.raises(ValueError, match="instrument"):
        parse_bank(raw)


def test_a_matching_reference_is_returned():
    bank = load_bank()
    ref = Reference(instrument=bank.item("burnout").instrument, figure="x%", population="p",
                    citation="c", caveat="k", key="burnout")
    assert reference_for("burnout", replace(bank, references=(ref,))) == ref


# -- rotation -------------------------------------------------------------------

def _bank_with(*modules: str):
    qs = default_bank()
    pos = len(qs)
    for m in modules:
        for q in module_questions(m):
            qs.append(replace(q, position=pos))
            pos += 1
    return qs


def test_module_rounds_come_about_monthly_and_take_turns():
    on = ["cbi_work", "psych_safety"]
    weekly = [module_for_round(on, n, "weekly") for n in range(1, 17)]
    assert weekly == [None, None, None, "cbi_work", None, None, None, "psych_safety",
                      None, None, None, "cbi_work", None, None, None, "psych_safety"]
    assert [module_for_round(on, n, "biweekly") for n in range(1, 5)] == [
        None, "cbi_work", None, "psych_safety"]
    assert [module_for_round(on, n, "monthly") for n in range(1, 4)] == [
        "cbi_work", "psych_safety", "cbi_work"]
    assert module_for_round(on, 4, None) == "cbi_work"  # sent by hand: counted as weekly
    assert module_for_round([], 4, "weekly") is None


def test_items_for_round_adds_the_module_to_the_usual_pick():
    bank = _bank_with("cbi_work")
    on = active_modules(bank)
    assert on == ["cbi_work"]
    for n in (1, 2, 3):
        keys = items_for_round(bank, on, n, "weekly", 5)
        assert keys == [q.key for q in pick_for_round(bank, n, 5)]
        assert len(keys) == 5 and not any(k.startswith("cbi") for k in keys)
    keys = items_for_round(bank, on, 4, "weekly", 5)
    assert keys[:5] == [q.key for q in pick_for_round(bank, 4, 5)]
    # The items, never the derived score, which is computed.
    assert keys[5:] == [f"cbi_work_{n}" for n in range(1, 8)]


def test_a_module_turned_off_is_not_asked_and_retired_items_never_are():
    bank = [replace(q, enabled=False) if q.key.startswith("cbi") else q
            for q in _bank_with("cbi_work")]
    assert active_modules(bank) == []
    assert items_for_round(bank, active_modules(bank), 4, "weekly") == [
        q.key for q in pick_for_round(bank, 4, 5)]
    retired = load_bank().item("supervision")
    old = replace(default_bank()[0], key="supervision", required=False, position=99,
                  scale_key=retired.scale_key)
    assert "supervision" not in items_for_round(default_bank() + [old], [], 1, "weekly", 10)


def test_core_rotation_asks_every_enabled_item():
    bank = default_bank()
    seen = set()
    for n in range(1, 9):
        seen |= set(items_for_round(bank, [], n, "weekly", 5))
    assert seen == {q.key for q in bank if q.enabled}


def test_derived_scores_use_the_bank_by_default():
    answers = {f"cbi_work_{n}": 3 for n in range(1, 8)}  # all "sometimes"/"somewhat"
    assert derived_scores(answers) == {"cbi_work": 50}
