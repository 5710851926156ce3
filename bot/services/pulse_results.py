"""What a closed stay or exit pulse posts to the digest channel: its answers,
treated as comments (scrubbed at submit, themed, quoted only when at least
the comment threshold answered). Posted through the digest's own owed post
(`digests.attempt`), so it goes out exactly once."""

from __future__ import annotations

import random

from analytics.digest import comment_infos, pick_comments
from analytics.digest.comments import theme_summaries
from bot.blocks.pulse import PulseResults, pulse_blocks
from bot.context import Candor
from storage import pulses as pulse_rows
from storage import rounds as round_rows
from storage import workspaces
from storage.models import Round

QUOTES = 12  # a Slack message holds 50 blocks; each answer is one


def results(c: Candor, rnd: Round) -> PulseResults:
    with c.db.session() as s:
        k = workspaces.require(s, rnd.team_id).min_comment_n
        answered = 0 if rnd.unopened else round_rows.ballots_counted(s, rnd.id)
        texts = c.box.read_comments(s, rnd.id) if answered >= k else []
        first, last = (pulse_rows.offer_span(s, rnd.id) if rnd.kind == "exit"
                       else (rnd.opened_at, rnd.closed_at or rnd.closes_at))
    infos = comment_infos(texts, moods=True)
    # An exit pool quotes k answers, so the number quoted never gives its count.
    quotes = pick_comments(infos, random.Random(rnd.id),
                           limit=min(QUOTES, k) if rnd.kind == "exit" else QUOTES)
    return PulseResults(rnd.kind, rnd.number, rnd.seed or "", answered if answered >= k else 0,
                        rnd.invited, k, theme_summaries(infos, None), tuple(quotes),
                        first.date() if first else None, last.date() if last else None)


def content(c: Candor, rnd: Round) -> tuple[list[dict], str]:
    return pulse_blocks(results(c, rnd))
