"""Slack Block Kit rendering of a ``analytics.digest.Digest``. Pure.

``digest_blocks`` returns ``(blocks, fallback_text)``. The digest is already
privacy-safe; this module only formats. Every user-supplied string (team
labels, comments) is escaped so it cannot mention people or channels.
"""

from __future__ import annotations

from analytics.charts import alt_text
from analytics.digest import Digest, metric_line, team_line, theme_line

MAX_BLOCKS = 50
MAX_TEXT = 3000
MAX_FIELD = 2000
MAX_HEADER = 150
MAX_FIELDS = 10


def esc(s: str) -> str:
    """Escape for Slack mrkdwn: &, <, > (blocks <!channel>, <@U..>, links)."""
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _cut(s: str, limit: int) -> str:
    return s if len(s) <= limit else s[: limit - 1] + "…"


def _section(text: str) -> dict:
    return {"type": "section", "text": {"type": "mrkdwn", "text": _cut(text, MAX_TEXT)}}


def _context(text: str) -> dict:
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": _cut(text, MAX_TEXT)}]}


def _divider() -> dict:
    return {"type": "divider"}


def _bold_name(line: str) -> str:
    """Bold the part before the first colon: "Burnout: 34%" -> "*Burnout:* 34%"."""
    name, sep, rest = line.partition(": ")
    return f"*{name}:* {rest}" if sep else line


def digest_blocks(digest: Digest, image_url: str | None = None) -> tuple[list[dict], str]:
    """Block Kit blocks (≤ 50, each text ≤ 3000 chars) and the plain-text fallback.

    ``image_url``: optional public URL of the uploaded ``charts.trend_chart`` PNG;
    when given, an image block with ``charts.alt_text`` is added.
    """
    d = digest
    blocks: list[dict] = [
        {
            "type": "header",
            "text": {"type": "plain_text", "emoji": True,
                     "text": _cut(f"Round {d.round_number} check-in digest", MAX_HEADER)},
        },
        _context(f"{esc(d.dates_text)} · Responses: {esc(d.response.text)}"),
    ]
    for a in d.alerts[:3]:
        blocks.append(_section(f":rotating_light: *{esc(a.text)}*"))
    heads = [h for h in d.headline if not any(h == a.text for a in d.alerts)]
    if heads:
        blocks.append(_section("\n".join(f"*{esc(h)}*" for h in heads)))
    blocks.append(_divider())

    for m in d.metrics:
        line = esc(metric_line(m))
        parts = line.split(" · ")
        text = _bold_name(parts[0]) + ("\n" + "\n".join(parts[1:]) if len(parts) > 1 else "")
        blocks.append(_section(text))

    if d.teams:
        blocks.append(_divider())
        blocks.append(_section("*By team*"))
        fields = []
        for row in d.teams:
            line = esc(team_line(row, d.metrics))
            name, _, rest = line.partition(": ")
            fields.append({"type": "mrkdwn",
                           "text": _cut(f"*{name}*\n" + rest.replace(" · ", "\n"), MAX_FIELD)})
        for i in range(0, len(fields), MAX_FIELDS):
            blocks.append({"type": "section", "fields": fields[i:i + MAX_FIELDS]})
    if d.hidden:
        blocks.append(_context(
            f":lock: {esc(d.hidden_summary)}: "
            + "; ".join(f"{esc(h.team)} ({esc(h.text)})" for h in d.hidden)
        ))

    if d.themes is not None and (d.themes or d.comments):
        blocks.append(_divider())
        if d.themes:
            blocks.append(_section("*Themes in comments*\n" + "\n".join(
                f"• {esc(theme_line(t))}" for t in d.themes)))
        if d.comments:
            quotes = "\n".join("> " + esc(c).replace("\n", "\n> ") for c in d.comments)
            blocks.append(_section("*What people said* (shuffled, unattributed)\n" + quotes))

    if d.actions:
        blocks.append(_divider())
        blocks.append(_section("*Suggested actions*\n" + "\n".join(
            f"• *{esc(a.title)}* ({esc(theme)}): {esc(a.detail)}" for theme, a in d.actions)))
        blocks.append(_context("Sources: " + " | ".join(esc(a.source) for _, a in d.actions)))

    if image_url:
        blocks.append({
            "type": "image", "image_url": image_url,
            "alt_text": _cut(alt_text(d.trend), 2000),
            "title": {"type": "plain_text", "text": "Trend, last 12 rounds"},
        })
    if d.notes:
        blocks.append(_context("\n".join(esc(n) for n in d.notes)))

    if len(blocks) > MAX_BLOCKS:
        blocks = blocks[: MAX_BLOCKS - 1] + [
            _context("Digest shortened for Slack; see the export for every team.")
        ]
    # The fallback `text` is parsed as mrkdwn too, so it is escaped as well.
    return blocks, esc(d.plain_text())
