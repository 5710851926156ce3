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
from sqlalchemy import delete, func, select
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from analytics.segments import ROLES, TENURES, clean_role, clean_tenure, coarsen
from analytics.thresholds import DEFAULT_MIN_SCORE_N
from storage.ballot_deposit import (  # noqa: F401 - re-exported for the services
    ANY_ROSTER,
    AlreadyAnswered,
    Facts,
    RoundClosed,
    deposit,
)
from storage.ballot_open import (
    HISTOGRAM_COLS,
    comment_text,
    histogram,
    insert_many,
    open_json,
    random_ids,
    stream_sealed,
)
from storage.keys import PAD_BLOCK, Keyring, pad, seal, unseal
from storage.models import (
    AnswerCount,
    Comment,
    Participation,
    Response,
    Round,
    SealedBallot,
    TeamCount,
)

log = logging.getLogger(__name__)

# Teams too small to store under their own name share this label (no Slack channel
# name has spaces or parentheses, so it never collides).
MERGED_LABEL = "(other teams)"
# A comment's JSON bytes at most; seal_ballot checks the whole ballot fits a block.
MAX_COMMENT_BYTES = 4000
# Rows per bulk write, and sealed tokens (6 kB each) per fetch or write, when
# a round is opened.
CHUNK = 2000
FETCH = 500


_WIDE_ANSWER, _WIDE_ROLE, _WIDE_TENURE = -1000, max(ROLES, key=len), max(TENURES, key=len)


class BallotTooLarge(ValueError):
    """The comment leaves no room for the rest of the ballot in one block."""


def comment_fits(comment: str) -> bool:
    return len(_json(comment)) <= MAX_COMMENT_BYTES


class BadTicket(Exception):
    """Not a ticket this candor issued (or one for another workspace)."""


@dataclass(frozen=True)
class Ticket:
    round_id: int
    team_label: str
    nonce: str
    expires: float | None = None  # epoch; an exit offer's own end (bot/services/pulses.py)

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
    # Voluntary role and tenure keys (analytics.segments), coarsened at close.
    role: str | None = None
    tenure: str | None = None


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


