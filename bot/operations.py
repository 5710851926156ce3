"""Operator tasks: key rotation, retention purge, forgetting a person.

Each function takes a `Candor`, does its work in short transactions and
returns counts (never ids, never content), so the CLI and the clock can report
what happened without printing anything personal.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from cryptography.fernet import InvalidToken
from sqlalchemy import delete, func, or_, select, update

from bot.context import Candor
from storage.keys import Keyring
from storage.models import Comment, Delivery, Participation, Pause, Person, Round, SealedBallot

log = logging.getLogger("candor.operations")

DEFAULT_RETENTION_DAYS = 180


class OperationRefused(Exception):
    """The operation would be unsafe now; the message says why and what to do."""


# -- key rotation ------------------------------------------------------------------

# (model, Keyring purpose) for every column sealed with a Fernet key.
SEALED_COLUMNS: tuple[tuple[type, str], ...] = ((SealedBallot, "ballot"), (Comment, "comment"))


@dataclass
class RotationReport:
    rotated: dict[str, int] = field(default_factory=dict)  # table -> tokens re-encrypted
    unreadable: dict[str, int] = field(default_factory=dict)  # table -> tokens no key opens
    retired_keys: int = 0

    @property
    def total(self) -> int:
        return sum(self.rotated.values())

    @property
    def complete(self) -> bool:
        return not any(self.unreadable.values())

    def message(self) -> str:
        lines = [f"Re-encrypted {n} {table} token(s) under CANDOR_SECRET_KEY."
                 for table, n in self.rotated.items()]
        if not self.complete:
            lines.append(
                "Some tokens could not be opened with CANDOR_SECRET_KEY or any key in "
                "CANDOR_OLD_SECRET_KEYS and were left as they were: "
                + ", ".join(f"{t}: {n}" for t, n in self.unreadable.items() if n)
                + ". Keep every old key until you have found the missing one, then run "
                  "`candor keys rotate` again.")
        elif self.retired_keys:
            lines.append(
                f"Everything is now sealed under the new key. The {self.retired_keys} key(s) in "
                "CANDOR_OLD_SECRET_KEYS are retired: remove them from the environment (and from "
                "any secret store and backup of the environment) and restart candor.")
        else:
            lines.append("CANDOR_OLD_SECRET_KEYS is empty, so there were no retired keys to "
                         "rotate away from; the data was re-sealed under the current key.")
        return "\n".join(lines)


def count_sealed(c: Candor) -> int:
    with c.db.session() as s:
        return sum(s.scalar(select(func.count()).select_from(m)) or 0 for m, _ in SEALED_COLUMNS)


def open_rounds(c: Candor) -> list[tuple[str, int]]:
    with c.db.session() as s:
        return [(t, n) for t, n in s.execute(
            select(Round.team_id, Round.number).where(Round.status == "open")
            .order_by(Round.team_id, Round.number))]


def rotate_keys(c: Candor, batch_size: int = 500,
                progress: Callable[[int], None] | None = None) -> RotationReport:
    """Re-encrypt every sealed token under the current master key with
    MultiFernet.rotate, which keeps each token's timestamp (the round start).

    Refused while any round is open: its participation tokens are keyed by the
    master secret in use when people answered; after rotation the operator is
    told to drop the old keys, and then that round could no longer tell who
    already answered. Rotate between rounds.
    """
    busy = open_rounds(c)
    if busy:
        where = ", ".join(f"{team} round {n}" for team, n in busy)
        raise OperationRefused(
            f"A round is open ({where}). Its participation tokens are keyed by the old master "
            "secret: once that key leaves CANDOR_OLD_SECRET_KEYS, people could answer twice. "
            "Wait for the round to close (or close it with `/candor close now`), then rotate. "
            "Nothing was changed.")
    report = RotationReport(retired_keys=len(c.keyring._retired))
    for model, purpose in SEALED_COLUMNS:
        sealer = c.keyring.sealer(purpose)
        table = model.__tablename__
        done = bad = 0
        last = ""
        while True:
            # Keyset pagination over the random primary key; one commit per batch.
            with c.db.session() as s:
                rows = s.execute(select(model.id, model.sealed).where(model.id > last)
                                 .order_by(model.id).limit(batch_size)).all()
                if not rows:
                    break
                for rid, token in rows:
                    try:
                        new = sealer.rotate(token.encode("ascii")).decode("ascii")
                    except InvalidToken:
                        bad += 1
                        continue
                    s.execute(update(model).where(model.id == rid).values(sealed=new))
                    done += 1
                last = rows[-1].id
            if progress:
                progress(len(rows))
        report.rotated[table] = done
        report.unreadable[table] = bad
    log.info("key rotation finished", extra={"rotated": report.total,
                                             "unreadable": sum(report.unreadable.values())})
    return report


def verify_current_key(c: Candor) -> int:
    """How many sealed tokens the current key alone cannot open (0 after a
    complete rotation: the old keys are then no longer needed)."""
    only_new = Keyring(c.keyring._master)
    bad = 0
    with c.db.session() as s:
        for model, purpose in SEALED_COLUMNS:
            sealer = only_new.sealer(purpose)
            for token in s.scalars(select(model.sealed)):
                try:
                    sealer.decrypt(token.encode("ascii"))
                except InvalidToken:
                    bad += 1
    return bad


# -- retention ---------------------------------------------------------------------


def purge(c: Candor, days: int = DEFAULT_RETENTION_DAYS, now: datetime | None = None) -> dict:
    """Delete what is no longer needed; keep the aggregates.

    - Encrypted raw comments `days` after their round was published (a round
      that was never published counts from its close, so unpublished comments
      do not live for ever). Theme counts already published stay in digests.
    - Invitations (deliveries) of those same rounds: who was invited is personal
      data and is no longer needed once the round is done.
    - For every closed round, whatever the age (belt and braces; closing
      already does this): participation tokens, the round's salt, and reminder
      rows, whose "skipped: already answered" would say who took part.
    - Responses and team counts (the aggregates) are never touched.

    Returns counts only, and logs them.
    """
    if days < 0:
        raise ValueError("days must be 0 or more")
    now = now or c.now()
    cutoff = now - timedelta(days=days)
    with c.db.session() as s:
        closed = select(Round.id).where(Round.status == "closed")
        expired = select(Round.id).where(
            Round.status == "closed",
            or_(Round.published_at <= cutoff,
                (Round.published_at.is_(None)) & (Round.closed_at <= cutoff)))
        out = {
            "comments": s.execute(delete(Comment).where(Comment.round_id.in_(expired))).rowcount,
            "deliveries": s.execute(delete(Delivery).where(Delivery.round_id.in_(expired))).rowcount,
            "participation_tokens": s.execute(
                delete(Participation).where(Participation.round_id.in_(closed))).rowcount,
            "reminder_rows": s.execute(delete(Delivery).where(
                Delivery.round_id.in_(closed), Delivery.kind == "reminder")).rowcount,
            "salts": s.execute(update(Round).where(Round.status == "closed",
                                                   Round.salt.is_not(None))
                               .values(salt=None)).rowcount,
        }
    out = {k: max(0, int(v or 0)) for k, v in out.items()}
    log.info("retention purge removed %s", ", ".join(f"{k}={v}" for k, v in out.items()),
             extra={"retention_days": days, **{f"purged_{k}": v for k, v in out.items()}})
    return out


# -- forgetting a person -----------------------------------------------------------


FORGET_NOTE = (
    "By design candor cannot find this person's answers, and does not need to: answers are "
    "stored with no user id, no time and no ballot id, so nothing links them to anyone. "
    "Aggregates already published are unchanged.")


def forget_user(c: Candor, user_id: str, team_id: str | None = None) -> dict:
    """Remove everything tied to one Slack user id: their pause preference,
    roster cache row, every delivery row, and their participation token in each
    open round (recomputed with the round's salt). Returns counts."""
    user_id = user_id.strip()
    if not user_id:
        raise ValueError("a Slack user id is required")
    with c.db.session() as s:
        def scoped(q, model):
            return q.where(model.team_id == team_id) if team_id else q

        tokens = 0
        rounds = s.scalars(scoped(select(Round).where(Round.status == "open",
                                                      Round.salt.is_not(None)), Round)).all()
        for rnd in rounds:
            # Under the current key and every retired one (a key may have
            # changed during the round; dedupe checks them all).
            toks = c.keyring.participation_tokens(rnd.salt, rnd.id, user_id)
            tokens += s.execute(delete(Participation).where(
                Participation.round_id == rnd.id, Participation.token.in_(toks))).rowcount
        out = {
            "pauses": s.execute(scoped(delete(Pause).where(Pause.user_id == user_id),
                                       Pause)).rowcount,
            "people": s.execute(scoped(delete(Person).where(Person.user_id == user_id),
                                       Person)).rowcount,
            "deliveries": s.execute(scoped(delete(Delivery).where(Delivery.user_id == user_id),
                                           Delivery)).rowcount,
            "participation_tokens": tokens,
            "open_rounds_checked": len(rounds),
        }
    out = {k: max(0, int(v or 0)) for k, v in out.items()}
    # Counts only: the id being forgotten is not written to the log.
    log.info("forgot a person: %s", ", ".join(f"{k}={v}" for k, v in out.items()))
    return out
