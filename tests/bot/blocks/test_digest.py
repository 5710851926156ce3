from __future__ import annotations

import json

from analytics.digest import CommentInfo
from bot.blocks.digest import MAX_BLOCKS, digest_blocks
from tests.builders import build, burnout_answers, make_round, team


def _texts(blocks):
    for b in blocks:
        if "text" in b:
            yield b["text"]["text"]
        for f in b.get("fields", []):
            yield f["text"]
        for e in b.get("elements", []):
            yield e["text"]


def check_limits(blocks):
    assert 1 <= len(blocks) <= MAX_BLOCKS
    for t in _texts(blocks):
        assert 0 < len(t) <= 3000
    for b in blocks:
        if b["type"] == "header":
            assert len(b["text"]["text"]) <= 150
        assert len(b.get("fields", [])) <= 10
    json.dumps(blocks)


def test_basic_digest_blocks():
    prev = make_round(1, {"A": team(20, 1, burnout_answers(4, 20)), "B": team(20, 2)})
    cur = make_round(2, {"A": team(20, 3, burnout_answers(14, 20)), "B": team(20, 4)})
    comments = {2: [CommentInfo("<!channel> caseloads & pay", ("workload", "pay"), -0.5)]}
    blocks, fallback = digest_blocks(build([prev, cur], comments), image_url="https://x/y.png")
    check_limits(blocks)
    assert blocks[0]["type"] == "header"
    assert any(b["type"] == "divider" for b in blocks)
    assert any(b["type"] == "context" for b in blocks)
    assert any(b["type"] == "image" and b["alt_text"] for b in blocks)
    body = "\n".join(_texts(blocks))
    assert ":rotating_light:" in body
    assert "Fisher's exact test" in body
    assert "95% CI" in body
    assert "<!channel>" not in body and "&lt;!channel&gt;" in body
    assert "<!channel>" not in fallback
    assert fallback.startswith("Round 2 digest")


def test_many_teams_stay_within_limits():
    teams = {f"Team {i:02d} " + "x" * 60: team(6, i) for i in range(60)}
    comments = {1: [CommentInfo("y" * 2900, ("culture",), 0.0) for _ in range(5)]}
    blocks, _ = digest_blocks(build([make_round(1, teams)], comments))
    check_limits(blocks)


def test_hidden_teams_named_without_counts():
    cur = make_round(1, {"A": team(10, 1), "B": team(6, 2), "C": team(3, 3)})
    blocks, fallback = digest_blocks(build([cur]))
    check_limits(blocks)
    body = "\n".join(_texts(blocks))
    assert "2 teams hidden to protect anonymity" in body
    assert "*B*" not in body and "*C*" not in body
    assert "B (hidden so a smaller group" in body


def test_tiny_org():
    blocks, fallback = digest_blocks(build([make_round(1, {"A": team(2, 1)})]))
    check_limits(blocks)
    assert "fewer than 5 responses" in fallback


def test_labels_with_separators_stay_whole_and_escaped():
    # The view lays out the digest's pieces; it never re-splits text, so a
    # colon or a middle dot inside a team label can't move the bold.
    name = "Ops: East · <!here>"
    cur = make_round(1, {name: team(10, 1), "B": team(10, 2)})
    blocks, _ = digest_blocks(build([cur]))
    fields = [f["text"] for b in blocks for f in b.get("fields", [])]
    assert any(f.startswith("*Ops: East · &lt;!here&gt;*\n10 responses") for f in fields), fields
    metrics = [t for t in _texts(blocks) if t.startswith("*Burnout:* ")]
    assert len(metrics) == 1
