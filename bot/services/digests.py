"""Building and posting the leadership digest for a closed round.

Data flows: SQL histogram (storage) -> analytics.digest (pure rules and
statistics) -> Block Kit (bot.blocks.digest) -> Slack, plus a trend chart.
What each post showed is saved on the round, so a later post of the same
round (digest now, preview, export) can never widen what can be derived.
"""

from __future__ import annotations

import logging
import uuid

from slack_sdk.errors import SlackApiError

from analytics.charts import alt_text, trend_chart
from analytics.digest import (
    Digest,
    QuestionInfo,
    RoundInfo,
    Thresholds,
    build_digest,
    comment_infos,
)
from analytics.export import export_rows, history_digests, write_csv
from analytics.questions import short_label
from bot.blocks.digest import digest_blocks
from bot.blocks.notice import unopened_blocks
from bot.context import Candor
from bot.services.errors import ServiceError
from bot.services.workspace import channel_info
from storage import ballot_box, workspaces
from storage import rounds as round_rows
from storage.models import Round

log = logging.getLogger("candor.digest")


def _round_info(r: Round, tcs: list) -> RoundInfo:
    return RoundInfo(
        round_id=r.id, number=r.number, opened_on=r.opened_at.date(),
        closes_on=(r.closed_at or r.closes_at).date(),
        invited={tc.team_label: tc.invited for tc in tcs},
        respondents={tc.team_label: tc.ballots for tc in tcs},
        changed={tc.team_label: tc.changed for tc in tcs},
    )


def build(c: Candor, team_id: str, round_id: int | None = None) -> tuple[Digest, int]:
    """The digest of `round_id` (default: the latest closed round)."""
    with c.db.session() as s:
        ws = workspaces.require(s, team_id)
        closed = round_rows.closed(s, team_id, limit=500)
        if round_id is not None:
            closed = [r for r in closed if r.number <= _number(s, team_id, round_id)]
        if not closed or (round_id is not None and closed[0].id != round_id):
            raise ServiceError("There is no closed round to report on yet. "
                               "A digest is made when a round closes.")
        rounds = closed[:12]
        infos, counts, questions, thresholds = _load(s, ws, rounds)
        texts = {r.id: c.box.read_comments(s, r.id) for r in rounds[:2]}
        published = frozenset(rounds[0].published or [])
    comments = {rid: comment_infos(t) for rid, t in texts.items()}
    digest = build_digest(infos[0], infos[1:], counts, comments, questions, thresholds,
                          published=published, rng=rounds[0].id)
    return digest, rounds[0].id


def _load(s, ws, rounds: list[Round]):
    """Everything the pure digest needs for these rounds, aggregated in SQL."""
    ids = [r.id for r in rounds]
    tcs = ballot_box.team_counts(s, ids)
    infos = [_round_info(r, tcs.get(r.id, [])) for r in rounds]
    counts = ballot_box.value_counts(s, ws.team_id, ids)
    questions = [QuestionInfo(q.key, short_label(q), q.scale_key, q.theme)
                 for q in workspaces.questions(s, ws.team_id)]
    return infos, counts, questions, Thresholds(ws.min_score_n, ws.min_comment_n)


def _number(s, team_id: str, round_id: int) -> int:
    r = round_rows.get(s, team_id, round_id)
    if r is None:
        raise ServiceError("That round doesn't exist in this workspace.")
    return r.number


def record_publication(c: Candor, round_id: int, digest: Digest) -> None:
    with c.db.session() as s:
        round_rows.record_publication(s, round_id, digest.published_cells, c.now())


def ensure_in_channel(c: Candor, channel: str) -> None:
    """Join a public channel if needed; a private one needs a human invite."""
    info = channel_info(c, channel, then="run `/candor digest now`")
    if info.get("is_member"):
        return
    if info.get("is_private"):
        raise ServiceError(f"<#{channel}> is private and I'm not in it. Invite me with "
                           "`/invite @candor` there, then run `/candor digest now`.")
    c.client.conversations_join(channel=channel)


def _digest_channel(c: Candor, team_id: str) -> str | None:
    with c.db.session() as s:
        ws = workspaces.get(s, team_id)
        return ws.digest_channel if ws else None


