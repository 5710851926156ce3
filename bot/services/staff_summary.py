"""Closing the loop, part 2: "you said, we did" to staff.

A staff summary holds only what the round's digest already published at
organisation level (read back from the digest model and checked against
the round's record of published cells), the committed actions with their
owners, and comments only if a leader picks them from those the digest
quoted. It is previewed, then confirmed, and only then sent: to the staff
channel an admin chose, or by DM to everyone invited, through the outbox.
"""

from __future__ import annotations

import json
import logging
from concurrent.futures import ThreadPoolExecutor

from slack_sdk.errors import SlackApiError

from analytics import privacy
from analytics.digest import Digest, MetricSummary, change_text
from bot.blocks.loop import SummaryData, summary_blocks, summary_confirm_modal, summary_pick_modal
from bot.context import Candor
from bot.i18n import LANGS, t
from bot.services import digests, loop, outbox
from bot.services.errors import ServiceError
from bot.services.people import is_admin
from storage import actions as action_rows
from storage import rounds as round_rows
from storage import workspaces
from storage.models import StaffSummary

log = logging.getLogger("candor.summary")

MAX_FINDINGS = 3
REFUSAL = ("Sorry — only members of the digest channel (or candor admins) can publish a "
           "staff summary. Nothing was sent.")


def may_publish(c: Candor, team_id: str, user_id: str) -> bool:
    """Leaders (digest-channel members) and admins."""
    return loop.is_leader(c, team_id, user_id) or is_admin(c, team_id, user_id)


def _require(c: Candor, team_id: str, user_id: str) -> None:
    if not may_publish(c, team_id, user_id):
        raise loop.NotLeader(REFUSAL)


# -- what it may say ---------------------------------------------------------------

def org_published(published: frozenset[str], m: MetricSummary) -> bool:
    """Whether the digest's record shows this measure's organisation figure
    was published, exactly as the model has it (exact or banded)."""
    if m.org is None or m.org.withheld:
        return False
    prior = privacy.metric_prior(published, m.key)
    if prior is None:
        return False
    shown, exact = prior
    return privacy.TOTAL in (exact if m.org.exact else shown)


def _rounds_words(lang: str, numbers) -> str:
    """"round 4", "rounds 1–3" or "rounds 1, 2 and 4", as the digest says it."""
    ns = sorted(set(numbers))
    if len(ns) == 1:
        return t(lang, "summary.round", n=ns[0])
    if ns == list(range(ns[0], ns[-1] + 1)):
        return t(lang, "summary.rounds_span", first=ns[0], last=ns[-1])
    return t(lang, "summary.rounds_list", most=", ".join(map(str, ns[:-1])), last=ns[-1])


def _change(lang: str, m: MetricSummary) -> str:
    """A real change in `lang`: the digest's own verdict (English: its very words)."""
    if lang == "en":
        return change_text(m)
    c = m.change
    n = abs(c.points)  # type: ignore[union-attr]
    points = t(lang, "summary.point" if n == 1 else "summary.points", n=n)
    return t(lang, "summary.rose" if c.direction > 0 else "summary.fell",  # type: ignore[union-attr]
             points=points, rounds=_rounds_words(lang, c.rounds_before))  # type: ignore[union-attr]


def finding(m: MetricSummary, lang: str = "en", label: str | None = None) -> str:
    """One measure in plain words; `label` is the question as staff read it
    (default: the digest's short label)."""
    value = m.org.rate_text()  # type: ignore[union-attr]
    kind = "burnout" if m.is_burnout else ("yes" if m.rate_name == "yes" else "favourable")
    words = t(lang, f"summary.{kind}", value=value, label=label or m.label)
    return t(lang, "summary.with_change", finding=words, change=_change(lang, m)) \
        if m.flagged else words


def findings(digest: Digest, published: frozenset[str], lang: str = "en",
             labels: dict[str, str] | None = None) -> tuple[str, ...]:
    """Two or three org-level findings: real changes first, then burnout."""
    shown = [m for m in digest.metrics if org_published(published, m)]
    shown.sort(key=lambda m: (not m.flagged, not m.is_burnout))
    return tuple(finding(m, lang, (labels or {}).get(m.key)) for m in shown[:MAX_FINDINGS])


def _response(digest: Digest, published: frozenset[str], min_n: int,
              lang: str = "en") -> str | None:
    r = digest.response
    if privacy.TOTAL not in published or r.respondents is None or r.respondents < min_n:
        return None
    return t(lang, "summary.response", respondents=r.respondents, invited=r.invited, pct=r.pct)


