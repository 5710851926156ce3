"""Adversary 4, the log reader, at DEBUG (SQLite and PostgreSQL).

The attacker reads everything candor's own handler (`bot.logs.setup`) writes
while a round runs over signed HTTP, with the root logger and every library
logger at DEBUG, including requests that fail the signature check (a rotated
secret, clock skew, a garbled timestamp), malformed bodies and database faults
in the middle of a submit. They know every clinician's user id, username, real
and display name, answers and comment. No identifier and no comment word may
appear, and what a submit logs may not depend on the answer.
"""

from __future__ import annotations

import io
import json
import logging
import re
import sqlite3
import time
from collections import Counter
from contextlib import contextmanager
from dataclasses import dataclass
from urllib.parse import quote, quote_plus, unquote_plus

import pytest
from slack_sdk.errors import SlackApiError
from sqlalchemy import event
from sqlalchemy.exc import OperationalError

from bot import logs
from bot.testing.fakeslack.signing import Reply
from tests.builders import ADMIN, click_and_wait, open_round


@dataclass(frozen=True)
class Clinician:
    uid: str
    username: str
    real_name: str
    display_name: str
    words: tuple[str, str]  # distinctive words of their comment

    @property
    def comment(self) -> str:
        return f"the {self.words[0]} rota and the {self.words[1]} handover wear me down"

    @property
    def identifiers(self) -> list[str]:
        return [self.uid, self.username, self.real_name, self.display_name,
                self.real_name.split()[-1]]


CLINICIANS = [
    Clinician("UQX7K2M9P1", "marisol.okonkwo", "Marisol Okonkwo", "Dr Mari", ("thornapple", "gravlax")),
    Clinician("WZ4R8T2LJ6", "thaddeus.brightwater", "Thaddeus Brightwater", "Thad B",
              ("quillwort", "marzipan")),
    Clinician("U9KD3F7HQ2", "ingrid.valcourt", "Ingrid Valcóurt", "Ingrid V", ("snapdragon", "tamarind")),
    Clinician("U5MN8B2XC4", "oluwaseun.farrimond", "Oluwaseun Farrimond", "Seun",
              ("bramblecot", "kedgeree")),
    Clinician("U2HG6W9PZ8", "beatrix.quillfeather", "Beatrix Quillfeather", "Bea Q",
              ("wolfsbane", "clafoutis")),
    Clinician("U7YT4E1RS3", "cassius.lindqvist", "Cassius Lindqvist", "Cass L", ("hornbeam", "pierogi")),
    Clinician("U4PL9V6NA5", "perpetua.ashdown", "Perpetua Ashdown", "Pet A", ("larkspur", "gnocchetti")),
    Clinician("U8CJ2K5DW7", "ignatius.morrow", "Ignatius Morrow", "Iggy M", ("sorrelmoor", "baklava")),
]
CLINIC = "CCLINIC001"
HARD, EASY = 5, 1  # burnout: 5 "completely burned out", 1 "enjoy my work"


# -- capturing what candor's handler writes -----------------------------------------

@pytest.fixture
def captured():
    """candor's real log configuration writing to a buffer, with the root and
    every library logger at DEBUG. Request it before `stack`, as production
    sets logging up before it builds the app."""
    saved = ([*logging.root.handlers], logging.root.level,
             {n: (lg.level, [*lg.filters], lg.disabled)
              for n, lg in logging.root.manager.loggerDict.items() if isinstance(lg, logging.Logger)})
    logs.setup("DEBUG")
    buf = io.StringIO()
    for h in logging.root.handlers:
        h.setStream(buf)
    _everything_at_debug()
    yield buf
    logging.root.handlers[:], logging.root.level, loggers = saved
    for name, lg in logging.root.manager.loggerDict.items():
        if isinstance(lg, logging.Logger):
            lg.level, lg.filters, lg.disabled = loggers.get(name, (logging.NOTSET, [], False))


def _everything_at_debug() -> None:
    logging.root.setLevel(logging.DEBUG)
    for name in ("slack_bolt", "slack_sdk", "sqlalchemy", "sqlalchemy.engine", "sqlalchemy.pool",
                 "urllib3", "waitress", "candor", "candor.bolt"):
        logging.getLogger(name)
    for lg in logging.root.manager.loggerDict.values():
        if isinstance(lg, logging.Logger):
            lg.setLevel(logging.DEBUG)


