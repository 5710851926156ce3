"""The sealed ballot box.

An invitation carries a **ticket**: a random nonce, its round and the
invitee's team, encrypted with a key derived from CANDOR_SECRET_KEY. The
ticket exists only in the Slack DM (the Start button) and in the modal it
opens; candor never writes it down, so nothing in the database, its WAL or
its backups ties a ticket to a person. A submit spends the ticket: the hash
of its nonce goes into `participation` (so it can't be spent twice) and the
ballot into `sealed_ballots`, encrypted and padded to a fixed size.

Ballots stay sealed until the round closes. Then all of them are opened in
one transaction, in random order; a team with fewer than k respondents is
stored under a merged label that reaches k, or the round is destroyed
unopened when fewer than k answered at all. The tickets' hashes and the
sealed rows are deleted in the same transaction.
"""

from __future__ import annotations

import hashlib
import json
import logging
import random
import secrets
from collections import Counter
from dataclasses import dataclass
from datetime import UTC

from cryptography.fernet import InvalidToken
from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from analytics.thresholds import DEFAULT_MIN_SCORE_N
from storage.keys import Keyring, pad, seal, unseal
from storage.models import Comment, Participation, Response, Round, SealedBallot, TeamCount

log = logging.getLogger(__name__)

# Teams too small to store under their own name share this label. Slack
# channel names can't contain spaces or parentheses, so it never collides.
MERGED_LABEL = "(other teams)"
# A comment's JSON may take this many bytes, so every ballot fits one padding
# block (storage.keys.PAD_BLOCK) with room for the answers and team label.
MAX_COMMENT_BYTES = 4000


def comment_fits(comment: str) -> bool:
    return len(_json(comment)) <= MAX_COMMENT_BYTES


class RoundClosed(Exception):
    pass


class AlreadyAnswered(Exception):
    pass


class BadTicket(Exception):
    """Not a ticket this candor issued (or one for another workspace)."""


@dataclass(frozen=True)
class Ticket:
    round_id: int
    team_label: str
    nonce: str

    @property
    def spent_mark(self) -> str:
        """What `participation` stores once the ticket is spent: a hash of the
        nonce, which nobody without the ticket itself can recompute."""
        return hashlib.sha256(self.nonce.encode("ascii")).hexdigest()


@dataclass(frozen=True)
class Ballot:
    team_label: str
    answers: dict[str, int]
    comment: str | None  # already scrubbed


@dataclass(frozen=True)
class Opened:
    """What closing a round did: ballots opened, and whether the round was too
    small to open at all."""

    ballots: int
    destroyed: bool


def _epoch(naive_utc) -> float:
    return naive_utc.replace(tzinfo=UTC).timestamp()


def _rid() -> str:
    return secrets.token_hex(16)


def _json(obj) -> bytes:
    return json.dumps(obj, separators=(",", ":"), ensure_ascii=False).encode()


def merge_small_teams(counts: Counter, k: int) -> dict[str, str]:
    """team label -> label stored at rest. Teams under k share MERGED_LABEL;
    while that pool is still under k, the next smallest team joins it, so no
    stored group is smaller than k (the caller ensures the total is >= k)."""
    small = sorted((t for t, n in counts.items() if n < k), key=lambda t: (counts[t], t))
    rest = sorted((t for t, n in counts.items() if n >= k), key=lambda t: (counts[t], t))
    pooled = sum(counts[t] for t in small)
    while small and pooled < k and rest:
        t = rest.pop(0)
        small.append(t)
        pooled += counts[t]
    return {t: (MERGED_LABEL if t in small else t) for t in counts}


