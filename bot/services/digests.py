"""Building and posting the leadership digest for a closed round.

Data flows: SQL histogram (storage) -> analytics.digest (pure rules and
statistics) -> Block Kit (bot.blocks.digest) -> Slack, plus a trend chart.
What each post showed is saved on the round, so a later post of the same
round (digest now, preview, export) can never widen what can be derived.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from slack_sdk.errors import SlackApiError

from analytics.charts import alt_text, trend_chart
from analytics.digest import (
    Digest,
    QuestionInfo,
    RoundInfo,
    Thresholds,
    build_digest,
    comment_infos,
    differencing,
)
from analytics.export import export_rows, history_digests, write_csv
from analytics.heatmap import heatmap_alt_text, team_heatmap
from analytics.questions import short_label
from bot.blocks.digest import digest_blocks
from bot.blocks.loop import actions_section
from bot.blocks.notice import unopened_blocks
from bot.context import Candor, epoch
from bot.services import loop, pulse_results
from bot.services.errors import ServiceError
from bot.services.workspace import channel_info
from bot.slackapi import history
from storage import ballot_box, workspaces
from storage import rounds as round_rows
from storage.models import Round
from storage.segments import segment_counts

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
        # older rounds' membership too: what comparing rounds would expose
        infos, counts, questions, thresholds = _load(
            s, ws, rounds, lookback=closed[12:12 + differencing.LOOKBACK])
        texts = {r.id: c.box.read_comments(s, r.id) for r in rounds[:2]}
        published = frozenset(rounds[0].published or [])
        # every round looked at, so segments compare against earlier rounds too
        segs = segment_counts(s, team_id, [i.round_id for i in infos])
        labels = ws.role_labels
    # Last round's comments give only theme counts: no sentiment scored.
    comments = {rid: comment_infos(t, moods=rid == rounds[0].id) for rid, t in texts.items()}
    digest = build_digest(infos[0], infos[1:], counts, comments, questions, thresholds,
                          published=published, rng=rounds[0].id, segment_counts=segs,
                          role_labels=labels)
    return digest, rounds[0].id


def _load(s, ws, rounds: list[Round], lookback: list[Round] | None = None):
    """Everything the pure digest needs for these rounds, aggregated in SQL;
    for the `lookback` rounds (older), only who was invited and answered."""
    lookback = lookback or []
    ids = [r.id for r in rounds]
    tcs = ballot_box.team_counts(s, ids + [r.id for r in lookback])
    infos = [_round_info(r, tcs.get(r.id, [])) for r in [*rounds, *lookback]]
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


def ensure_in_channel(c: Candor, team_id: str, channel: str) -> None:
    """Join a public channel if needed; a private one needs a human invite."""
    info = channel_info(c, team_id, channel, then="run `/candor digest now`")
    if info.get("is_member"):
        return
    if info.get("is_private"):
        raise ServiceError(f"<#{channel}> is private and I'm not in it. Invite me with "
                           "`/invite @candor` there, then run `/candor digest now`.")
    c.client_for(team_id).conversations_join(channel=channel)


def _digest_channel(c: Candor, team_id: str) -> str | None:
    with c.db.session() as s:
        ws = workspaces.get(s, team_id)
        return ws.digest_channel if ws else None


def post(c: Candor, team_id: str, round_id: int | None = None) -> str:
    """`/candor digest now`: post the latest (or a given) closed round's
    digest. One still owed is posted through the same owed record the clock
    retries, so the two can never both post it; one already posted is posted
    again under a new id, because the admin asked."""
    channel = _digest_channel(c, team_id)
    if not channel:
        raise ServiceError("No digest channel is set. Choose one with `/candor digest channel #channel`.")
    rnd = _target_round(c, team_id, round_id)
    if rnd.digest_posted_at is not None or rnd.digest_post_id is None:
        with c.db.session() as s:
            round_rows.renew_digest(s, rnd.id)
        rnd = _target_round(c, team_id, rnd.id)
    outcome = attempt(c, rnd, channel)
    return OUTCOME_TEXT[outcome].format(channel=channel)


def _target_round(c: Candor, team_id: str, round_id: int | None) -> Round:
    with c.db.session() as s:
        rnd = (round_rows.get(s, team_id, round_id, kind=None) if round_id
               else (round_rows.closed(s, team_id, limit=1) or [None])[0])
        if rnd is None or rnd.status != "closed":
            raise ServiceError("There is no closed round to report on yet. "
                               "A digest is made when a round closes.")
        s.expunge(rnd)
        return rnd


def content(c: Candor, rnd: Round) -> tuple[list[dict], str, Digest | None]:
    """What the post of this round says: its digest, or the notice that it
    had too few answers to open; or a stay or exit pulse's answers."""
    if rnd.kind != round_rows.CHECKIN:
        return (*pulse_results.content(c, rnd), None)
    if rnd.unopened:
        with c.db.session() as s:
            k = workspaces.require(s, rnd.team_id).min_score_n
        return (*unopened_blocks(rnd.number, k), None)
    digest, _ = build(c, rnd.team_id, rnd.id)
    tracked = loop.section_items(c, rnd.team_id, rnd.id)
    section = actions_section(tracked, loop.measure_changes(digest)) if tracked else []
    return (*digest_blocks(digest, tracked=section), digest)


