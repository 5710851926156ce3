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
    higher_is_worse,
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
        assert "Center for Victims of Torture" in m.credit and "www.proqol.org" in m.credit
        assert m.name.endswith("adapted from the ProQOL")
        assert m.todo is None and len(m.items) == 10 and m.scores == (key,)
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


# -- ProQOL 5: secondary traumatic stress and compassion satisfaction ------------

# The ProQOL 5 items as two independent public copies of the form print them
# (GitHub code index ids 56656404718 and 36827614714, which agree word for
# word), keyed by the item's number on the form. Typed here from those
# copies, not from the bank, so a paraphrase in the bank fails this test.
PROQOL_STS = {
    2: "I am preoccupied with more than one person I [help].",
    5: "I jump or am startled by unexpected sounds.",
    7: "I find it difficult to separate my personal life from my life as a [helper].",
    9: "I think that I might have been affected by the traumatic stress of those I [help].",
    11: 'Because of my [helping], I have felt "on edge" about various things.',
    13: "I feel depressed because of the traumatic experiences of the people I [help].",
    14: "I feel as though I am experiencing the trauma of someone I have [helped].",
    23: "I avoid certain activities or situations because they remind me of frightening "
        "experiences of the people I [help].",
    25: "As a result of my [helping], I have intrusive, frightening thoughts.",
    28: "I can't recall important parts of my work with trauma victims.",
}
PROQOL_CS = {
    3: "I get satisfaction from being able to [help] people.",
    6: "I feel invigorated after working with those I [help].",
    12: "I like my work as a [helper].",
    16: "I am pleased with how I am able to keep up with [helping] techniques and protocols.",
    18: "My work makes me feel satisfied.",
    20: "I have happy thoughts and feelings about those I [help] and how I could help them.",
    22: "I believe I can make a difference through my work.",
    24: "I am proud of what I can do to [help].",
    27: 'I have thoughts that I am a "success" as a [helper].',
    30: "I am happy that I chose to do this work.",
}


def _unbracketed(text: str) -> str:
    """The form's [help]/[helper]/[helping]/[helped], shown as those words
    (the adaptation the bank records)."""
    for w in ("helped", "helping", "helper", "help"):
        text = text.replace(f"[{w}]", w)
    return text


@pytest.mark.parametrize(("module", "form"), [("proqol_sts", PROQOL_STS),
                                              ("proqol_cs", PROQOL_CS)])
def test_proqol_items_are_word_for_word_the_form(module, form):
    bank = load_bank()
    m = bank.module(module)
    assert m.items == tuple(f"proqol_{n}" for n in form)  # the form's numbers, in order
    assert bank.item(module).score_items == m.items
    for n, text in form.items():
        item = bank.item(f"proqol_{n}")
        assert item.text_en == _unbracketed(text), n
        assert item.module == module and not item.reverse  # no STS/CS item is reversed
        assert f"item {n} " in item.source and item.validated
        assert "adapted from the ProQOL" in item.status + item.licence
        if "[" in text:  # the substitution is recorded on the item
            assert text[text.index("["):text.index("]") + 1] in item.source
        # The Spanish is ours, marked as the Dolan item's is.
        assert item.es_status == "translation, not validated" and item.text_es != item.text_en