def _quiet(buf: io.StringIO, settle: float = 0.3, limit: float = 10.0) -> str:
    """Wait until listeners still working after their ack stop logging."""
    deadline, size, since = time.monotonic() + limit, -1, time.monotonic()
    while time.monotonic() < deadline:
        now = len(buf.getvalue())
        if now != size:
            size, since = now, time.monotonic()
        elif time.monotonic() - since >= settle:
            break
        time.sleep(0.05)
    return buf.getvalue()


def _forms(s: str) -> set[str]:
    """How a string can appear in a log: as is, form- or URL-encoded, JSON-escaped."""
    return {s, quote_plus(s), quote(s), quote(s, safe=""), json.dumps(s)[1:-1]}


def leaks(text: str, secrets: list[str]) -> Counter:
    low = text.lower()
    found = Counter()
    for s in secrets:
        n = sum(low.count(f.lower()) for f in _forms(s))
        if n:
            found[s] = n
    return found


def _lines_with(text: str, secrets: list[str]) -> list[str]:
    return [line[:300] for line in text.splitlines() if leaks(line, secrets)]


def secrets_of(people: list[Clinician]) -> list[str]:
    out = [ADMIN, "Alex Admin"]
    for p in people:
        out += [*p.identifiers, p.comment, *p.words]
    return out


# -- driving the app ----------------------------------------------------------------

def _join(fake, people: list[Clinician]) -> None:
    for p in people:
        fake.add_user(p.uid, p.username, p.real_name, display_name=p.display_name,
                      email=f"{p.username}@hospital.example")
    fake.add_channel(CLINIC, "clinic", members=[p.uid for p in people] + [fake.bot_user_id])


def _answers(view: dict, burnout: int, comment: str | None) -> dict:
    ids = {b.get("block_id") for b in view["blocks"]}
    answers = {k: 3 for k in ids if isinstance(k, str) and k.startswith("q_")}
    answers["q_burnout"] = burnout
    if comment is not None:
        answers["comment"] = comment
    return answers


def _raw_submit(sender, uid: str, view: dict, answers: dict) -> str:
    """The exact body Slack would POST for this submit, without sending it."""
    seen = []

    def keep(body, content_type="application/x-www-form-urlencoded", **_):
        seen.append(body)
        return Reply(599, "", None)

    sender.post = keep
    try:
        sender.submit(uid, view, answers=answers)
    finally:
        del sender.post
    return seen[0]