def images(digest: Digest) -> list[dict]:
    """The images posted under a digest (files_upload_v2 `file_uploads`)."""
    files = [{"content": trend_chart(digest), "filename": "candor-trend.png",
              "title": "candor trend", "alt_txt": alt_text(digest)[:1000]}]
    heat = team_heatmap(digest)
    if heat is not None:  # a second image: teams x measures, hidden cells grey
        files.append({"content": heat, "filename": "candor-teams.png",
                      "title": "candor teams", "alt_txt": heatmap_alt_text(digest)[:1000]})
    return files


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
    """Called by `close_round` once the round is closed (the close made the
    digest owed). A failed post must not undo the close: the clock retries
    the owed digest until it is posted, exactly once."""
    channel = _digest_channel(c, team_id)
    if not channel:
        return
    try:
        attempt(c, _target_round(c, team_id, round_id), channel)
    except Exception:
        log.exception("digest not posted after close; the clock will retry")


# -- the owed digest: posted exactly once ---------------------------------------

POST_EVENT = "candor_digest"
MAX_BACKOFF = timedelta(hours=1)
OUTCOME_TEXT = {
    "posted": "Posted the digest in <#{channel}>.",
    "found": "The digest was already in <#{channel}>.",
    "unsure": ("Slack didn't confirm the post to <#{channel}>. candor will check whether it "
               "landed and post it if not; no need to run this again."),
    "retry": ("Slack couldn't take the post to <#{channel}> just now; candor will retry "
              "on its own."),
    "busy": "The digest is being posted right now; it will appear in <#{channel}>.",
}


def backoff(attempts: int) -> timedelta:
    """Wait between attempts: longer than the poster's 10 s timeout, so a post
    still in flight has landed before anyone looks for it."""
    return min(timedelta(minutes=1) * 2 ** max(0, attempts - 1), MAX_BACKOFF)


def publish_owed(c: Candor) -> dict:
    """Clock job: retry every owed digest (and owed chart) whose wait is
    over. One workspace's failure never stops another's."""
    with c.db.session() as s:
        owed = list({r.id: r for r in round_rows.owed_charts(s)
                     + round_rows.owed_digests(s)}.values())
        channels = {r.team_id: (workspaces.get(s, r.team_id) or _NO_WS).digest_channel
                    for r in owed}
        for r in owed:
            s.expunge(r)
    out: dict[str, int] = {}
    for rnd in owed:
        waited = rnd.digest_claimed_at is None or \
            c.now() >= rnd.digest_claimed_at + backoff(rnd.digest_attempts)
        if not channels.get(rnd.team_id) or not waited:
            continue
        try:
            result = attempt(c, rnd, channels[rnd.team_id])
        except Exception as e:
            log.warning("owed digest for round %s not posted: %s", rnd.number, _error_name(e))
            result = "error"
        out[result] = out.get(result, 0) + 1
    return out


class _NoWorkspace:
    digest_channel = None


_NO_WS = _NoWorkspace()


def attempt(c: Candor, rnd: Round, channel: str) -> str:
    """One try at the owed post of `rnd` (as read, with its claim time).
    Returns posted | found | unsure | retry | busy (| done for the chart)."""
    if rnd.digest_posted_at is not None:
        return _chart(c, rnd, channel)
    with c.db.session() as s:
        claim = round_rows.claim_digest(s, rnd.id, rnd.digest_claimed_at, c.now())
    if claim is None:
        return "busy"
    refused = (rnd.digest_error or "").startswith("refused:")
    if rnd.digest_attempts and not refused:  # an earlier try may have landed
        found = _look_for(c, channel, rnd)
        if found is None:
            return _ended(c, rnd, False, "waiting to check the channel's history")
        if found:
            _ended(c, rnd, True)
            return "found"
    try:
        blocks, text, digest = content(c, rnd)
        ensure_in_channel(c, rnd.team_id, channel)
    except ServiceError as e:
        _ended(c, rnd, False, f"refused: {e}")
        raise
    if digest is not None:  # counted as published before Slack sees it
        record_publication(c, rnd.id, digest)
    with c.db.session() as s:
        if not round_rows.digest_still_claimed(s, rnd.id, claim):
            return "busy"
    outcome = _post(c, channel, rnd, blocks, text)
    if outcome in ("posted", "found"):
        _ended(c, rnd, True)
        log.info("digest posted for round %s", rnd.number)
        _chart(c, rnd, channel, digest, fresh=True)
    return outcome