_sealed = SealedBallot.__table__


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
        # (round id, comments) of the last close, until its digest reads them.
        self._just_opened: tuple[int, list[str]] | None = None

    def issue_ticket(self, rnd: Round, team_label: str, expires: float | None = None) -> str:
        """A fresh ticket for one invitation. Its Fernet timestamp is the round's
        start, so it says nothing about when it was sent (only the DM holds it)."""
        body = {"r": rnd.id, "t": team_label, "n": secrets.token_hex(16), "x": expires}
        return seal(self._tickets, _json(body), _epoch(rnd.opened_at))

    def read_ticket(self, token: str | None) -> Ticket:
        if not isinstance(token, str) or not token or len(token) > 2000:
            raise BadTicket
        try:
            b = json.loads(unseal(self._tickets, token))
            x = b.get("x")
            return Ticket(int(b["r"]), str(b["t"]), str(b["n"]), None if x is None else float(x))
        except (InvalidToken, ValueError, KeyError, TypeError, UnicodeError):
            raise BadTicket from None

    def is_spent(self, s: Session, ticket: Ticket) -> bool:
        return s.get(Participation, (ticket.round_id, ticket.spent_mark)) is not None

    def responses_so_far(self, s: Session, round_id: int) -> int:
        return s.scalar(select(func.count()).where(Participation.round_id == round_id)) or 0

    def seal_ballot(self, ballot: Ballot, opened_at) -> str:
        """The encrypted ballot, padded to one PAD_BLOCK whatever its answers
        (so the widest ballot with this comment must fit, or BallotTooLarge),
        its Fernet timestamp pinned to the round's start. Done before the
        transaction, so no lock waits on it."""
        body = {"t": ballot.team_label, "a": ballot.answers, "c": ballot.comment,
                "r": ballot.role, "y": ballot.tenure}
        widest = {**body, "a": dict.fromkeys(ballot.answers, _WIDE_ANSWER), "r": _WIDE_ROLE,
                  "y": _WIDE_TENURE}
        if len(_json(widest)) > PAD_BLOCK or any(len(str(v)) > 5 for v in ballot.answers.values()):
            raise BallotTooLarge("the ballot would not fit one block")
        return seal(self._ballots, pad(_json(body)), _epoch(opened_at))

    def deposit(self, conn: Connection, ticket: Ticket, team_id: str, sealed: str,
                roster=ANY_ROSTER) -> Facts:
        """Spend the ticket and store its sealed ballot in the caller's
        transaction: the same work for every submit, nothing opened here
        (storage.ballot_deposit)."""
        return deposit(conn, ticket.round_id, ticket.spent_mark, team_id, _rid(), sealed, roster)

    def cast(self, s: Session, ticket: Ticket, ballot: Ballot) -> None:
        """Seal and deposit in the session's transaction (operations and tests)."""
        rnd = s.get(Round, ticket.round_id)
        if rnd is None or rnd.status != "open":
            raise RoundClosed(ticket.round_id)
        self.deposit(s.connection(), ticket, rnd.team_id,
                     self.seal_ballot(ballot, rnd.opened_at))

    def close(self, s: Session, rnd: Round, k: int | None = None) -> Opened:
        """Open every sealed ballot of the round in one transaction, write the
        answers in random order with no group under k, and destroy the sealed
        rows and the spent tickets. Fewer than k ballots: destroyed unopened."""
        k = max(k or self.k, 1)
        conn = s.connection()
        n = conn.execute(select(func.count()).where(_sealed.c.round_id == rnd.id)).scalar() or 0
        ballots = self._open_all(conn, rnd.id) if n >= k else []
        s.execute(delete(SealedBallot).where(SealedBallot.round_id == rnd.id))
        s.execute(delete(Participation).where(Participation.round_id == rnd.id))
        if n < k:
            s.flush()
            return Opened(0, destroyed=bool(n))
        label = merge_small_teams(Counter(b["t"] for b in ballots), k)
        combos = [(label[b["t"]], clean_role(b.get("r")), clean_tenure(b.get("y")))
                  for b in ballots]
        stored = coarsen(Counter(combos), k)  # no team x role x tenure under k at rest
        self._write_answers(conn, rnd, ballots, label, [stored[c] for c in combos])
        self._write_team_counts(s, rnd, Counter(label[b["t"]] for b in ballots), label)
        s.flush()
        log.info("ballot box opened", extra={"round_id": rnd.id})
        return Opened(len(ballots), destroyed=False)

    def _open_all(self, conn: Connection, round_id: int) -> list[dict]:
        """The round's ballots, decrypted as they stream in: the sealed tokens
        (padded to PAD_BLOCK each) are never all held in memory at once."""
        return [open_json(self._ballots, t)
                for t in stream_sealed(conn, _sealed.name, round_id, FETCH)]

    def _write_answers(self, conn: Connection, rnd: Round, ballots: list[dict],
                       label: dict[str, str], combos: list[tuple]) -> None:
        """Plain executemany in chunks (20,000 ballots are 100,000 rows: no
        ORM objects, no per-row parameter processing)."""
        team, rid = rnd.team_id, rnd.id
        ids = iter(random_ids(sum(len(b["a"]) for b in ballots)))
        answers = [(next(ids), team, rid, combo[0], key, int(value), combo[1], combo[2])
                   for b, combo in zip(ballots, combos, strict=True)
                   for key, value in b["a"].items()]
        comments = [b["c"] for b in ballots if b.get("c")]
        self.rng.shuffle(comments)
        # Written in the order of their random keys: sorting by fresh random
        # ids is itself a uniform shuffle (a shuffle before it would change
        # nothing, and cost 100,000 reads of the OS's random source), and each
        # B-tree grows at its end instead of splitting pages all over (SQLite
        # keeps these WITHOUT ROWID tables in key order anyway).
        answers.sort()
        at = _epoch(rnd.opened_at)
        # Random keys, sorted, given to the shuffled comments: the same random
        # key order as sorting sealed rows by key, but each comment is sealed
        # as it is written (6,000 sealed comments are ~40 MB held at once).
        sealed = ((cid, team, rid, seal(self._comments, pad(_json({"c": c})), at))
                  for cid, c in zip(sorted(random_ids(len(comments))), comments, strict=True))
        insert_many(conn, Response.__table__, ["id", "team_id", "round_id", "team_label",
                                               "question_key", "value", "role", "tenure"],
                    answers, CHUNK)
        insert_many(conn, Comment.__table__, ["id", "team_id", "round_id", "sealed"], sealed, FETCH)
        insert_many(conn, AnswerCount.__table__, HISTOGRAM_COLS, histogram(team, rid, answers),
                    CHUNK)
        # Kept for this round's digest, which follows the close in the same
        # process: it needn't unseal again what was just sealed.
        self._just_opened = (rid, comments)

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
        conn = s.connection()
        out = self._take_just_opened(conn, round_id)
        if out is None:
            # Streamed like _open_all: the sealed comments (padded to
            # PAD_BLOCK) are never all held at once, only their short texts.
            out = [comment_text(unseal(self._comments, c))
                   for c in stream_sealed(conn, Comment.__table__.name, round_id, FETCH)]
        self.rng.shuffle(out)
        return out

    def _take_just_opened(self, conn: Connection, round_id: int) -> list[str] | None:
        """The comments the last close opened, once, if they are this round's
        and what the database holds (not if that close was rolled back)."""
        held, self._just_opened = self._just_opened, None
        if held is None or held[0] != round_id:
            return None
        stored = conn.execute(select(func.count()).where(Comment.round_id == round_id)).scalar()
        return held[1] if stored == len(held[1]) else None


# -- what the box holds after opening: the digest reads only these aggregates ----

def value_counts(s: Session, team_id: str, round_ids: list[int]) -> list[tuple]:
    """(round_id, team, question_key, value, n): the histogram every digest
    figure is computed from, kept at close (answer_counts), summed over role
    and tenure."""
    if not round_ids:
        return []
    h = AnswerCount
    cols = (h.round_id, h.team_label, h.question_key, h.value)
    # On the session's connection (Core): plain rows, no ORM row processing.
    return [tuple(r) for r in s.connection().execute(
        select(*cols, func.sum(h.n))
        .where(h.team_id == team_id, h.round_id.in_(round_ids)).group_by(*cols))]


def team_counts(s: Session, round_ids: list[int]) -> dict[int, list]:
    """round id -> rows with TeamCount's attributes (team_label, invited,
    ballots, changed, round_id), read-only: plain rows, no ORM objects."""
    out: dict[int, list] = {}
    t = TeamCount.__table__
    for tc in s.connection().execute(
            select(t.c.round_id, t.c.team_label, t.c.invited, t.c.ballots, t.c.changed)
            .where(t.c.round_id.in_(round_ids))):
        out.setdefault(tc.round_id, []).append(tc)
    return out
