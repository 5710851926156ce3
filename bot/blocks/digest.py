"""Slack Block Kit rendering of a ``analytics.digest.Digest``. Pure.

Laid out to be read in 30 seconds: dates and response rate; up to three real
changes in plain words; one table of measures (an arrow only for a real
change); one row per team; themes; up to three actions; where to read more.
Test names and p-values live behind the **Details** button
(``digest_details.details_modal``). The digest is already privacy-safe; this
module only formats, and escapes every user-supplied string (team labels,
comments, theme names) so it cannot mention people or channels.
"""

from __future__ import annotations

from collections.abc import Sequence

from analytics.charts import alt_text
from analytics.digest import Digest, TeamRow, metric_line, team_line, theme_line
from bot.blocks.kit import button, context, cut, divider, esc, mrkdwn, plain, section
from bot.blocks.loop import commit_button
from bot.blocks.segments import segment_blocks

MAX_BLOCKS = 50
MAX_FIELD = 2000
MAX_ALT_TEXT = 2000
MAX_FIELDS = 10
DETAILS_ACTION = "digest_details"
HOW_TO_READ = ("*How to read this:* a change is called real only when a test corrected for "
               "every comparison in this digest supports it *and* it is at least 10 points. "
               "Read more in candor's guide for leaders, `docs/leaders.md`.")


def digest_blocks(digest: Digest, image_url: str | None = None,
                  tracked: Sequence[dict] = ()) -> tuple[list[dict], str]:
    """Block Kit blocks (≤ 50, each text ≤ 3000 chars) and the plain-text fallback.

    ``image_url``: optional public URL of the uploaded ``charts.trend_chart`` PNG;
    when given, an image block with ``charts.alt_text`` is added.
    ``tracked``: the *Actions* section (``blocks.loop.actions_section``):
    what leaders committed to and how it moved.
    """
    d = digest
    tail = [
        *([_chart(d, image_url)] if image_url else []),
        divider(),
        context(HOW_TO_READ),
        {"type": "actions", "block_id": "digest_more", "elements": [
            button("Details: tests and p-values", DETAILS_ACTION, str(d.round_id))]},
        *([context("\n".join(esc(n) for n in d.notes))] if d.notes else []),
    ]
    body = [*_top(d), *_measures(d), *_teams(d), *segment_blocks(d), *_comments(d), *_actions(d),
            *([divider(), *tracked] if tracked else [])]
    if len(body) + len(tail) > MAX_BLOCKS:
        body = body[: MAX_BLOCKS - len(tail) - 1] + [
            context("Digest shortened for Slack; see the export for every team.")]
    # The fallback `text` is parsed as mrkdwn too, so it is escaped as well.
    return body + tail, esc(d.plain_text())


def _top(d: Digest) -> list[dict]:
    """Header, dates and response rate, then the headline."""
    return [
        {"type": "header", "text": plain(f"Round {d.round_number} check-in digest")},
        context(f"{esc(d.dates_text)} · Responses: {esc(d.response.text)}"),
        section("\n".join(f"*{esc(h)}*" if d.flagged else esc(h) for h in d.headline)),
    ]


def _measures(d: Digest) -> list[dict]:
    if not d.metrics:
        return []
    lines = []
    for m in d.metrics:
        line = metric_line(m)
        text = f"*{esc(line.name)}*  {esc(line.value)}"
        if line.change:
            text += f"  ·  {'*' + esc(line.change) + '*' if m.flagged else esc(line.change)}"
        lines.append(text)
    lines += [esc(x.text()) for x in d.net_scores]  # eNPS: % 9–10 minus % 0–6
    blocks = [divider(), section("*Measures* (this round, with its 95% interval)\n"
                                 + "\n".join(lines))]
    notes = [d.band_footnote()]
    notes += [f"{m.label}: {m.hidden_reason}" for m in d.metrics
              if m.org is None and m.hidden_reason]
    notes += [x.text() for x in d.references]
    notes = [n for n in notes if n]
    if notes:
        blocks.append(context(esc(" ".join(dict.fromkeys(notes)))))
    return blocks


def _team_field(row: TeamRow, d: Digest) -> dict:
    line = team_line(row, d.metrics)
    text = "\n".join((f"*{esc(line.team)}* · {esc(line.responses)}", *map(esc, line.figures)))
    return mrkdwn(text, MAX_FIELD)


def _teams(d: Digest) -> list[dict]:
    blocks: list[dict] = []
    if d.teams:
        blocks += [divider(), section("*By team* (not tested for change: too few people)")]
        fields = [_team_field(row, d) for row in d.teams]
        blocks += [{"type": "section", "fields": fields[i:i + MAX_FIELDS]}
                   for i in range(0, len(fields), MAX_FIELDS)]
    notes = [n for n in (d.band_footnote(teams=True), d.team_footnote()) if n]
    if notes:
        blocks.append(context(f":lock: {esc(' '.join(notes))}"))
    return blocks


def _comments(d: Digest) -> list[dict]:
    if not (d.themes or d.comments):
        return []
    blocks = [divider()]
    if d.themes:
        blocks.append(section("*Themes in comments*\n" + "\n".join(
            f"• {esc(theme_line(t))}" for t in d.themes)))
    if d.comments:
        quotes = "\n".join("> " + esc(c).replace("\n", "\n> ") for c in d.comments)
        blocks.append(section("*What people said* (shuffled, unattributed)\n" + quotes))
    return blocks


def _actions(d: Digest) -> list[dict]:
    if not d.actions:
        return []
    # Each suggestion can be committed to, as a tracked action with an owner.
    return [
        divider(),
        section("*Suggested actions*"),
        *({**section(f"• *{esc(a.title)}* ({esc(theme)}): {esc(a.detail)}"),
           "accessory": commit_button(a.title, theme)} for theme, a in d.actions[:3]),
        context("Sources: " + " | ".join(esc(a.source) for _, a in d.actions[:3])),
    ]


def _chart(d: Digest, image_url: str) -> dict:
    rounds = d.trend.rounds
    span = f"round {rounds[0]}" if len(rounds) == 1 else f"rounds {rounds[0]}–{rounds[-1]}"
    return {
        "type": "image", "image_url": image_url,
        "alt_text": cut(alt_text(d), MAX_ALT_TEXT),
        "title": {"type": "plain_text", "text": f"Trend, {span}" if rounds else "Trend"},
    }
