"""The durable outbox: pending -> sending -> sent | failed.

Every invitation is a row before anything is sent. A row is claimed with a
conditional UPDATE (so two senders can never both claim it), sent to the
user's ID (no conversations.open), then marked sent with the message ts.
After a crash, rows stuck in "sending" are checked against the DM's history
(the message carries the delivery id in its metadata) before any re-send.
"""

from __future__ import annotations

import logging
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

from slack_sdk.errors import SlackApiError

from analytics.calendar import zone
from analytics.thresholds import DEFAULT_MIN_COMMENT_N, DEFAULT_MIN_SCORE_N
from bot.blocks.checkin import Pulse, prompt_blocks, pulse_prompt_blocks, reminder_blocks, when
from bot.blocks.loop import summary_for
from bot.context import Candor, NotInstalled, epoch
from bot.i18n import lang_for
from bot.slackapi import history
from storage import actions as action_rows
from storage import outbox as outbox_rows
from storage import rounds as round_rows
from storage import workspaces
from storage.models import Delivery
from storage.pulses import OFFER_DAYS
from storage.workspaces import DEFAULT_TZ

log = logging.getLogger("candor.delivery")

MAX_ATTEMPTS = 5
EVENT_TYPE = "candor_invite"
# Errors that no retry will fix.
PERMANENT = {"user_not_found", "account_inactive", "channel_not_found", "cannot_dm_bot",
             "user_disabled", "is_archived", "invalid_auth", "not_authed", "missing_scope"}


def teams_with_work(c: Candor) -> list[str]:
    """Workspaces with invitations due, or left mid-send."""
    with c.db.session() as s:
        return outbox_rows.teams_with_work(s, c.now())


def due(c: Candor, limit: int = 500, team_id: str | None = None) -> list[int]:
    """Ids of invitations due now, oldest first. Nothing is claimed yet."""
    with c.db.session() as s:
        return outbox_rows.due_ids(s, c.now(), limit, team_id)


def claim(c: Candor, delivery_id: int) -> datetime | None:
    """pending -> sending, atomically: of two senders only one wins a row. Done
    just before the send, so a crash leaves at most one row per worker in
    "sending" for recovery to check. Returns the claim's time (None if lost)."""
    now = c.now()
    with c.db.session() as s:
        return now if outbox_rows.claim(s, delivery_id, now) else None


def _content(c: Candor, s, d: Delivery) -> tuple[list[dict], str]:
    """The DM in the person's language, with the close time in their zone. An
    invitation gets a fresh ticket, made here and never stored."""
    if d.kind == action_rows.SUMMARY_KIND:
        # "You said, we did": the text the leader confirmed, in the person's language.
        summary = action_rows.summary(s, d.round_id)
        person = workspaces.person(s, d.team_id, d.user_id)
        return summary_for(summary.blocks, summary.text,
                           lang_for(person.locale if person else None))
    rnd = round_rows.by_id(s, d.round_id)
    ws = workspaces.get(s, d.team_id)
    person = workspaces.person(s, d.team_id, d.user_id)
    lang = lang_for(person.locale if person else None)
    tz = zone(person.tz if person else None, ws.default_tz if ws else DEFAULT_TZ)
    closes = when(lang, rnd.closes_at.replace(tzinfo=UTC).astimezone(tz))
    if d.kind == "reminder":
        return reminder_blocks(lang, closes)
    if rnd.kind != "checkin":  # a stay or exit pulse: its one question, comment threshold
        # An exit offer ends on its own: once it has, its ticket is refused,
        # so nothing answered later can move when the pool opens.
        ends = d.send_after + OFFER_DAYS if rnd.kind == "exit" else None
        if ends is not None:
            closes = when(lang, ends.replace(tzinfo=UTC).astimezone(tz))
        ticket = c.box.issue_ticket(rnd, d.team_label, ends and epoch(ends))
        return pulse_prompt_blocks(lang, Pulse(rnd.kind, rnd.seed or ""), ticket, closes,
                                   ws.min_comment_n if ws else DEFAULT_MIN_COMMENT_N)
    return prompt_blocks(lang, c.box.issue_ticket(rnd, d.team_label), closes,
                         ws.min_score_n if ws else DEFAULT_MIN_SCORE_N)


def claim_and_send(c: Candor, delivery_id: int) -> str:
    claimed = claim(c, delivery_id)
    return send_one(c, delivery_id, claimed) if claimed else "skipped"


