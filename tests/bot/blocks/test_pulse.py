"""The pulse's Block Kit: its invitation, its modal and its results post."""

from __future__ import annotations

import json
from datetime import date

from analytics.digest.model import ThemeSummary
from bot.blocks.checkin import Pulse, checkin_modal, pulse_prompt_blocks
from bot.blocks.pulse import PulseResults, pulse_blocks


def _results(**kw) -> PulseResults:
    base = dict(kind="stay", number=2, seed="draw_away", answered=12, invited=40, k=10,
                themes=(ThemeSummary("pay", 5, None, None, -0.3),),
                quotes=("Pay <@U0123ABCD> & more",), first=date(2026, 3, 2),
                last=date(2026, 3, 5))
    return PulseResults(**{**base, **kw})


def test_results_quote_answers_escaped_and_say_what_was_asked():
    blocks, text = pulse_blocks(_results())
    blob = json.dumps(blocks, ensure_ascii=False)
    assert "What would draw you away from working here?" in blob
    assert "&lt;@U0123ABCD&gt; &amp; more" in blob and "<@U0123ABCD>" not in blob
    assert "12 answers" in text and "2 Mar – 5 Mar 2026" in blob


def test_under_the_threshold_nothing_is_quoted():
    blocks, text = pulse_blocks(_results(answered=0, quotes=()))
    assert "Fewer than 10" in text and "Pay" not in json.dumps(blocks)


def test_an_exit_pool_states_its_pooling():
    blob = json.dumps(pulse_blocks(_results(kind="exit", seed="exit", number=1, invited=11))[0])
    assert "exit check-ins, pool 1" in blob and "Offered to 11 people" in blob
    assert "pooled until at least 10" in blob
    # beside the admin's list of who was offered, a count would say who answered
    assert "10 or more answers" in blob and "12 answers" not in blob and "5 comments" not in blob


def test_twelve_long_answers_fit_one_message():
    blocks, _ = pulse_blocks(_results(quotes=tuple("x" * 1000 for _ in range(12))))
    assert len(blocks) <= 50
    assert all(len(b.get("text", {}).get("text", "")) <= 3000 for b in blocks)


def test_the_invitation_and_modal_ask_the_seed_question_in_the_readers_language():
    blocks, _ = pulse_prompt_blocks("es", Pulse("stay", "why_stay"), "TICKET", "lunes", 10)
    blob = json.dumps(blocks, ensure_ascii=False)
    assert "¿Qué le hace seguir trabajando aquí?" in blob and "TICKET" in blob
    view = checkin_modal("en", [], {"k": "T"}, pulse=Pulse("exit", "exit"))
    comment = [b for b in view["blocks"] if b.get("block_id") == "comment"][0]
    assert comment["optional"] is False and comment["label"]["text"].startswith("What most made")
    assert view["title"]["text"] == "Exit check-in"
    plain = checkin_modal("en", [], {"k": "T"})
    assert [b for b in plain["blocks"] if b.get("block_id") == "comment"][0]["optional"] is True
