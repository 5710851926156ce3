"""The check-in's optional role and tenure questions, and their command."""

from __future__ import annotations

import json

import pytest

from bot.blocks.checkin import SegmentAsk, checkin_modal, segment_blocks
from bot.commands import UsageError, parse
from bot.listeners.views.checkin_submitted import _segments


def test_off_by_default():
    assert segment_blocks("en", SegmentAsk()) == []
    view = checkin_modal("en", [], {"k": "t"})
    assert not any(b.get("block_id", "").startswith("seg_") for b in view["blocks"])


@pytest.mark.parametrize("lang, words", [("en", "only if you want to"), ("es", "solo si lo desea")])
def test_voluntary_and_said_to_be(lang, words):
    blocks = segment_blocks(lang, SegmentAsk(True, True, None, 7))
    text = json.dumps(blocks, ensure_ascii=False)
    assert words in text and "7" in text
    inputs = [b for b in blocks if b["type"] == "input"]
    assert [b["block_id"] for b in inputs] == ["seg_role", "seg_tenure"]
    assert all(b["optional"] for b in inputs)
    assert [o["value"] for o in inputs[1]["element"]["options"]] == ["lt1", "1to2", "2to5", "gt5"]
    assert all(len(o["text"]["text"]) <= 75 for b in inputs for o in b["element"]["options"])


def test_admin_labels_replace_the_defaults_in_both_languages():
    for lang in ("en", "es"):
        blocks = segment_blocks(lang, SegmentAsk(True, False, {"peer": "Peer support"}))
        opts = {o["value"]: o["text"]["text"] for o in blocks[-1]["element"]["options"]}
        assert opts["peer"] == "Peer support" and len(opts) == 5


def test_submitted_picks_are_read_and_junk_ignored():
    view = {"state": {"values": {
        "seg_role": {"answer": {"selected_option": {"value": "peer"}}},
        "seg_tenure": {"answer": {"selected_option": None}}}}}
    assert _segments(view) == {"role": "peer", "tenure": None}
    assert _segments({"state": "junk"}) == {"role": None, "tenure": None}
    assert _segments({}) == {"role": None, "tenure": None}


def test_command_parsing():
    assert parse("segments").name == "segments.show"
    c = parse("segments tenure on")
    assert c.name == "segments.ask" and c.args == {"dim": "tenure", "on": True}
    c = parse("segments label peer Peer support specialist")
    assert c.args == {"role": "peer", "text": "Peer support specialist"}
    with pytest.raises(UsageError):
        parse("segments role maybe")
