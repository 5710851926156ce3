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

from bot.context import Candor
from storage import installations, maintenance
from storage import rounds as round_rows
from storage.pulses import OFFER_DAYS

log = logging.getLogger("candor.operations")


class OperationRefused(Exception):
    """The operation would be unsafe now; the message says why and what to do."""


# -- key rotation ------------------------------------------------------------------

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
        return maintenance.count_sealed(s)


def rotate_keys(c: Candor, batch_size: int = 500,
                progress: Callable[[int], None] | None = None) -> RotationReport:
    """Re-encrypt every sealed token under the current master key with
    MultiFernet.rotate, which keeps each token's timestamp (the round start).

    Refused while any round is open: its invitations carry tickets sealed under
    the key in use when they were sent; once the operator drops the old key,
    nobody holding one could answer any more. Rotate between rounds.
    """
    with c.db.session() as s:
        busy = round_rows.open_everywhere(s, offers_since=c.now() - OFFER_DAYS)
    if busy:
        where = ", ".join(f"{team} round {n}" for team, n in busy)
        raise OperationRefused(
            f"A round is open ({where}). Its invitations carry tickets sealed under the old "
            "master secret: once that key leaves CANDOR_OLD_SECRET_KEYS, nobody could answer. "
            "Wait for the round to close (or close it with `/candor close now`), then rotate. "
            "Nothing was changed.")
    report = RotationReport(retired_keys=c.keyring.retired_count)
    for table, purpose in maintenance.SEALED_PURPOSES.items():
        report.rotated[table], report.unreadable[table] = _rotate_table(
            c, table, purpose, batch_size, progress)
    report.rotated["Slack (OAuth)"], report.unreadable["Slack (OAuth)"] = _rotate_slack_tokens(c)
    log.info("key rotation finished", extra={"rotated": report.total,
                                             "unreadable": sum(report.unreadable.values())})
    return report


def _rotate_slack_tokens(c: Candor) -> tuple[int, int]:
    """Re-seal the OAuth installs' tokens (few rows: one transaction)."""
    sealer = c.keyring.sealer(installations.TOKEN_PURPOSE)
    try:
        with c.db.session() as s:
            return installations.reseal(s.connection(), sealer, opener=sealer), 0
    except InvalidToken:
        return 0, 1


def _rotate_table(c: Candor, table: str, purpose: str, batch_size: int,
                  progress: Callable[[int], None] | None) -> tuple[int, int]:
    """(re-encrypted, unreadable) tokens of one table; one commit per batch."""
    sealer = c.keyring.sealer(purpose)
    done = bad = 0
    last = ""
    while True:
        with c.db.session() as s:
            rows = maintenance.sealed_page(s, table, last, batch_size)
            if not rows:
                return done, bad
            for rid, token in rows:
                try:
                    new = sealer.rotate(token.encode("ascii")).decode("ascii")
                except InvalidToken:
                    bad += 1
                    continue
                maintenance.reseal(s, table, rid, new)
                done += 1
            last = rows[-1][0]
        if progress:
            progress(len(rows))


def verify_current_key(c: Candor) -> int:
    """How many sealed tokens the current key alone cannot open (0 after a
    complete rotation: the old keys are then no longer needed)."""
    only_new = c.keyring.current_only()
    bad = 0
    with c.db.session() as s:
        for table, purpose in maintenance.SEALED_PURPOSES.items():
            sealer = only_new.sealer(purpose)
            for token in maintenance.sealed_tokens(s, table):
                try:
                    sealer.decrypt(token.encode("ascii"))
                except InvalidToken:
                    bad += 1
    return bad


# -- retention ---------------------------------------------------------------------


def purge(c: Candor, days: int | None = None, now: datetime | None = None) -> dict:
    """Delete raw comments and invitations `days` after their round was
    published (or closed), and whatever closed rounds no longer need; keep the
    aggregates (see storage.maintenance.purge_expired).

    `days` defaults to CANDOR_RETENTION_DAYS. Returns counts only, and logs them.
    """
    days = c.settings.retention_days if days is None else days
    if days < 0:
        raise ValueError("days must be 0 or more")
    now = now or c.now()
    with c.db.session() as s:
        out = maintenance.purge_expired(s, now - timedelta(days=days))
    log.info("retention purge removed %s", ", ".join(f"{k}={v}" for k, v in out.items()),
             extra={"retention_days": days, **{f"purged_{k}": v for k, v in out.items()}})
    return out


# -- forgetting a person -----------------------------------------------------------


FORGET_NOTE = (
    "By design candor cannot find this person's answers, or even whether they answered: "
    "answers are stored with no user id, no time and no ballot id, and the one-time ticket "
    "their invitation carried was never written down with their name. Aggregates already "
    "published are unchanged.")


def forget_user(c: Candor, user_id: str, team_id: str | None = None) -> dict:
    """Remove everything tied to one Slack user id: their pause preference,
    roster cache row and every delivery row. Returns counts."""
    user_id = user_id.strip()
    if not user_id:
        raise ValueError("a Slack user id is required")
    with c.db.session() as s:
        out = maintenance.forget_person(s, user_id, team_id)
    # Counts only: the id being forgotten is not written to the log.
    log.info("forgot a person: %s", ", ".join(f"{k}={v}" for k, v in out.items()))
    return out
