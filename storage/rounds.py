"""Round rows: opening, looking up, closing, invitations and the aggregates
the digest is computed from. Every function is scoped to one workspace."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import delete, exists, func, select, update
from sqlalchemy.orm import Session

from storage.models import Delivery, Round, TeamCount

CHECKIN = "checkin"  # Round.kind of a check-in; pulses are "stay" and "exit"
_CHECKIN = Round.kind == CHECKIN


def open_round(s: Session, team_id: str, kind: str = CHECKIN) -> Round | None:
    return s.scalar(select(Round).where(Round.team_id == team_id, Round.status == "open",
                                        Round.kind == kind)
                    .order_by(Round.number.desc()).limit(1))


def get(s: Session, team_id: str, round_id: int, kind: str | None = CHECKIN) -> Round | None:
    """A round only if it belongs to this workspace and is of `kind` (None:
    any): a pulse's id handed to a digest button finds nothing."""
    r = s.get(Round, round_id)
    ok = r is not None and r.team_id == team_id and (kind is None or r.kind == kind)
    return r if ok else None


def by_id(s: Session, round_id: int) -> Round | None:
    return s.get(Round, round_id)


def closed(s: Session, team_id: str, limit: int = 12, kind: str = CHECKIN) -> list[Round]:
    return list(s.scalars(select(Round).where(Round.team_id == team_id, Round.status == "closed",
                                              Round.kind == kind)
                          .order_by(Round.number.desc()).limit(limit)))


def last(s: Session, team_id: str) -> Round | None:
    return s.scalar(select(Round).where(Round.team_id == team_id, _CHECKIN)
                    .order_by(Round.number.desc()).limit(1))


def next_number(s: Session, team_id: str, kind: str = CHECKIN) -> int:
    return (s.scalar(select(func.max(Round.number)).where(Round.team_id == team_id,
                                                          Round.kind == kind)) or 0) + 1


def exists_for_schedule(s: Session, team_id: str, key: str) -> bool:
    return s.scalar(select(Round.id).where(Round.team_id == team_id,
                                           Round.schedule_key == key)) is not None


def due_to_close(s: Session, now: datetime) -> list[tuple[int, str]]:
    """(round id, team id) of every open round whose window has ended."""
    return [(rid, team) for rid, team in s.execute(select(Round.id, Round.team_id).where(
        Round.status == "open", Round.closes_at <= now))]


def open_everywhere(s: Session, offers_since: datetime | None = None) -> list[tuple[str, int]]:
    """(team id, number) of every open round, in every workspace. With
    `offers_since`, leaving out exit pools with no offer since then: a pool
    waiting, sealed, for enough answers has no invitation still to answer."""
    q = select(Round.team_id, Round.number).where(Round.status == "open")
    if offers_since is not None:
        live = exists().where(Delivery.round_id == Round.id, Delivery.send_after >= offers_since)
        q = q.where((Round.kind != "exit") | live)
    return [(t, n) for t, n in s.execute(q.order_by(Round.team_id, Round.number))]


def add(s: Session, rnd: Round, invitations: list[Delivery], teams: dict[str, int]) -> Round:
    """A new round with its invitations and its per-team invited counts."""
    s.add(rnd)
    s.flush()
    for d in invitations:
        d.round_id = rnd.id
    s.add_all(invitations)
    changed = _membership_changes(s, rnd, invitations)
    for label, n in teams.items():
        s.add(TeamCount(team_id=rnd.team_id, round_id=rnd.id, team_label=label, invited=n,
                        ballots=0, changed=changed.get(label)))
    return rnd


def _membership_changes(s: Session, rnd: Round, invitations: list[Delivery]) -> dict[str, int]:
    """Per team: how many people joined or left its invited set since the
    previous round. A team absent last round counts everyone as joined."""
    prev = s.scalar(select(Round.id).where(Round.team_id == rnd.team_id, Round.kind == rnd.kind,
                                           Round.number < rnd.number)
                    .order_by(Round.number.desc()).limit(1))
    if prev is None:
        return {}
    before: dict[str, set[str]] = {}
    for label, user in s.execute(select(Delivery.team_label, Delivery.user_id).where(
            Delivery.round_id == prev, Delivery.kind == "prompt")):
        before.setdefault(label, set()).add(user)
    now: dict[str, set[str]] = {}
    for d in invitations:
        if d.kind == "prompt":
            now.setdefault(d.team_label, set()).add(d.user_id)
    return {label: len(members ^ before.get(label, set())) for label, members in now.items()}


def mark_closed(s: Session, round_id: int, now: datetime) -> bool:
    """Open -> closed; False if another caller closed it first. Taking the row
    first serialises with any ballot being cast right now. The same UPDATE
    makes the digest owed, so a crash right after close can't lose it."""
    return bool(s.execute(update(Round).where(Round.id == round_id, Round.status == "open")
                          .values(status="closed", closed_at=now,
                                  digest_post_id=uuid.uuid4().hex)).rowcount)


def defer_close(s: Session, round_id: int, until: datetime) -> None:
    """An exit pool still under the comment threshold stays open, sealed."""
    s.execute(update(Round).where(Round.id == round_id, Round.status == "open")
              .values(closes_at=until))


def drop_unsent(s: Session, round_id: int) -> None:
    """At close: invitations not yet sent would only lead to a closed round, and
    reminder rows go, so nothing in the outbox hints at who had answered."""
    s.execute(update(Delivery).where(Delivery.round_id == round_id, Delivery.kind == "prompt",
                                     Delivery.status == "pending")
              .values(status="skipped", last_error="round closed before sending"))
    s.execute(delete(Delivery).where(Delivery.round_id == round_id, Delivery.kind == "reminder"))


