"""Slack Block Kit rendering of a ``analytics.digest.Digest``. Pure.

``digest_blocks`` returns ``(blocks, fallback_text)``. The digest is already
privacy-safe; this module only formats. Every user-supplied string (team
labels, comments, theme names) is escaped so it cannot mention people or channels.
"""

from __future__ import annotations

from analytics.charts import alt_text
from analytics.digest import Digest, MetricSummary, TeamRow, metric_line, team_line, theme_line
from bot.blocks.kit import context, cut, divider, esc, mrkdwn, plain, section

MAX_BLOCKS = 50
MAX_FIELD = 2000
MAX_ALT_TEXT = 2000
MAX_FIELDS = 10
MAX_ALERTS = 3


def digest_blocks(digest: Digest, image_url: str | None = None) -> tuple[list[dict], str]:
    """Block Kit blocks (≤ 50, each text ≤ 3000 chars) and the plain-text fallback.

    ``image_url``: optional public URL of the uploaded ``charts.trend_chart`` PNG;
    when given, an image block with ``charts.alt_text`` is added.
    """
    d = digest
    blocks = [
        *_top(d),
        *_metrics(d),
        *_teams(d),
        *_comments(d),
        *_actions(d),
        *([_chart(d, image_url)] if image_url else []),
        *([context("\n".join(esc(n) for n in d.notes))] if d.notes else []),
    ]
    if len(blocks) > MAX_BLOCKS:
        blocks = blocks[: MAX_BLOCKS - 1] + [
            context("Digest shortened for Slack; see the export for every team.")
        ]
    # The fallback `text` is parsed as mrkdwn too, so it is escaped as well.
    return blocks, esc(d.plain_text())


def _top(d: Digest) -> list[dict]:
    """Header, dates and response rate, alerts and the rest of the headline."""
    blocks = [
        {"type": "header", "text": plain(f"Round {d.round_number} check-in digest")},
        context(f"{esc(d.dates_text)} · Responses: {esc(d.response.text)}"),
    ]
    blocks += [section(f":rotating_light: *{esc(a.text)}*") for a in d.alerts[:MAX_ALERTS]]
    alert_texts = {a.text for a in d.alerts}
    heads = [h for h in d.headline if h not in alert_texts]
    if heads:
        blocks.append(section("\n".join(f"*{esc(h)}*" for h in heads)))
    blocks.append(divider())
    return blocks


def _metric_text(m: MetricSummary) -> str:
    """The name in bold, then the value; each detail on its own line."""
    line = metric_line(m)
    return "\n".join((f"*{esc(line.name)}:* {esc(line.value)}", *map(esc, line.details)))


def _metrics(d: Digest) -> list[dict]:
    return [section(_metric_text(m)) for m in d.metrics]


def _team_field(row: TeamRow, metrics: tuple[MetricSummary, ...]) -> dict:
    line = team_line(row, metrics)
    text = "\n".join((f"*{esc(line.team)}*", esc(line.responses), *map(esc, line.figures)))
    return mrkdwn(text, MAX_FIELD)


def _teams(d: Digest) -> list[dict]:
    blocks = []
    if d.teams:
        blocks += [divider(), section("*By team*")]
        fields = [_team_field(row, d.metrics) for row in d.teams]
        blocks += [{"type": "section", "fields": fields[i:i + MAX_FIELDS]}
                   for i in range(0, len(fields), MAX_FIELDS)]
    if d.hidden:
        blocks.append(context(
            f":lock: {esc(d.hidden_summary)}: "
            + "; ".join(f"{esc(h.team)} ({esc(h.text)})" for h in d.hidden)
        ))
    return blocks


def _comments(d: Digest) -> list[dict]:
    if d.themes is None or not (d.themes or d.comments):
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
    return [
        divider(),
        section("*Suggested actions*\n" + "\n".join(
            f"• *{esc(a.title)}* ({esc(theme)}): {esc(a.detail)}" for theme, a in d.actions)),
        context("Sources: " + " | ".join(esc(a.source) for _, a in d.actions)),
    ]


def _chart(d: Digest, image_url: str) -> dict:
    return {
        "type": "image", "image_url": image_url,
        "alt_text": cut(alt_text(d.trend), MAX_ALT_TEXT),
        "title": {"type": "plain_text", "text": "Trend, last 12 rounds"},
    }
