"""Block Kit helpers: Slack's limits without breaking words or entities."""

from __future__ import annotations

import pytest

from bot.blocks.checkin import privacy_modal, refusal_modal, thanks_modal
from bot.blocks.kit import title


def test_a_long_title_is_cut_at_a_word():
    assert title("How candor keeps you anonymous")["text"] == "How candor keeps you…"
    assert title("Check-in")["text"] == "Check-in"
    assert len(title("Supercalifragilisticexpialidocious")["text"]) == 24


@pytest.mark.parametrize("lang", ["en", "es"])
def test_every_checkin_modal_title_fits_whole(lang):
    views = [privacy_modal(lang, 5, 8), thanks_modal(lang, "988"),
             refusal_modal(lang, "closed")]
    for view in views:
        for key in ("title", "close", "submit"):
            if key in view:
                text = view[key]["text"]
                assert len(text) <= 24 and not text.endswith("…"), (key, text)