class BallotBox:
    def __init__(self, keyring: Keyring, k: int = DEFAULT_MIN_SCORE_N,
                 rng: random.Random | None = None):
        self.keyring = keyring
        self.k = k
        self.rng = rng or random.SystemRandom()
        self._ballots = keyring.sealer("ballot")
        self._comments = keyring.sealer("comment")
        self._tickets = keyring.ticket_sealer()

    # -- tickets -------------------------------------------------------------
    def issue_ticket(self, rnd: Round, team_label: str) -> str:
        """A fresh ticket for one invitation. Its Fernet timestamp is the round's
        start, so it says nothing about when it was sent."""
        payload = _json({"r": rnd.id, "t": team_label, "n": secrets.token_hex(16)})
        return seal(self._tickets, payload, _epoch(rnd.opened_at))

    def read_ticket(self, token: str | None) -> Ticket:
        if not isinstance(token, str) or not token or len(token) > 2000:
            raise BadTicket
        try:
            b = json.loads(unseal(self._tickets, token))
            return Ticket(int(b["r"]), str(b["t"]), str(b["n"]))
        except (InvalidToken, ValueError, KeyError, TypeError, UnicodeError):
            raise BadTicket from None

    def is_spent(self, s: Session, ticket: Ticket) -> bool:
        return s.get(Participation, (ticket.round_id, ticket.spent_mark)) is not None

    def responses_so_far(self, s: Session, round_id: int) -> int:
        return s.scalar(select(func.count()).where(Participation.round_id == round_id)) or 0

    # -- casting -------------------------------------------------------------
    def cast(self, s: Session, ticket: Ticket, ballot: Ballot) -> None:
        """Spend the ticket and seal the ballot. Nothing is opened here, so a
        submit does the same work, and takes the same time, for everyone.

        The first statement takes the round's row lock (PostgreSQL) / the write
        lock (SQLite), so a concurrent close or a double click can't interleave.
        """
        round_id = ticket.round_id
        locked = s.execute(
            update(Round).where(Round.id == round_id, Round.status == "open")
            .values(status="open")
        ).rowcount
        if not locked:
            raise RoundClosed(round_id)
        if self.is_spent(s, ticket):
            raise AlreadyAnswered(round_id)
        rnd = s.get(Round, round_id)
        payload = pad(_json({"t": ballot.team_label, "a": ballot.answers, "c": ballot.comment}))
        s.add(Participation(team_id=rnd.team_id, round_id=round_id, token=ticket.spent_mark))
        s.add(SealedBallot(id=_rid(), team_id=rnd.team_id, round_id=round_id,
                           sealed=seal(self._ballots, payload, _epoch(rnd.opened_at))))
        s.flush()

    # -- closing -------------------------------------------------------------
    def close(self, s: Session, rnd: Round, k: int | None = None) -> Opened:
        """Open every sealed ballot of the round in one transaction, write the
        answers in random order with no group under k, and destroy the sealed
        rows and the spent tickets. Fewer than k ballots: destroyed unopened."""
        k = max(k or self.k, 1)
        rows = s.scalars(select(SealedBallot.sealed).where(SealedBallot.round_id == rnd.id)).all()
        s.execute(delete(SealedBallot).where(SealedBallot.round_id == rnd.id))
        s.execute(delete(Participation).where(Participation.round_id == rnd.id))
        if len(rows) < k:
            s.flush()
            return Opened(0, destroyed=bool(rows))
        ballots = [json.loads(unseal(self._ballots, r)) for r in rows]
        label = merge_small_teams(Counter(b["t"] for b in ballots), k)
        self._write_answers(s, rnd, ballots, label)
        self._write_team_counts(s, rnd, Counter(label[b["t"]] for b in ballots), label)
        s.flush()
        log.info("ballot box opened", extra={"round_id": rnd.id})
        return Opened(len(ballots), destroyed=False)

    def _write_answers(self, s: Session, rnd: Round, ballots: list[dict],
                       label: dict[str, str]) -> None:
        answers = [(label[b["t"]], key, int(value))
                   for b in ballots for key, value in b["a"].items()]
        comments = [b["c"] for b in ballots if b.get("c")]
        self.rng.shuffle(answers)
        self.rng.shuffle(comments)
        at = _epoch(rnd.opened_at)
        s.add_all(Response(id=_rid(), team_id=rnd.team_id, round_id=rnd.id, team_label=t,
                           question_key=q, value=v) for t, q, v in answers)
        s.add_all(Comment(id=_rid(), team_id=rnd.team_id, round_id=rnd.id,
                          sealed=seal(self._comments, pad(_json({"c": c})), at))
                  for c in comments)

    def _write_team_counts(self, s: Session, rnd: Round, ballots: Counter,
                           label: dict[str, str]) -> None:
        """Respondents per stored label; merged teams' invitations move to the
        merged label, so no rate is shown for a team that was merged away."""
        invited: Counter[str] = Counter()
        changed: dict[str, int | None] = {}
        for tc in s.scalars(select(TeamCount).where(TeamCount.round_id == rnd.id)).all():
            stored = label.get(tc.team_label, tc.team_label)
            invited[stored] += tc.invited
            # a merged label changed by at most the sum of its teams' changes
            changed[stored] = (None if tc.changed is None or changed.get(stored, 0) is None
                               else changed.get(stored, 0) + tc.changed)
            if stored != tc.team_label:
                s.delete(tc)
        s.flush()
        for team in set(invited) | set(ballots):
            tc = s.get(TeamCount, (rnd.id, team))
            if tc is None:
                s.add(TeamCount(team_id=rnd.team_id, round_id=rnd.id, team_label=team,
                                invited=invited[team], ballots=ballots[team],
                                changed=changed.get(team)))
            else:
                tc.invited, tc.ballots = invited[team], ballots[team]
                tc.changed = changed.get(team)

    def read_comments(self, s: Session, round_id: int) -> list[str]:
        out = [_comment_text(unseal(self._comments, c))
               for c in s.scalars(select(Comment.sealed).where(Comment.round_id == round_id))]
        self.rng.shuffle(out)
        return out


def _comment_text(plain: bytes) -> str:
    """Padded JSON since tickets were introduced; raw text before."""
    text = plain.decode()
    try:
        obj = json.loads(text)
    except ValueError:
        return text
    return obj["c"] if isinstance(obj, dict) and isinstance(obj.get("c"), str) else text


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