def _hostile(sender, body: str) -> list[int]:
    """What an attacker or a misconfigured deployment sends: bad signatures,
    stale and garbled timestamps, malformed bodies. None may be accepted."""
    now = int(time.time())
    payload = body.split("=", 1)[1]
    sent = [
        sender.post(body, signing_secret="rotated-signing-secret-0000000000"),
        sender.post(body, timestamp=now - 301),  # clock skew just over 5 minutes
        sender.post(body, timestamp=now + 3600),
        sender.post(body, headers={"X-Slack-Request-Timestamp": "1.7e9"}),
        sender.post(body, signature="v0=" + "0" * 64),
        sender.post(body[: len(body) * 2 // 3]),  # cut short, signed
        sender.post(body, "application/json"),  # a form body declared as JSON
        sender.post("payload=" + json.dumps(json.loads(unquote_plus(payload)))[:-40]),
        sender.post(unquote_plus(payload), "application/json", signing_secret="wrong"),
    ]
    return [r.status for r in sent]


@contextmanager
def db_fault(db, *, after_seal: bool = False):
    """Every statement fails, as when the database goes away: from now on, or
    only once a sealed ballot has been committed (the ballot is kept)."""
    error = db.engine.dialect.loaded_dbapi.OperationalError
    state = {"sealed": False, "failing": not after_seal}

    def before(conn, cursor, statement, *_):
        if state["failing"]:
            raise error("server closed the connection unexpectedly")

    def after(conn, cursor, statement, *_):
        state["sealed"] |= "INSERT INTO sealed_ballots" in statement
        # PostgreSQL's deposit is one statement in autocommit: stored as it ends.
        if conn.get_execution_options().get("isolation_level") == "AUTOCOMMIT":
            state["failing"] |= state["sealed"]

    def commit(conn):
        state["failing"] |= state["sealed"]

    hooks = [("before_cursor_execute", before), ("after_cursor_execute", after), ("commit", commit)]
    for name, fn in hooks:
        event.listen(db.engine, name, fn)
    try:
        yield state
    finally:
        for name, fn in hooks:
            event.remove(db.engine, name, fn)


def _submit(stack, p: Clinician, burnout: int, comment: str | None, *, view=None) -> dict:
    view = view or click_and_wait(stack, p.uid, "start_checkin",
                                  message=stack.fake.dm_messages(p.uid)[-1])
    r = stack.sender.submit(p.uid, view, answers=_answers(view, burnout, comment), apply=False)
    assert r.status == 200, r.body
    return r.json


# -- the attacks ------------------------------------------------------------------

def test_a_log_reader_at_debug_learns_nobody(captured, stack, fake, db):
    _join(fake, CLINICIANS)
    open_round(stack, f"<#{CLINIC}|clinic>")
    s = stack.sender
    for i, p in enumerate(CLINICIANS):
        view = click_and_wait(stack, p.uid, "start_checkin", message=fake.dm_messages(p.uid)[-1])
        body = _raw_submit(s, p.uid, view, _answers(view, HARD if i % 2 else EASY, p.comment))
        statuses = _hostile(s, body)
        assert all(code >= 400 for code in statuses), statuses  # none is taken for a submit
        if i == 0:  # the database fails for everything a clinician does
            with db_fault(db):
                s.slash(p.uid, "pause")
                s.click(p.uid, "start_checkin", message=fake.dm_messages(p.uid)[-1])
                s.app_home_opened(p.uid)
                assert _submit(stack, p, EASY, p.comment, view=view)["response_action"] == "errors"
        if i == 1:  # ... and once the ballot is sealed: it was saved, so thanks
            with db_fault(db, after_seal=True) as state:
                assert _submit(stack, p, HARD, p.comment, view=view)["response_action"] == "update"
            assert state["sealed"]
            continue
        assert s.submit(p.uid, view, answers=_answers(view, HARD if i % 2 else EASY, p.comment)
                        ).json["response_action"] == "update"
    s.slash(ADMIN, "close now")
    fake.wait_for(lambda: "closed" in fake.responses_for(ADMIN)[-1].get("text", ""))
    text = _quiet(captured)

    found = leaks(text, secrets_of(CLINICIANS))
    kinds = {
        "user ids": [ADMIN, *(p.uid for p in CLINICIANS)],
        "usernames": [p.username for p in CLINICIANS],
        "real and display names, surnames": ["Alex Admin", *(n for p in CLINICIANS
                                                            for n in p.identifiers[2:])],
        "comments": [p.comment for p in CLINICIANS],
        "comment words": [w for p in CLINICIANS for w in p.words],
    }
    print(f"\n[privacy] log reader at DEBUG: {len(text.splitlines())} lines; found "
          f"{len(found)} of {len(secrets_of(CLINICIANS))} secrets, {sum(found.values())} times: "
          + "; ".join(f"{k} {len(set(v) & set(found))}/{len(set(v))}" for k, v in kinds.items()))
    assert not found, (sorted(found.items())[:20], _lines_with(text, list(found))[:5])
    # The window saw what it attacks: bolt's signature check, SQL at DEBUG,
    # the submit path, the database faults and the close.
    for expect in ("Invalid request signature", "sqlalchemy.engine", "ballot sealed",
                   "database unavailable during a submit", "command pause failed",
                   "round closed", "Traceback"):
        assert expect in text, expect


# -- what is logged must not depend on the answer ---------------------------------------

VOLATILE = [
    (re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d+ "), ""),  # asctime
    (re.compile(r"0x[0-9a-f]+"), "0x…"),  # object addresses
    (re.compile(r"\[(?:generated|cached since) in [\d.]+s(?: ago)?\]|\[cached since [\d.]+s ago\]"),
     "[…]"),
    (re.compile(r"\b\d+ millis\b"), "N millis"),
    (re.compile(r"\b[0-9a-f]{16,}\b"), "<hex>"),  # random row ids, hashes
    (re.compile(r"\b[A-Z]\d{6,}[A-Z0-9]*\b"), "<id>"),  # view, trigger and message ids
    (re.compile(r"\b\d{9,}(?:\.\d+)?\b"), "<ts>"),  # Slack timestamps
    (re.compile(r"port \d+|:\d{4,5}\b"), ":<port>"),
]


def normalise(text: str) -> Counter:
    lines = Counter()
    for line in text.splitlines():
        for pattern, repl in VOLATILE:
            line = pattern.sub(repl, line)
        lines[line] += 1
    return lines


def _logged(buf: io.StringIO, act) -> Counter:
    start = len(_quiet(buf))
    act()
    return normalise(_quiet(buf)[start:])


WORDS = "the rota and the handover wear me down"
# (database fault, first submit, second submit): each submit is (burnout, comment).
PAIRS = {
    "hard or easy answer": (None, (HARD, WORDS), (EASY, WORDS)),
    "hard or easy answer, database down for the submit": ({"after_seal": False}, (HARD, WORDS),
                                                          (EASY, WORDS)),
    "hard or easy answer, database fails after sealing": ({"after_seal": True}, (HARD, WORDS),
                                                          (EASY, WORDS)),
    "a comment or none": (None, (EASY, WORDS), (EASY, None)),
}
# Found by this test and fixed: record_ballot read the roster version (one more
# session and SELECT, shown by SQL echo or pool DEBUG) only for a comment.
KNOWN: dict[str, str] = {}


@pytest.mark.parametrize("pair", [pytest.param(k, marks=pytest.mark.xfail(reason=KNOWN[k], strict=True))
                                  if k in KNOWN else k for k in PAIRS])
def test_what_a_submit_logs_does_not_depend_on_the_answer(captured, stack, fake, db, pair):
    """Two submits that differ only in the answer, each twice, in both orders
    (so nothing that depends on the order passes for the answer)."""
    people = CLINICIANS[:6]
    _join(fake, people)
    open_round(stack, f"<#{CLINIC}|clinic>")
    for p in people[:2]:  # warm every cache, so the pair below starts equal
        _submit(stack, p, EASY, p.comment)
    fault, first, second = PAIRS[pair]
    seen = {first: Counter(), second: Counter()}
    for p, (burnout, comment) in zip(people[2:], (first, second, second, first), strict=True):
        view = click_and_wait(stack, p.uid, "start_checkin", message=fake.dm_messages(p.uid)[-1])

        def act(p=p, view=view, burnout=burnout, comment=comment):
            with db_fault(db, **fault) if fault is not None else _nothing():
                _submit(stack, p, burnout, comment, view=view)

        seen[burnout, comment] += _logged(captured, act)
    a, b = seen[first], seen[second]
    print(f"\n[privacy] {pair}: {sum(a.values())} log lines for two of one, {sum(b.values())} "
          f"for two of the other; differing lines: {sum(((a - b) + (b - a)).values())}")
    assert sum(a.values()) > 0
    assert a == b, {"only after the first": a - b, "only after the second": b - a}


@contextmanager
def _nothing():
    yield


# -- exception text and tracebacks --------------------------------------------------

def test_exception_text_and_tracebacks_are_scrubbed(captured):
    """What the red team saw pass the old mask: user ids and names in
    exception messages, tracebacks and library errors, not in the message."""
    p = CLINICIANS[0]
    user = {"id": p.uid, "name": p.username, "real_name": p.real_name,
            "profile": {"display_name": p.display_name, "real_name": p.real_name}}
    body = json.dumps({"type": "view_submission", "user": user, "text": p.comment})
    ours, bolt = logging.getLogger("candor.test_log_attack"), logging.getLogger("slack_bolt.App")
    for error in (
        KeyError(f"no person {p.uid} in {user!r}"),
        ValueError("could not parse " + body[:-20]),  # a truncated payload, quoted by a library
        SlackApiError("The request to the Slack API failed. (url: https://slack.com/api/users.info)",
                      {"ok": False, "error": "fatal_error", "user": user}),
        OperationalError("SELECT people.names FROM people WHERE people.user_id = ?",
                         (p.uid, [p.real_name, p.username]), sqlite3.OperationalError("disk I/O error")),
    ):
        try:
            raise error
        except Exception as e:
            ours.exception("lookup failed")
            bolt.exception(f"Failed to run listener function (error: {e})", stack_info=True)
    ours.warning("users.info answered %s", json.dumps({"ok": True, "user": user}))
    ours.warning("form: user_id=%s&user_name=%s&text=%s", p.uid, p.username, quote_plus(p.comment))
    ours.info("username=%s name=%r display_name: %s", p.username, p.username, json.dumps(p.display_name))
    text = _quiet(captured)
    found = leaks(text, [*p.identifiers, p.comment, *p.words])
    print(f"\n[privacy] exception text and tracebacks: {len(found)} identifiers/comment words found")
    assert not found, (sorted(found), _lines_with(text, list(found))[:5])
    for expect in ("Traceback", "KeyError", "SlackApiError", "disk I/O error", "lookup failed",
                   "Failed to run listener function", "Stack (most recent call last)"):
        assert expect in text, expect
