from __future__ import annotations

import json
import re

from analytics.digest import CommentInfo, pct
from bot.blocks.digest import DETAILS_ACTION, MAX_BLOCKS, digest_blocks
from bot.blocks.digest_details import details_modal
from tests.builders import build, burnout_answers, make_round, team


def _texts(blocks):
    for b in blocks:
        if "text" in b:
            yield b["text"]["text"]
        for f in b.get("fields", []):
            yield f["text"]
        for e in b.get("elements", []):
            t = e.get("text")
            yield t["text"] if isinstance(t, dict) else t


def check_limits(blocks):
    assert 1 <= len(blocks) <= MAX_BLOCKS
    for t in _texts(blocks):
        assert 0 < len(t) <= 3000
    for b in blocks:
        if b["type"] == "header":
            assert len(b["text"]["text"]) <= 150
        assert len(b.get("fields", [])) <= 10
        for f in b.get("fields", []):
            assert len(f["text"]) <= 2000
    json.dumps(blocks)


def _rise():
    prev = make_round(1, {"A": team(20, 1, burnout_answers(4, 20)),
                          "B": team(20, 2, burnout_answers(5, 20))})
    cur = make_round(2, {"A": team(20, 3, burnout_answers(18, 20)),
                         "B": team(20, 4, burnout_answers(5, 20))})
    return prev, cur


def test_basic_digest_blocks():
    prev, cur = _rise()
    comments = {2: [CommentInfo("<!channel> caseloads & pay", ("workload", "pay"), -0.5)]}
    d = build([prev, cur], comments)
    blocks, fallback = digest_blocks(d, image_url="https://x/y.png")
    check_limits(blocks)
    assert blocks[0]["type"] == "header"
    assert any(b["type"] == "image" and b["alt_text"] for b in blocks)
    body = "\n".join(_texts(blocks))
    assert d.flagged and all(f"*{h}*" in body for h in d.headline)
    assert "95% CI" in body
    # Test names and p-values only behind the Details button.
    assert "p=" not in body and "z-test" not in body and "Fisher" not in body
    button = next(e for b in blocks if b["type"] == "actions" for e in b["elements"])
    assert button["action_id"] == DETAILS_ACTION and button["value"] == str(d.round_id)
    assert "docs/leaders.md" in body
    assert "<!channel>" not in body and "&lt;!channel&gt;" in body
    assert "<!channel>" not in fallback
    assert fallback.startswith("Round 2 digest")


def test_arrows_only_beside_real_changes():
    prev, cur = _rise()
    d = build([prev, cur])
    blocks, _ = digest_blocks(d)
    table = next(t for t in _texts(blocks) if t.startswith("*Measures*"))
    lines = table.splitlines()[1:]
    assert len(lines) == len(d.metrics)
    for m, line in zip(d.metrics, lines, strict=True):
        assert bool(re.search("[▲▼]", line)) == m.flagged, line
    burnout = next(m for m in d.metrics if m.is_burnout)
    n = abs(burnout.change.points)
    assert f"▲ {n} point{'s' if n != 1 else ''} vs round 1" in table


def test_at_most_three_headlines():
    prev = make_round(1, {"A": team(30, 1, burnout_answers(3, 30))})
    heavy = {q: [1] * 25 + [5] * 5 for q in ("support", "supervision", "workload",
                                               "intent_to_stay")}
    prev = make_round(1, {"A": {"burnout": burnout_answers(3, 30),
                                **{q: [5] * 25 + [1] * 5 for q in heavy}}})
    cur = make_round(2, {"A": {"burnout": burnout_answers(27, 30), **heavy}})
    d = build([prev, cur])
    assert len(d.flagged) == 5 and len(d.headline) == 3
    assert d.headline[0].startswith("Burnout rose")


def test_details_modal_names_tests_and_p_values():
    prev, cur = _rise()
    d = build([prev, cur])
    view = details_modal(d)
    assert view["type"] == "modal" and len(view["title"]["text"]) <= 24
    text = "\n".join(_texts(view["blocks"]))
    for m in d.metrics:
        assert m.change.test in text
    assert "Holm" in text and "p=" in text
    check_limits(view["blocks"])


def test_many_teams_stay_within_limits():
    teams = {f"Team {i:02d} " + "x" * 60: team(6, i) for i in range(60)}
    comments = {1: [CommentInfo("y" * 2900, ("culture",), 0.0) for _ in range(5)]}
    blocks, _ = digest_blocks(build([make_round(1, teams)], comments))
    check_limits(blocks)
    assert blocks[-1]["type"] in ("actions", "context")  # the Details button survives


def test_suppressed_cells_are_dashes_with_one_footnote():
    cur = make_round(1, {"A": team(10, 1), "B": team(6, 2), "C": team(3, 3)})
    d = build([cur])
    blocks, _ = digest_blocks(d)
    check_limits(blocks)
    body = "\n".join(_texts(blocks))
    assert "*B*" not in body and "*C*" not in body
    footnotes = [t for t in _texts(blocks) if t.startswith(":lock:")]
    assert len(footnotes) == 1
    assert "B: withheld so another team's figure can't be worked out by subtraction" in footnotes[0]
    assert "C: fewer than 5 responses" in footnotes[0]
    assert "smaller group" not in body


def test_tiny_org():
    blocks, fallback = digest_blocks(build([make_round(1, {"A": team(2, 1)})]))
    check_limits(blocks)
    assert "fewer than 5 of" in fallback


def test_response_rate_rounds_half_up():
    cur = make_round(1, {"A": team(33, 1)}, invited={"A": 40})
    blocks, _ = digest_blocks(build([cur]))
    assert f"33 of 40 invited ({pct(33 / 40)}%)" in blocks[1]["elements"][0]["text"]
    assert pct(33 / 40) == 83


def test_labels_with_separators_stay_whole_and_escaped():
    name = "Ops: East · <!here>"
    cur = make_round(1, {name: team(10, 1), "B": team(10, 2)})
    blocks, _ = digest_blocks(build([cur]))
    fields = [f["text"] for b in blocks for f in b.get("fields", [])]
    assert any(f.startswith("*Ops: East · &lt;!here&gt;* · 10 of 12 answered") for f in fields), fields