def _post(c: Candor, channel: str, rnd: Round, blocks: list[dict], text: str) -> str:
    """Post with the client that never retries blindly: a 5xx or a timeout may
    come after Slack posted. Then look for this very post (its metadata
    carries the round's post id) before calling it a failure."""
    try:
        c.client_for(rnd.team_id, "poster").chat_postMessage(
            channel=channel, blocks=blocks, text=text, unfurl_links=False,
            metadata={"event_type": POST_EVENT, "event_payload": {"post": rnd.digest_post_id}})
        return "posted"
    except Exception as e:
        if isinstance(e, SlackApiError) and e.response.status_code < 500:
            # Slack turned it down (a 429 included): nothing was posted
            return _ended(c, rnd, False, f"refused: {_error_name(e)}")
        if _look_for(c, channel, rnd):
            return "found"
        _ended(c, rnd, False, _error_name(e))
        return "unsure"


def _look_for(c: Candor, channel: str, rnd: Round, match=None) -> bool | None:
    """Whether the round's post (or, with `match`, another message of it, such
    as its chart) is in the channel; None if history can't be read now."""
    match = match or (lambda m: history.metadata_is(m, POST_EVENT, "post", rnd.digest_post_id))
    try:
        return history.find_message(c.client_for(rnd.team_id, "reader"), channel,
                                    epoch(rnd.closed_at) - 600, match) is not None
    except (history.NotNow, SlackApiError, OSError):
        return None


def _ended(c: Candor, rnd: Round, posted: bool, error: str | None = None) -> str:
    with c.db.session() as s:
        round_rows.digest_attempt_ended(s, rnd.id, c.now(), posted=posted, error=error)
    return "retry"


def _chart(c: Candor, rnd: Round, channel: str, digest: Digest | None = None,
           fresh: bool = False) -> str:
    """The chart goes under the posted digest, also exactly once: its file
    names carry the post id, so an upload whose answer was lost is found."""
    if rnd.unopened or rnd.chart_posted_at is not None or rnd.kind != round_rows.CHECKIN:
        return "done"
    tag = (rnd.digest_post_id or "")[:12]
    if not fresh:
        seen = _look_for(c, channel, rnd, lambda m: any(
            tag in (f.get("name") or "") for f in m.get("files") or []))
        if seen is None:
            return "retry"
        if seen:
            _chart_done(c, rnd)
            return "found"
    digest = digest or build(c, rnd.team_id, rnd.id)[0]
    uploads = images(digest)
    for f in uploads:
        f["filename"] = f["filename"].replace(".png", f"-{tag}.png")
    try:
        resp = c.client_for(rnd.team_id).files_upload_v2(channel=channel, file_uploads=uploads)
    except Exception as e:  # the digest is posted: a chart failure must not undo or repeat it
        log.warning("digest posted, chart upload failed (will retry): %s", _error_name(e))
        with c.db.session() as s:
            round_rows.chart_attempt_failed(s, rnd.id, c.now(), _error_name(e))
        return "retry"
    # The heatmap's id lets the leaders' App Home show this very image (slack_file).
    heat = [f.get("id") for f in (resp.get("files") or [])
            if str(f.get("name") or "").startswith("candor-teams")]
    _chart_done(c, rnd, heat[0] if heat else None)
    return "posted"


def _chart_done(c: Candor, rnd: Round, heatmap_file_id: str | None = None) -> None:
    with c.db.session() as s:
        round_rows.mark_chart_posted(s, rnd.id, c.now(), heatmap_file_id)


def _error_name(e: Exception) -> str:
    return str(e.response.get("error")) if isinstance(e, SlackApiError) else type(e).__name__


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
        segs = (segment_counts(s, team_id, [r.id for r in closed]), ws.role_labels)
    digests = history_digests(infos, counts, questions, thresholds, published,
                              segments=segs)[:rounds]
    rows = export_rows(digests)
    write_csv(rows, fh)
    for d, info in zip(digests, infos, strict=False):
        record_publication(c, info.round_id, d)
    return len(rows)
