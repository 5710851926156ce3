"""Staff get the summary in their own language; the Actions section says where
an action's measure stood when it was committed, and only from published figures."""

from __future__ import annotations

import json
from datetime import date

from bot.blocks.loop import (
    ActionItem,
    SummaryData,
    actions_section,
    committed_notice,
    heatmap_block,
    leader_blocks,
    reminder_message,
    status_confirmation,
    summary_blocks,
    summary_for,
)
from bot.i18n import keys, placeholders
from bot.testing.fakeslack.blockkit import validate_blocks

ITEM = ActionItem(id=1, text="Balance caseloads", answers_label="Measure: Burnout",
                  owner_id="UOWNER0001", due_on=date(2026, 10, 27), status="in_progress",
                  measure="burnout", since_round=2)


def _dump(x) -> str:
    return json.dumps(x, ensure_ascii=False)


def test_the_summary_in_spanish_has_no_english_left():
    d = SummaryData(round_number=2, dates="del 12 de octubre al 15 de octubre de 2026",
                    response="Respondieron 34 de las 40 personas invitadas (85%)",
                    findings=("El 59% de ustedes reportó síntomas de agotamiento (burnout)",),
                    actions=(ITEM,), min_n=5, lang="es")
    blocks, text = summary_blocks(d)
    dump = _dump(blocks)
    assert text == "Ustedes dijeron, hicimos: ronda 2 del chequeo de candor"
    assert "*Lo que nos dijeron*" in dump and "*Lo que estamos haciendo*" in dump
    assert "para el 27 de octubre (en curso)" in dump and "al menos 5 personas" in dump
    for english in ("What you said", "Thank you", "by 27", "in progress", "October"):
        assert english not in dump
    assert validate_blocks(blocks, 50, "/blocks") == []


def test_the_english_summary_keeps_its_words():
    blocks, text = summary_blocks(SummaryData(2, "Oct 12 – Oct 15, 2026", None, (), (ITEM,)))
    dump = _dump(blocks)
    assert text == "You said, we did: round 2 of candor's check-in"
    assert "by 27 October (in progress)" in dump and "What you said" not in dump


def test_loop_catalogs_match_key_for_key():
    en = {k: v for k, v in keys("en").items() if k.startswith(("summary.", "loop."))}
    es = {k: v for k, v in keys("es").items() if k.startswith(("summary.", "loop."))}
    assert en.keys() == es.keys() and len(en) > 40
    assert all(placeholders(en[k]) == placeholders(es[k]) for k in en)


def test_a_stored_summary_is_read_in_each_language():
    stored = {"en": {"blocks": [{"type": "divider"}], "text": "hello"},
              "es": {"blocks": [], "text": "hola"}}
    assert summary_for(stored, "hello", "es") == ([], "hola")
    assert summary_for(stored, "hello", "fr") == ([{"type": "divider"}], "hello")
    # A summary published before staff got their own language: one English message.
    assert summary_for([{"type": "divider"}], "hi", "es") == ([{"type": "divider"}], "hi")


def test_actions_say_where_the_measure_stood_when_committed():
    changes = {"burnout": "88% burnout now, ▲ 38 points vs rounds 1–3", "burnout@2": "59%"}
    text = _dump(actions_section([ITEM], changes))
    assert "its measure: 88% burnout now" in text
    assert "it was 59% in round 2, when this was committed" in text
    # No published figure for that round: no figure, and no claim.
    text = _dump(actions_section([ITEM], {"burnout": changes["burnout"]}))
    assert "when this was committed" not in text
    assert "when this was committed" not in _dump(actions_section([ITEM], {"burnout@2": "59%"}))


def test_the_leaders_view_names_the_heatmap_by_its_file_id():
    image = heatmap_block("F0HEAT01", "Team heatmap, round 4: …", 4)
    blocks = leader_blocks(4, "33 of 40", [], [], [], image)
    assert validate_blocks(blocks, 100, "/blocks") == []
    (shown,) = [b for b in blocks if b["type"] == "image"]
    assert shown["slack_file"] == {"id": "F0HEAT01"} and "image_url" not in shown
    assert "grey: withheld" in shown["title"]["text"]
    assert not [b for b in leader_blocks(4, None, [], [], []) if b["type"] == "image"]


def test_an_owner_is_reminded_in_their_language():
    blocks, text = reminder_message(ITEM, "es")
    dump = _dump(blocks)
    assert text.startswith("Recordatorio: una acción a tu cargo vence el martes 27 de octubre")
    assert "Responde a: Measure: Burnout" in dump and "en curso" in dump
    labels = [e["text"]["text"] for b in blocks if b["type"] == "actions" for e in b["elements"]]
    assert labels == ["Planificada", "Hecha", "Descartada"]
    for english in ("Reminder", "owner", "due", "Update its status", "Tuesday"):
        assert english not in dump
    assert validate_blocks(blocks, 50, "/blocks") == []
    assert "ahora está hecha" in status_confirmation(
        ActionItem(**{**ITEM.__dict__, "status": "done"}), "es")[1]
    assert "se comprometió con una acción a tu cargo" in committed_notice(ITEM, "U1", "es")[1]


def test_english_owner_messages_keep_their_words():
    blocks, text = reminder_message(ITEM)
    assert text == "Reminder: an action you own is due Tuesday 27 October: Balance caseloads"
    labels = [e["text"]["text"] for b in blocks if b["type"] == "actions" for e in b["elements"]]
    assert labels == ["Planned", "Done", "Dropped"]
    assert committed_notice(ITEM, "U1")[1] == "<@U1> committed an action you own, due Tuesday 27 October."