def test_proqol_answers_frame_and_subscale_bands():
    bank = load_bank()
    for module, sc in (("proqol_sts", "proqol_sts5"), ("proqol_cs", "proqol_cs5")):
        m = bank.module(module)
        assert {bank.item(k).scale_key for k in m.items} == {sc}
        assert scale(sc).values == (1, 2, 3, 4, 5)
        assert scale(sc).labels == ("Never", "Rarely", "Sometimes", "Often", "Very Often")
        # The form's stem and 30-day frame, brackets dropped.
        assert m.intro_en.startswith("When you help people you have direct contact with their "
                                     "lives.")
        assert m.intro_en.endswith("how frequently you experienced these things in the last "
                                   "30 days.")
        assert "30 días" in m.intro("es") and m.intro("en") == m.intro_en
    # Stamm 2010: 22 or less low, 23–41 moderate, 42 or more high.
    sts, cs = scale("proqol_sts_sum"), scale("proqol_cs_sum")
    assert sts.values == cs.values == tuple(range(10, 51))
    assert [v for v in (41, 42, 50) if sts.is_flagged(v)] == [42, 50]  # % high shown
    assert [v for v in (10, 22, 23) if cs.is_flagged(v)] == [10, 22]  # % low shown
    # Both rates are bad news when they rise; STS items up is bad, CS items up good.
    assert higher_is_worse("proqol_sts", "proqol_sts_sum")
    assert higher_is_worse("proqol_cs", "proqol_cs_sum")
    assert higher_is_worse("proqol_2", "proqol_sts5") and not higher_is_worse("proqol_3",
                                                                               "proqol_cs5")


def test_proqol_subscales_are_sums_worked_by_hand():
    sts = dict(zip((f"proqol_{n}" for n in PROQOL_STS), (3, 2, 4, 1, 5, 2, 3, 1, 2, 1),
                   strict=True))
    cs = dict(zip((f"proqol_{n}" for n in PROQOL_CS), (5, 4, 5, 4, 4, 5, 5, 4, 3, 5),
                  strict=True))
    # STS: 3+2+4+1+5+2+3+1+2+1 = 24 (moderate); CS: 5+4+5+4+4+5+5+4+3+5 = 44 (high).
    assert derived_scores({**sts, **cs}) == {"proqol_sts": 24, "proqol_cs": 44}
    assert not scale("proqol_sts_sum").is_flagged(24) and not scale("proqol_cs_sum").is_flagged(44)
    # Every answer "Very Often": STS 50, high; every answer "Never": CS 10, low.
    assert derived_scores(dict.fromkeys(sts, 5)) == {"proqol_sts": 50}
    assert derived_scores(dict.fromkeys(cs, 1)) == {"proqol_cs": 10}
    # A skipped item: no score (a partial sum is not the published subscale).
    assert derived_scores({k: v for k, v in sts.items() if k != "proqol_28"}) == {}
    # Summed, not averaged on 0–100 as the CBI is: the same answers as points
    # would give (24 - 10) / 40 * 100 = 35.
    assert derived_scores(sts)["proqol_sts"] != 35


def test_a_sum_score_must_fit_its_items_range():
    raw = _raw()
    for q in raw["question"]:
        if q["key"] == "proqol_sts":
            q["items"] = q["items"][:9]  # nine 1–5 items sum to 9–45, not 10–50
    with pytest.raises(ValueError, match="proqol_sts_sum is not 9–45"):
        parse_bank(raw)


def test_proqol_rotates_with_the_other_modules():
    on = ["cbi_work", "proqol_sts", "proqol_cs"]
    assert [module_for_round(on, n, "weekly") for n in (4, 8, 12, 16)] == [
        "cbi_work", "proqol_sts", "proqol_cs", "cbi_work"]
    bank = _bank_with("proqol_sts", "proqol_cs")
    keys = items_for_round(bank, active_modules(bank), 4, "weekly", 5)
    assert keys[:5] == [q.key for q in pick_for_round(bank, 4, 5)]
    assert keys[5:] == [f"proqol_{n}" for n in PROQOL_STS]  # one module, never its score
    assert not any(k.startswith("proqol") for k in items_for_round(bank, ["proqol_sts"], 3,
                                                                      "weekly", 5))


def test_a_bank_scale_cannot_redefine_one_already_registered():
    raw = _raw()
    sts = next(s for s in raw["scale"] if s["key"] == "proqol_sts_sum")
    raw["scale"] = [{**sts, "flag_min": 41}]  # would quietly move the "high" cut point
    with pytest.raises(ValueError, match="already defined differently"):
        parse_bank(raw)
    assert scale("proqol_sts_sum").flag_min == 42