def _dates(lang: str, digest: Digest) -> str:
    """The round's dates in `lang` (English: the digest's own words)."""
    if lang == "en":
        return digest.dates_text
    a, b = digest.opened_on, digest.closes_on

    def one(d, year: bool) -> str:
        words = t(lang, "summary.due", day=d.day, month=t(lang, f"date.month.{d.month}"))
        return t(lang, "summary.year", date=words, year=d.year) if year else words
    if a == b:
        return one(a, True)
    return t(lang, "summary.span", first=one(a, a.year != b.year), last=one(b, True))


def _labels(c: Candor, team_id: str, lang: str) -> dict[str, str] | None:
    """The questions as staff read them in `lang` (English: the digest's labels)."""
    if lang == "en":
        return None
    with c.db.session() as s:
        return {q.key: q.text_es.strip() for q in workspaces.questions(s, team_id)}


def _load(c: Candor, team_id: str, round_id: int | None = None):
    """(digest, round id, round number, published record, k) of a round whose
    digest was published."""
    with c.db.session() as s:
        rnd = (round_rows.get(s, team_id, round_id) if round_id
               else (round_rows.closed(s, team_id, limit=1) or [None])[0])
        if rnd is None or rnd.status != "closed":
            raise ServiceError("There is no closed round to summarise yet.")
        if rnd.unopened:
            raise ServiceError(f"Round {rnd.number} had too few answers to open, so there is "
                               "nothing to share beyond a thank-you.")
        if not rnd.published:
            raise ServiceError(f"Round {rnd.number}'s digest hasn't been published yet; "
                               "staff can only be told what leaders were shown.")
        rid, number, published = rnd.id, rnd.number, frozenset(rnd.published)
        k = workspaces.require(s, team_id).min_score_n
    digest, _ = digests.build(c, team_id, rid)
    return digest, rid, number, published, k


def data(c: Candor, team_id: str, round_id: int | None = None,
         picked: tuple[int, ...] = (), lang: str = "en",
         ) -> tuple[SummaryData, tuple[str, ...], int]:
    """The summary of a round (default: the latest closed one) in `lang`, the
    comments the digest published (a leader may pick some), and the round id."""
    digest, rid, number, published, k = _load(c, team_id, round_id)
    return _data(c, team_id, (digest, rid, number, published, k), picked, lang)


def _data(c: Candor, team_id: str, loaded, picked: tuple[int, ...], lang: str,
          ) -> tuple[SummaryData, tuple[str, ...], int]:
    digest, rid, number, published, k = loaded
    quoted = digest.comments if digest.themes is not None else ()
    chosen = tuple(quoted[i] for i in sorted(set(picked)) if 0 <= i < len(quoted))
    items = tuple(a for a in loop.section_items(c, team_id, rid) if a.status != "dropped")
    labels = _labels(c, team_id, lang)
    return SummaryData(round_number=number, dates=_dates(lang, digest),
                       response=_response(digest, published, k, lang),
                       findings=findings(digest, published, lang, labels), actions=items,
                       comments=chosen, min_n=k, lang=lang), tuple(quoted), rid


def every_language(c: Candor, team_id: str, round_id: int, picked: tuple[int, ...],
                   ) -> tuple[SummaryData, dict[str, dict]]:
    """The English summary, and the message in every language staff may have
    ({lang: {"blocks", "text"}}), all from one build of the digest."""
    loaded = _load(c, team_id, round_id)
    out: dict[str, dict] = {}
    english = None
    for lang in LANGS:
        d = _data(c, team_id, loaded, picked, lang)[0]
        english = english or d
        blocks, text = summary_blocks(d)
        out[lang] = {"blocks": blocks, "text": text}
    return english, out  # type: ignore[return-value]


# -- where it goes -----------------------------------------------------------------

def where(c: Candor, team_id: str, round_id: int | None = None) -> str:
    with c.db.session() as s:
        channel = action_rows.staff_channel(s, team_id)
        n = len(action_rows.invited(s, round_id)) if round_id and not channel else 0
    return (f"to <#{channel}> (in English)" if channel else
            f"by DM to the {n} people invited, each in their Slack language (English or Spanish)")


def set_channel(c: Candor, team_id: str, channel: str | None) -> str:
    with c.db.session() as s:
        workspaces.ensure(s, team_id)
        action_rows.set_staff_channel(s, team_id, channel)
    if channel:
        return (f"Staff summaries will go to <#{channel}>. candor joins it if it is public; "
                "for a private channel, invite it first (`/invite @candor`).")
    return "Staff summaries will go by DM to everyone invited to the round, at Slack's pace."


