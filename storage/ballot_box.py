"""The sealed ballot box.

A submission is encrypted into `sealed_ballots` with Fernet's timestamp pinned
to the round's start. Ballots are opened only when at least `batch_min` are
waiting (or the round closes), and then written to `responses`/`comments` in
shuffled order, in one transaction. At close the whole round is rewritten in a
fresh random order, so even batch membership (PostgreSQL xmin/ctid) is gone.
"""

from __future__ import annotations

import json
import logging
import random
import secrets
from collections import Counter
from dataclasses import dataclass
from datetime import UTC

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from analytics.thresholds import DEFAULT_MIN_SCORE_N
from storage.keys import Keyring, seal, unseal
from storage.models import Comment, Participation, Response, Round, SealedBallot, TeamCount

log = logging.getLogger(__name__)


class RoundClosed(Exception):
    pass


class AlreadyAnswered(Exception):
    pass


@dataclass(frozen=True)
class Ballot:
    team_label: str
    answers: dict[str, int]
    comment: str | None  # already scrubbed


def _epoch(naive_utc) -> float:
    return naive_utc.replace(tzinfo=UTC).timestamp()


def _rid() -> str:
    return secrets.token_hex(16)


class BallotBox:
    def __init__(self, keyring: Keyring, batch_min: int = DEFAULT_MIN_SCORE_N,
                 rng: random.Random | None = None):
        self.keyring = keyring
        self.batch_min = batch_min
        self.rng = rng or random.SystemRandom()
        self._ballots = keyring.sealer("ballot")
        self._comments = keyring.sealer("comment")

    # -- participation -------------------------------------------------------
    def token(self, rnd: Round, user_id: str) -> str:
        if rnd.salt is None:
            raise RoundClosed(rnd.id)
        return self.keyring.participation_token(rnd.salt, rnd.id, user_id)

    def _seen(self, s: Session, rnd: Round, user_id: str) -> bool:
        toks = self.keyring.participation_tokens(rnd.salt, rnd.id, user_id)
        return s.scalar(select(func.count()).where(
            Participation.round_id == rnd.id, Participation.token.in_(toks))) > 0

    def has_answered(self, s: Session, rnd: Round, user_id: str) -> bool:
        if rnd.salt is None:
            return False
        return self._seen(s, rnd, user_id)

    # -- casting -------------------------------------------------------------
    def cast(self, s: Session, round_id: int, user_id: str, ballot: Ballot) -> int:
        """Record one ballot; returns how many ballots were opened as a result.

        The first statement takes the round's row lock (PostgreSQL) / the write
        lock (SQLite), so a concurrent close or a double click can't interleave.
        """
        locked = s.execute(
            update(Round).where(Round.id == round_id, Round.status == "open")
            .values(status="open")
        ).rowcount
        if not locked:
            raise RoundClosed(round_id)
        rnd = s.get(Round, round_id)
        if rnd.salt is None:
            raise RoundClosed(round_id)
        if self._seen(s, rnd, user_id):
            raise AlreadyAnswered(round_id)
        tok = self.token(rnd, user_id)
        s.add(Participation(team_id=rnd.team_id, round_id=round_id, token=tok))
        payload = json.dumps(
            {"t": ballot.team_label, "a": ballot.answers, "c": ballot.comment},
            separators=(",", ":"),
        ).encode()
        s.add(SealedBallot(id=_rid(), team_id=rnd.team_id, round_id=round_id,
                           sealed=seal(self._ballots, payload, _epoch(rnd.opened_at))))
        s.flush()
        pending = s.scalar(select(func.count()).where(SealedBallot.round_id == round_id))
        if pending >= self.batch_min:
            return self.open_pending(s, rnd)
        return 0

    # -- opening -------------------------------------------------------------
    def open_pending(self, s: Session, rnd: Round) -> int:
        rows = s.execute(
            select(SealedBallot.id, SealedBallot.sealed).where(SealedBallot.round_id == rnd.id)
        ).all()
        if not rows:
            return 0
        gone = s.execute(
            delete(SealedBallot).where(SealedBallot.id.in_([r.id for r in rows]))
        ).rowcount
        if gone != len(rows):  # another process opened some of them first
            raise RuntimeError("ballot box raced; retry")
        answers: list[Response] = []
        comments: list[Comment] = []
        teams: Counter[str] = Counter()
        at = _epoch(rnd.opened_at)
        for r in rows:
            b = json.loads(unseal(self._ballots, r.sealed))
            teams[b["t"]] += 1
            for key, value in b["a"].items():
                answers.append(Response(id=_rid(), team_id=rnd.team_id, round_id=rnd.id, team_label=b["t"],
                                        question_key=key, value=int(value)))
            if b.get("c"):
                comments.append(Comment(id=_rid(), team_id=rnd.team_id, round_id=rnd.id,
                                        sealed=seal(self._comments, b["c"].encode(), at)))
        self.rng.shuffle(answers)
        self.rng.shuffle(comments)
        s.add_all(answers)
        s.add_all(comments)
        for team, n in teams.items():
            tc = s.get(TeamCount, (rnd.id, team))
            if tc is None:
                s.add(TeamCount(team_id=rnd.team_id, round_id=rnd.id, team_label=team, invited=0, ballots=n))
            else:
                tc.ballots += n
        s.flush()
        log.info("ballot box opened a batch", extra={"round_id": rnd.id, "ballots": len(rows)})
        return len(rows)

    def close(self, s: Session, rnd: Round) -> int:
        """Open what is left, rewrite the round in a fresh random order, and
        destroy the participation key material and tokens."""
        opened = self.open_pending(s, rnd)
        self._reshuffle(s, rnd)
        rnd.salt = None
        s.execute(delete(Participation).where(Participation.round_id == rnd.id))
        return opened

    def _reshuffle(self, s: Session, rnd: Round) -> None:
        round_id, team_id = rnd.id, rnd.team_id
        resp = s.execute(
            select(Response.team_label, Response.question_key, Response.value)
            .where(Response.round_id == round_id)
        ).all()
        com = s.scalars(select(Comment.sealed).where(Comment.round_id == round_id)).all()
        s.execute(delete(Response).where(Response.round_id == round_id))
        s.execute(delete(Comment).where(Comment.round_id == round_id))
        resp = list(resp)
        com = list(com)
        self.rng.shuffle(resp)
        self.rng.shuffle(com)
        s.add_all(Response(id=_rid(), team_id=team_id, round_id=round_id, team_label=t, question_key=q, value=v)
                  for t, q, v in resp)
        s.add_all(Comment(id=_rid(), team_id=team_id, round_id=round_id, sealed=c) for c in com)
        s.flush()

    def read_comments(self, s: Session, round_id: int) -> list[str]:
        out = [unseal(self._comments, c).decode()
               for c in s.scalars(select(Comment.sealed).where(Comment.round_id == round_id))]
        self.rng.shuffle(out)
        return out


# -- what the box holds after opening: the digest reads only these aggregates ----

def value_counts(s: Session, team_id: str, round_ids: list[int]) -> list[tuple]:
    """(round_id, team, question_key, value, n): the histogram every digest
    figure is computed from, aggregated in SQL rather than in Python."""
    if not round_ids:
        return []
    return [tuple(r) for r in s.execute(
        select(Response.round_id, Response.team_label, Response.question_key, Response.value,
               func.count())
        .where(Response.team_id == team_id, Response.round_id.in_(round_ids))
        .group_by(Response.round_id, Response.team_label, Response.question_key, Response.value)
    )]


def team_counts(s: Session, round_ids: list[int]) -> dict[int, list[TeamCount]]:
    out: dict[int, list] = {}
    for tc in s.scalars(select(TeamCount).where(TeamCount.round_id.in_(round_ids))):
        out.setdefault(tc.round_id, []).append(tc)
    return out
