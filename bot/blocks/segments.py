"""Block Kit for the digest's role, tenure and retention views. Pure; every
label is escaped (role labels are the admin's words)."""

from __future__ import annotations

from analytics.digest import Digest
from bot.blocks.kit import context, cut, divider, esc, section

MAX_TEXT = 3000
NOTE = ("A group is shown from {k} people; groups that would let a smaller one be worked "
        "out by subtraction, alone or together with the teams, are withheld. People who "
        "didn't say, or whose answer was dropped to keep a small group anonymous, are in no "
        "group.")


def segment_blocks(d: Digest) -> list[dict]:
    sv = d.segments
    if sv.blocked:
        return [divider(), context(esc(sv.lines({})[-1]))]
    if not sv.views:
        return []
    labels = {m.key: m.label for m in d.metrics}
    blocks: list[dict] = [divider()]
    for v in sv.views:
        title, *rows = v.lines(labels)
        body = "\n".join(f"• {esc(r.strip())}" for r in rows)
        blocks.append(section(cut(f"*{esc(title.rstrip(':'))}*\n{body}", MAX_TEXT)))
    blocks.append(context(esc(NOTE.format(k=d.thresholds.min_score_n))))
    return blocks