def mark_unopened(s: Session, round_id: int, unopened: bool) -> None:
    s.execute(update(Round).where(Round.id == round_id).values(unopened=unopened))


def unscrubbed(s: Session) -> list[int]:
    """Closed rounds whose sealed residue the engine hasn't dropped yet."""
    return list(s.scalars(select(Round.id).where(Round.status == "closed",
                                                 Round.scrubbed_at.is_(None))))


def mark_scrubbed(s: Session, round_ids: list[int], now: datetime) -> None:
    if round_ids:
        s.execute(update(Round).where(Round.id.in_(round_ids)).values(scrubbed_at=now))


def record_publication(s: Session, round_id: int, cells, now: datetime) -> None:
    r = s.get(Round, round_id)
    r.published = sorted(set(r.published or []) | set(cells))
    r.published_at = r.published_at or now


# -- the owed digest (an outbox of one per round) ---------------------------------

def _latest_closed():
    latest = (select(Round.team_id, func.max(Round.number).label("n"))
              .where(Round.status == "closed", _CHECKIN).group_by(Round.team_id).subquery())
    return select(Round).join(
        latest, (Round.team_id == latest.c.team_id) & (Round.number == latest.c.n)
    ).where(_CHECKIN)


def owed_digests(s: Session) -> list[Round]:
    """Closed rounds whose post isn't made yet: of check-ins only the latest
    closed round of each workspace (a newer digest supersedes an older one);
    every pulse's results (each is the only post of its answers)."""
    owed = (Round.digest_post_id.is_not(None), Round.digest_posted_at.is_(None))
    pulses = select(Round).where(Round.status == "closed", Round.kind != CHECKIN, *owed)
    return list(s.scalars(_latest_closed().where(*owed))) + list(s.scalars(pulses))


def claim_digest(s: Session, round_id: int, seen: datetime | None,
                 now: datetime) -> datetime | None:
    """Take the owed digest for one attempt; None if someone else did since
    it was read (`seen` is the claim time read then). Compare-and-set on
    digest_claimed_at, so two clocks or a clock and `/candor digest now`
    can never post it at the same time. Returns the new claim's time."""
    q = update(Round).where(Round.id == round_id, Round.digest_posted_at.is_(None),
                            Round.digest_post_id.is_not(None))
    q = q.where(Round.digest_claimed_at.is_(None) if seen is None
                else Round.digest_claimed_at == seen)
    won = s.execute(q.values(digest_claimed_at=now,
                             digest_attempts=Round.digest_attempts + 1)).rowcount
    return now if won else None


def digest_still_claimed(s: Session, round_id: int, claimed_at: datetime) -> bool:
    """Checked just before posting: a slow attempt whose claim another has
    since taken over must not post too."""
    return s.scalar(select(Round.id).where(Round.id == round_id,
                                           Round.digest_posted_at.is_(None),
                                           Round.digest_claimed_at == claimed_at)) is not None


def digest_attempt_ended(s: Session, round_id: int, now: datetime, *, posted: bool,
                         error: str | None = None) -> None:
    """`error` starting "refused:" means Slack turned the post down, so the
    next attempt needn't look for it first."""
    values: dict = {"digest_error": error[:200] if error else None, "digest_claimed_at": now}
    if posted:
        values["digest_posted_at"] = now
    s.execute(update(Round).where(Round.id == round_id).values(**values))


def owed_charts(s: Session, max_attempts: int = 8) -> list[Round]:
    """Posted digests of the latest closed rounds whose chart didn't make it."""
    return list(s.scalars(_latest_closed().where(
        Round.digest_posted_at.is_not(None), Round.chart_posted_at.is_(None),
        Round.unopened.is_(False), Round.digest_attempts < max_attempts)))


def chart_attempt_failed(s: Session, round_id: int, now: datetime, error: str) -> None:
    s.execute(update(Round).where(Round.id == round_id).values(
        digest_claimed_at=now, digest_attempts=Round.digest_attempts + 1,
        digest_error=("chart: " + error)[:200]))


def mark_chart_posted(s: Session, round_id: int, now: datetime,
                      heatmap_file_id: str | None = None) -> None:
    s.execute(update(Round).where(Round.id == round_id).values(
        chart_posted_at=now, heatmap_file_id=heatmap_file_id))


def renew_digest(s: Session, round_id: int) -> str:
    """`/candor digest now` on a round already posted: a new post, a new id."""
    post_id = uuid.uuid4().hex
    s.execute(update(Round).where(Round.id == round_id).values(
        digest_post_id=post_id, digest_posted_at=None, digest_claimed_at=None,
        digest_attempts=0, digest_error=None, chart_posted_at=None))
    return post_id


# -- invitations and progress ----------------------------------------------------

def invitation(s: Session, round_id: int, user_id: str) -> Delivery | None:
    return s.scalar(select(Delivery).where(Delivery.round_id == round_id,
                                           Delivery.user_id == user_id,
                                           Delivery.kind == "prompt"))


def delivery_progress(s: Session, round_id: int) -> dict[str, int]:
    rows = s.execute(select(Delivery.status, func.count()).where(
        Delivery.round_id == round_id, Delivery.kind == "prompt").group_by(Delivery.status)).all()
    return {status: n for status, n in rows}


def delivery_failures(s: Session, round_id: int) -> list[tuple[str, int]]:
    return [(e, n) for e, n in s.execute(select(Delivery.last_error, func.count()).where(
        Delivery.round_id == round_id, Delivery.status == "failed")
        .group_by(Delivery.last_error))]


# -- aggregates ------------------------------------------------------------------

def ballots_counted(s: Session, round_id: int) -> int:
    return sum(s.scalars(select(TeamCount.ballots).where(TeamCount.round_id == round_id)))
