"""Closing the loop, part 3: the leaders' view in App Home.

Shown only to members of the digest channel (checked live on every
publish), and made from the same digest model as the post, limited to what
the round's record says was published: it can't show anything the digest
withheld. The team heatmap is the image posted under the digest, named by
its Slack file id. Owners who aren't leaders see only their own open actions.
"""

from __future__ import annotations

from analytics import privacy
from analytics.digest import Digest, change_text
from analytics.heatmap import heatmap_alt_text
from bot.blocks.kit import section
from bot.blocks.loop import MeasureView, action_blocks, heatmap_block, leader_blocks, sparkline
from bot.context import Candor
from bot.i18n import t
from bot.services import digests, loop
from bot.services.errors import ServiceError
from bot.services.staff_summary import org_published
from storage import rounds as round_rows


def _latest_published(c: Candor, team_id: str,
                      ) -> tuple[Digest, frozenset[str], int, str | None] | None:
    """The latest closed round's digest, if it was published (and opened),
    and the id of the heatmap posted under it (None if none was)."""
    with c.db.session() as s:
        last = round_rows.closed(s, team_id, limit=1)
        if not last or last[0].unopened or not last[0].published:
            return None
        rid, number, published = last[0].id, last[0].number, frozenset(last[0].published)
        heat = last[0].heatmap_file_id
    try:
        digest, _ = digests.build(c, team_id, rid)
    except ServiceError:
        return None
    return digest, published, number, heat


def measures(digest: Digest, published: frozenset[str]) -> list[MeasureView]:
    lines = {line.key: line for line in digest.trend.lines}
    out = []
    for m in digest.metrics:
        if not org_published(published, m):
            continue
        line = lines.get(m.key)
        trend = sparkline([p.value for p in line.points]) if line else ""
        out.append(MeasureView(label=m.label, value=f"{m.org.rate_text()} {m.rate_name}",  # type: ignore[union-attr]
                               change=change_text(m), trend=trend))
    return out


def leader_view(c: Candor, team_id: str) -> list[dict]:
    latest = _latest_published(c, team_id)
    items = loop.open_items(c, team_id)
    if latest is None:
        return leader_blocks(None, None, [], items, [])
    digest, published, number, heat = latest
    response = digest.response.text if privacy.TOTAL in published else None
    suggestions = [(a.title, theme) for theme, a in digest.actions]
    # The very image posted under the digest (only published cells carry
    # numbers; withheld ones are grey), shown only to digest-channel members,
    # who can already see it there.
    image = heatmap_block(heat, heatmap_alt_text(digest), number) if heat else None
    return leader_blocks(number, response, measures(digest, published), items, suggestions,
                         image)


def blocks_for(c: Candor, team_id: str, user_id: str, lang: str = "en") -> list[dict]:
    """The leaders' view for digest-channel members (English, like the
    digest); an owner's own open actions, in their language, for anyone else
    who owns one; nothing otherwise."""
    try:
        leader = loop.is_leader(c, team_id, user_id)
    except Exception:  # Slack can't say now: show no leaders' view this time
        c.log.warning("digest-channel membership unknown; leaders' view left out")
        leader = False
    if leader:
        return leader_view(c, team_id)
    mine = loop.owned_items(c, team_id, user_id, lang)
    if not mine:
        return []
    out = [section(t(lang, "loop.yours"))]
    for a in mine[:12]:
        out += action_blocks(a, lang=lang)
    return out + [{"type": "divider"}]
