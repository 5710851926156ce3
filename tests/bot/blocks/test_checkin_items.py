"""How items are shown in the check-in modal: the burnout statements in full,
options that fit Slack's limits, and every scale labelled in both languages."""

from __future__ import annotations

import json

from analytics.instruments import load_bank
from analytics.questions import asked_directly, default_bank, module_questions
from bot.blocks.checkin import checkin_modal, question_block
from bot.i18n import t

BURNOUT = next(q for q in default_bank() if q.key == "burnout")


def _text(blocks) -> str:
    out = []
    for b in blocks:
        if "text" in b:
            out.append(b["text"]["text"])
        if "label" in b:
            out.append(b["label"]["text"])
    return "\n".join(out)


def _unescape(s: str) -> str:
    return s.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def test_modal_shows_every_full_burnout_statement_and_the_stem():
    for lang, statements in (("en", load_bank().item("burnout").statements_en),
                             ("es", load_bank().item("burnout").statements_es)):
        shown = _unescape(_text(question_block(BURNOUT, lang)))
        for s in statements:
            assert s in shown, (lang, s)
        assert BURNOUT.text(lang) in shown
        # The catalog shows the bank's words, not a copy that could drift.
        assert [t(lang, f"scale.burnout5.{v}") for v in range(1, 6)] == list(statements)


def test_burnout_options_are_numbers_pointing_at_the_statements():
    blocks = question_block(BURNOUT, "en")
    section, inp = blocks
    assert section["type"] == "section" and inp["type"] == "input"
    assert inp["block_id"] == "q_burnout"
    options = inp["element"]["options"]
    assert [o["value"] for o in options] == ["1", "2", "3", "4", "5"]
    assert [o["text"]["text"] for o in options] == [f"Statement {n}" for n in range(1, 6)]
    # Each number labels its statement in the text above.
    for n in range(1, 6):
        assert f"*{n}.* " in section["text"]["text"]
    es = question_block(BURNOUT, "es")[1]["element"]["options"]
    assert es[2]["text"]["text"] == "Afirmación 3"


def test_every_option_fits_slack_limits_for_every_bank_item():
    items = default_bank() + [q for m in load_bank().modules if m.items
                              for q in module_questions(m.key) if asked_directly(q)]
    for q in items:
        for lang in ("en", "es"):
            blocks = question_block(q, lang)
            inp = blocks[-1]
            assert len(inp["label"]["text"]) <= 2000
            for o in inp["element"]["options"]:
                assert 0 < len(o["text"]["text"]) <= 75, (q.key, lang, o)
            if q.scale_key not in ("burnout5", "likelihood11", "enps11"):
                # A worded scale is labelled from the catalog in this language.
                first = inp["element"]["options"][0]["text"]["text"]
                assert first == t(lang, f"scale.{q.scale_key}.{q.scale.values[0]}")


def test_cbi_items_show_their_own_answer_formats():
    qs = {q.key: q for q in module_questions("cbi_work")}
    freq = question_block(qs["cbi_work_1"], "en")[-1]["element"]["options"]
    assert [o["text"]["text"] for o in freq] == [
        "Never/almost never", "Seldom", "Sometimes", "Often", "Always"]
    inten = question_block(qs["cbi_work_5"], "en")[-1]["element"]["options"]
    assert inten[-1]["text"]["text"] == "To a very high degree"


def test_whole_modal_with_default_bank_stays_under_slack_block_limit():
    view = checkin_modal("en", [q for q in default_bank() if q.enabled], {"t": "x"})
    assert len(view["blocks"]) <= 100


def test_a_modules_instructions_and_credit_head_its_items_once():
    """The ProQOL items mean "in the last 30 days" only with the form's own
    instructions above them, and its terms ask for the credit line."""
    items = module_questions("proqol_sts")
    for lang, frame in (("en", "last 30 days"), ("es", "30")):
        view = checkin_modal(lang, [q for q in items if asked_directly(q)], {"k": "T"})
        texts = [json.dumps(b, ensure_ascii=False) for b in view["blocks"]]
        heads = [i for i, x in enumerate(texts) if frame in x and "q_proqol" not in x]
        credits = [i for i, x in enumerate(texts) if "Center for Victims of Torture" in x]
        first_item = next(i for i, b in enumerate(view["blocks"])
                          if str(b.get("block_id", "")).startswith("q_proqol"))
        assert len(heads) == 1 and len(credits) == 1 and heads[0] < credits[0] < first_item
    plain = checkin_modal("en", default_bank()[:3], {"k": "T"})
    assert "Victims of Torture" not in json.dumps(plain)