def send_one(c: Candor, delivery_id: int, claimed_at: datetime | None = None) -> str:
    """Send one claimed ("sending") invitation or reminder. With `claimed_at`,
    only while that claim still stands: a process that froze after claiming
    (and whose row another clock has since recovered) must not post it again."""
    with c.db.session() as s:
        d = outbox_rows.by_id(s, delivery_id)
        if d is None or d.status != "sending":
            return "skipped"
        blocks, text = _content(c, s, d)
    if claimed_at is not None:
        with c.db.session() as s:
            if not outbox_rows.still_claimed(s, delivery_id, claimed_at):
                return "skipped"
    try:
        poster = c.client_for(d.team_id, "poster")
    except NotInstalled:  # uninstalled: nothing can be sent there any more
        return _failed(c, d, "not_installed", permanent=True)
    # Only the Slack call is in doubt from here: it may have posted even if
    # the reply never came.
    try:
        resp = poster.chat_postMessage(
            channel=d.user_id, text=text, blocks=blocks,
            metadata={"event_type": EVENT_TYPE, "event_payload": {"delivery": d.id}},
        )
    except SlackApiError as e:
        err = str(e.response.get("error") or e.response.status_code)
        if e.response.status_code >= 500:
            return _uncertain(c, d, f"HTTP {e.response.status_code}")
        if e.response.status_code == 429:
            return _rate_limited(c, d, e)
        return _failed(c, d, err, permanent=err in PERMANENT)
    except Exception as e:  # timeouts and connection errors: did it arrive?
        return _uncertain(c, d, type(e).__name__)
    with c.db.session() as s:
        outbox_rows.mark_sent(s, d.id, resp.get("channel"), resp.get("ts"))
    return "sent"


def _uncertain(c: Candor, d: Delivery, err: str) -> str:
    """A 5xx or timeout may have come after Slack posted the message (or while
    it still is). Don't guess: the row stays "sending" and recovery checks the
    DM's history once it has had time to settle, before any re-send."""
    with c.db.session() as s:
        outbox_rows.mark_unconfirmed(s, d.id, f"unconfirmed: {err}", c.now())
    log.warning("delivery %s unconfirmed (%s); will check the DM before retrying", d.id, err)
    return "uncertain"


def _rate_limited(c: Candor, d: Delivery, e: SlackApiError) -> str:
    """A 429 (after the client's own waits) is Slack saying "later", not a
    failure: back to pending after Retry-After, however long the storm, for
    as long as the round is open (due() only sends for open rounds)."""
    try:
        wait = float(e.response.headers.get("Retry-After", 30))
    except (TypeError, ValueError):
        wait = 30.0
    with c.db.session() as s:
        outbox_rows.mark_failed_or_retry(
            s, d.id, "ratelimited", final=False,
            retry_at=c.now() + timedelta(seconds=min(max(wait, 1.0), 300.0)))
    log.warning("delivery %s rate limited; will retry", d.id)
    return "retry"


def _failed(c: Candor, d: Delivery, err: str, permanent: bool) -> str:
    final = permanent or d.attempts >= MAX_ATTEMPTS
    with c.db.session() as s:
        outbox_rows.mark_failed_or_retry(
            s, d.id, err, final=final,
            retry_at=c.now() + timedelta(seconds=min(300, 5 * 2 ** d.attempts)))
    log.warning("delivery %s %s: %s", d.id, "failed" if final else "will retry", err)
    return "failed" if final else "retry"


def deliver_due(c: Candor, workers: int = 4, limit: int = 500, team_id: str | None = None) -> dict:
    """Send what is due. Bounded concurrency; the pacer spaces the calls."""
    ids = due(c, limit, team_id)
    if not ids:
        return {}
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="deliver") as ex:
        return dict(Counter(ex.map(lambda i: claim_and_send(c, i), ids)))


def recover_orphans(c: Candor, older_than: timedelta | None = None,
                    team_id: str | None = None) -> dict:
    """Rows left in "sending" by a process that died (or by a send whose
    outcome was unknown). Look for the message in the DM before sending again:
    kill -9 must neither lose nor double. History is Tier 1 (a call a minute),
    so rows it can't check yet stay "sending" for a later tick."""
    with c.db.session() as s:
        rows = outbox_rows.sending_rows(
            s, None if older_than is None else c.now() - older_than, team_id)
    out = {"found": 0, "requeued": 0, "failed": 0, "unchecked": 0}
    for d in rows:
        try:
            ts = _find_in_dm(c, d)
        except Exception:
            out["unchecked"] += 1  # stays "sending"; checked again next time
            continue
        with c.db.session() as s:
            if ts:
                outbox_rows.mark_found(s, d, *ts)
                out["found"] += 1
            elif d.attempts >= MAX_ATTEMPTS:
                outbox_rows.give_up(s, d.id)
                out["failed"] += 1
            else:
                outbox_rows.requeue(s, d.id)
                out["requeued"] += 1
    if rows:
        log.info("recovered deliveries after a restart: %s", out)
    return out


def _find_in_dm(c: Candor, d: Delivery) -> tuple[str, str] | None:
    try:
        channel = d.channel or c.client_for(d.team_id).conversations_open(
            users=d.user_id)["channel"]["id"]
        with c.db.session() as s:
            opened = round_rows.by_id(s, d.round_id).opened_at
        m = history.find_message(
            c.client_for(d.team_id, "reader"), channel, epoch(opened) - 86400,
            lambda m: history.metadata_is(m, EVENT_TYPE, "delivery", d.id))
        return (channel, m["ts"]) if m else None
    except history.NotNow:
        raise
    except SlackApiError as e:
        log.warning("could not check DM history for delivery %s: %s", d.id,
                    e.response.get("error"))
        raise