# -- preview, review, publish ------------------------------------------------------

def _meta(round_id: int, picked: tuple[int, ...] = ()) -> str:
    return json.dumps({"r": round_id, "c": list(picked)})


def parse_meta(meta: str) -> tuple[int | None, tuple[int, ...]]:
    try:
        raw = json.loads(meta or "{}")
        rid, picked = raw.get("r"), raw.get("c") or []
    except (ValueError, AttributeError):
        return None, ()
    ok = isinstance(rid, int) and all(isinstance(i, int) for i in picked)
    return (rid, tuple(picked)) if ok else (None, ())


def form(c: Candor, team_id: str, user_id: str) -> dict:
    """Step 1 (the preview): comments to pick if the digest quoted any."""
    _require(c, team_id, user_id)
    d, quoted, rid = data(c, team_id)
    if quoted:
        return summary_pick_modal(d, quoted, where(c, team_id, rid), _meta(rid))
    return summary_confirm_modal(d, where(c, team_id, rid), _meta(rid))


def review(c: Candor, team_id: str, user_id: str, meta: str, picked: tuple[int, ...]) -> dict:
    """Step 2: exactly what will be sent, with the picked comments."""
    _require(c, team_id, user_id)
    rid, _ = parse_meta(meta)
    d, _, rid = data(c, team_id, rid, picked)
    return summary_confirm_modal(d, where(c, team_id, rid), _meta(rid, picked))


def publish(c: Candor, team_id: str, user_id: str, meta: str) -> str:
    """Confirmed: rebuilt from the round (never from the view's text), recorded
    once per round, then posted to the staff channel or queued as DMs."""
    _require(c, team_id, user_id)
    rid, picked = parse_meta(meta)
    if rid is None:
        raise ServiceError("That summary can't be read; open it again.")
    d, by_lang = every_language(c, team_id, rid, picked)
    blocks, text = by_lang["en"]["blocks"], by_lang["en"]["text"]
    with c.db.session() as s:
        channel = action_rows.staff_channel(s, team_id)
        # DMs go in each person's language; a channel has none, so it gets English.
        if not action_rows.add_summary(s, StaffSummary(
                round_id=rid, team_id=team_id, text=text, blocks=by_lang, channel=channel,
                published_by=user_id, published_at=c.now())):
            raise ServiceError(f"Round {d.round_number}'s staff summary was already published.")
        if channel is None:
            n = action_rows.queue_summary_dms(s, team_id, rid, action_rows.invited(s, rid),
                                              c.now())
    if channel is None:
        return (f"Published: round {d.round_number}'s summary is on its way by DM to {n} "
                "people, at Slack's pace.")
    _post(c, team_id, rid, channel, blocks, text)
    return f"Published round {d.round_number}'s summary in <#{channel}>."


def _post(c: Candor, team_id: str, round_id: int, channel: str, blocks: list[dict],
          text: str) -> None:
    client = c.client_for(team_id)
    try:
        try:
            client.chat_postMessage(channel=channel, blocks=blocks, text=text,
                                    unfurl_links=False)
        except SlackApiError as e:
            if e.response.get("error") != "not_in_channel":
                raise
            client.conversations_join(channel=channel)
            client.chat_postMessage(channel=channel, blocks=blocks, text=text,
                                    unfurl_links=False)
    except SlackApiError as e:
        with c.db.session() as s:  # not posted: let the leader try again
            action_rows.drop_summary(s, round_id)
        raise ServiceError(f"Slack didn't take the post to <#{channel}> "
                           f"({e.response.get('error')}); nothing was sent. If it is private, "
                           "invite candor there first.") from e


def deliver_due(c: Candor, limit: int = 100) -> dict:
    """Clock step: send pending summary DMs through the outbox's own send
    (claim, post, found-again after a crash), paced like invitations."""
    with c.db.session() as s:
        ids = action_rows.summary_due_ids(s, c.now(), limit)
    if not ids:
        return {}
    out: dict[str, int] = {}
    with ThreadPoolExecutor(max_workers=4, thread_name_prefix="summary") as ex:
        for result in ex.map(lambda i: outbox.claim_and_send(c, i), ids):
            out[result] = out.get(result, 0) + 1
    return out


def run_due(c: Candor) -> None:
    """The clock's loop step: owners' reminders, then staff-summary DMs."""
    loop.remind_due(c)
    deliver_due(c)