def post(c: Candor, team_id: str, round_id: int | None = None) -> str:
    channel = _digest_channel(c, team_id)
    if not channel:
        raise ServiceError("No digest channel is set. Choose one with `/candor digest channel #channel`.")
    unopened = _unopened(c, team_id, round_id)
    if unopened is not None:
        ensure_in_channel(c, channel)
        blocks, text = unopened_blocks(*unopened)
        _post_once(c, channel, blocks, text)
        return f"Posted a notice in <#{channel}>: that round had too few answers to open."
    digest, rid = build(c, team_id, round_id)
    ensure_in_channel(c, channel)
    blocks, text = digest_blocks(digest)
    _post_once(c, channel, blocks, text)
    record_publication(c, rid, digest)
    try:
        c.client.files_upload_v2(
            channel=channel, content=trend_chart(digest.trend), filename="candor-trend.png",
            title="candor trend: last 12 rounds", alt_txt=alt_text(digest.trend)[:1000])
    except Exception as e:  # the digest is posted: a chart failure must not undo or repeat it
        log.warning("digest posted, chart upload failed: %s", _error_name(e))
    log.info("digest posted for round %s", digest.round_number)
    return f"Posted the digest in <#{channel}>."


POST_EVENT = "candor_digest"


def _post_once(c: Candor, channel: str, blocks: list[dict], text: str) -> None:
    """Post with the client that never retries blindly: a 5xx or a timeout may
    come after Slack posted. Then look for this very post (its metadata
    carries a one-off id) before calling it a failure, so a retry by the
    admin can't double it."""
    post_id = uuid.uuid4().hex
    try:
        (c.poster or c.client).chat_postMessage(
            channel=channel, blocks=blocks, text=text, unfurl_links=False,
            metadata={"event_type": POST_EVENT, "event_payload": {"post": post_id}})
    except Exception as e:
        if isinstance(e, SlackApiError) and e.response.status_code < 500:
            raise
        if not _find_post(c, channel, post_id):
            raise
        log.info("digest post answered %s but was posted", _error_name(e))


def _find_post(c: Candor, channel: str, post_id: str) -> bool:
    try:
        resp = c.client.conversations_history(channel=channel, limit=20,
                                               include_all_metadata=True)
    except Exception:
        return False
    return any(((m.get("metadata") or {}).get("event_payload") or {}).get("post") == post_id
               for m in resp.get("messages", []))


def _error_name(e: Exception) -> str:
    return str(e.response.get("error")) if isinstance(e, SlackApiError) else type(e).__name__


def _unopened(c: Candor, team_id: str, round_id: int | None) -> tuple[int, int] | None:
    """(round number, k) when that round (default: the latest closed one) was
    destroyed unopened, else None."""
    with c.db.session() as s:
        closed = round_rows.closed(s, team_id, limit=1)
        rnd = round_rows.get(s, team_id, round_id) if round_id else (closed or [None])[0]
        if rnd is None or not rnd.unopened:
            return None
        return rnd.number, workspaces.require(s, team_id).min_score_n


def preview(c: Candor, team_id: str) -> tuple[list[dict], str]:
    """Shown only to the admin who asked; it still counts as a publication."""
    unopened = _unopened(c, team_id, None)
    if unopened is not None:
        return unopened_blocks(*unopened)
    digest, rid = build(c, team_id)
    record_publication(c, rid, digest)
    return digest_blocks(digest)


def post_after_close(c: Candor, team_id: str, round_id: int) -> None:
    """Called by `close_round` once the round is closed. A failed digest must
    not undo the close: it is logged, and `/candor digest now` posts it again."""
    if not _digest_channel(c, team_id):
        return
    try:
        post(c, team_id, round_id)
    except ServiceError as e:
        log.warning("digest not posted after close: %s", e)
    except Exception:
        log.exception("digest not posted after close")


def export_csv(c: Candor, team_id: str, fh, rounds: int = 12) -> int:
    """The aggregated table, with the digest's own suppression; never raw rows.
    Exported cells count as published, like a digest post."""
    with c.db.session() as s:
        ws = workspaces.require(s, team_id)
        closed = round_rows.closed(s, team_id, limit=rounds + 11)
        if not closed:
            raise ServiceError("There is no closed round to export yet.")
        infos, counts, questions, thresholds = _load(s, ws, closed)
        published = {r.id: r.published or [] for r in closed}
    digests = history_digests(infos, counts, questions, thresholds, published)[:rounds]
    rows = export_rows(digests)
    write_csv(rows, fh)
    for d, info in zip(digests, infos, strict=False):
        record_publication(c, info.round_id, d)
    return len(rows)
