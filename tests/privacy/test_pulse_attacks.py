"""Red team of the stay and exit pulses (issue 14) over signed HTTP against the
fake Slack: what a suspicious clinician, a curious admin or leader, a database
reader and a log reader can learn or break. Every test is a defence; the
three marked "first pulses" were attacks that worked against the first
version (d6b3880) and failed there."""

from __future__ import annotations

import io
import json
import logging
import re
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, select, text

from bot.blocks.checkin import COMMENT_MAX
from bot.blocks.digest import DETAILS_ACTION
from bot.config import load_settings
from bot.context import Candor
from bot.processes.clock import Clock
from bot.services import ballots, digests, home, loop, operations, outbox, people, pulses
from bot.services.errors import ServiceError
from bot.services.staff_summary import data as summary_data
from bot.services.staff_summary import publish as summary_publish
from storage import maintenance, models, workspaces
from storage.ballot_box import Ballot, BallotBox, Ticket
from storage.keys import Keyring
from storage.models import Delivery, Participation, Round, SealedBallot
from tests.builders import ADMIN, NOBODY, TEAM_A, TEAM_B, FrozenTime, click_and_wait
from tests.e2e.test_pulses import _reply, _setup

K = 5  # the comment threshold tests.e2e.test_pulses._setup sets
LEADERS, POOL, START = "CLEADERS01", "exit check-ins, pool", datetime(2026, 11, 2, 9, 0)


def _start(stack) -> FrozenTime:
    """Audience, digest channel, comment threshold K; the clock frozen at START."""
    _setup(stack)
    stack.candor.now = FrozenTime(START)
    return stack.candor.now


def _send(stack, command: str) -> str:  # an admin's command, then the DMs it queued
    return (_reply(stack, command), outbox.deliver_due(stack.candor))[0]


def _offer(stack, uid: str) -> str:
    return _send(stack, f"pulse exit <@{uid}>")


def _answer(stack, uid: str, comment: str | None, values: dict | None = None):
    """Press Start in the person's latest DM and submit; (reply, modal)."""
    view = click_and_wait(stack, uid, "start_checkin", message=stack.fake.dm_messages(uid)[-1])
    if not any(b.get("block_id") == "comment" for b in view["blocks"]):
        return None, view  # a refusal: nothing to submit
    return stack.sender.submit(uid, view, values, answers={"comment": comment}), view


def _posts(fake, marker: str = "") -> list[str]:
    posts = [json.dumps(m) for m in fake.channel_messages(LEADERS) if m.get("text")]
    return [p for p in posts if marker in p]  # (not the chart's file messages)


def _count(db, model, *where) -> int:
    with db.session() as s:
        return s.scalar(select(func.count()).select_from(model).where(*where)) or 0


def _exit_pools(db) -> list[tuple]:
    with db.session() as s:
        return [tuple(r) for r in s.execute(select(Round.number, Round.status, Round.invited)
                                            .where(Round.kind == "exit").order_by(Round.number))]


def _scores(view: dict, value: str) -> dict:
    return {b["block_id"]: value for b in view["blocks"] if b.get("block_id", "")[:2] == "q_"}


# -- attacks that worked against the first pulses (d6b3880) ------------------------


def test_exit_post_does_not_tell_the_admin_whether_each_named_leaver_answered(stack, fake, db):
    now = _start(stack)
    for uid in TEAM_A[:K]:
        _offer(stack, uid)
        _answer(stack, uid, f"Night shifts without cover wore me down ({uid[-1]})")
    now.t += pulses.OFFER_DAYS + timedelta(hours=1)
    assert len(Clock(stack.candor).close_due()) == 1
    fake.wait_for(lambda: _posts(fake, POOL), timeout=10)
    post = _posts(fake, POOL)[0]
    offered = int(re.search(r"Offered to (\d+) people", post).group(1))
    answered = re.search(r"\*(\d+) answers", post)  # the admin named these K people
    assert answered is None or int(answered.group(1)) != offered, post


def test_a_late_exit_answer_neither_counts_nor_opens_the_pool(stack, fake, db):
    now = _start(stack)
    clock = Clock(stack.candor)
    for uid in TEAM_A[:K]:
        _offer(stack, uid)
    for uid in TEAM_A[:K - 1]:
        _answer(stack, uid, "Rota changes at a day's notice")
    now.t += pulses.OFFER_DAYS + timedelta(hours=1)
    assert clock.close_due() == []  # under k: deferred, sealed
    now.t += timedelta(days=3)  # no offer since day 0
    _answer(stack, TEAM_A[K - 1], "I answered weeks after I was asked")
    now.t += ballots.EXIT_REVIEW
    assert (clock.close_due(), _count(db, SealedBallot)) == ([], K - 1)


def test_which_offers_join_a_pool_does_not_depend_on_answers(stack, fake, db):
    now = _start(stack)
    target, probes = TEAM_A[K - 1], TEAM_B[:2]
    for uid in TEAM_A[:K - 1]:
        _offer(stack, uid)
        _answer(stack, uid, "Pay was behind the hospital across town")
    now.t += timedelta(days=1)
    _offer(stack, target)
    now.t += timedelta(days=1)
    _offer(stack, probes[0])  # the target hasn't answered yet: joins pool 1
    now.t += timedelta(hours=12)
    _answer(stack, target, "My manager, mostly")  # half a day later, the second probe
    now.t += timedelta(hours=12)
    _offer(stack, probes[1])  # the target has answered: pool 1 is full, pool 2 starts
    now.t += pulses.OFFER_DAYS + timedelta(minutes=1)
    Clock(stack.candor).close_due()
    fake.wait_for(lambda: _posts(fake, POOL), timeout=10)
    # Every offer made while pool 1 took offers should be in it, whoever answered.
    assert f"Offered to {K + 2} people" in _posts(fake, POOL)[0], _exit_pools(db)


def test_nothing_an_admin_can_read_moves_when_a_leaver_answers(stack, fake, db):
    """/candor pulse, status, App Home and the offer reply are the same before and after
    answers, and whether an offer joined the open pool or (it being full) started one."""
    _start(stack)
    _send(stack, "pulse stay")
    for uid in TEAM_A[:K]:
        _offer(stack, uid)

    def seen() -> tuple:
        return (_reply(stack, "pulse"), _reply(stack, "status"),
                tuple(home.admin_summary(stack.candor, fake.team_id)))

    before = seen()
    assert f"{K} offered since" in before[0]
    for uid in TEAM_A[:K]:
        assert _answer(stack, uid, "Caseload")[0].json["response_action"] == "update"
    for uid in TEAM_B:
        _answer(stack, uid, "The people on my ward")  # the stay pulse's DM
    assert seen() == before
    assert _count(db, Participation) == K + len(TEAM_B)  # the answers really are in
    reply = _offer(stack, NOBODY)  # pool 1 may hold k answers: a new pool, or not
    assert reply.replace(NOBODY, "X") == _offer(stack, TEAM_B[0]).replace(TEAM_B[0], "X")
    assert f"{K + 2} offered since {START:%Y-%m-%d}" in _reply(stack, "pulse")
    for uid in (NOBODY, TEAM_B[0]):  # the DMs name no pool and no count
        dm = json.dumps(fake.dm_messages(uid)[-1])
        assert not re.search(r"pool \d|\b\d+ (answers|answered|people)\b", dm), dm


def test_crafted_submits_never_500_and_carry_no_scores_or_segments(stack, fake, db):
    """Scores and segments stuffed into a pulse; a check-in modal with a pulse ticket;
    spent, forged, closed tickets; bad answers. Always a 200; the ticket decides."""
    _setup(stack)
    _reply(stack, "segments role on")
    _send(stack, "send now")
    checkin_dm = fake.dm_messages(TEAM_B[0])[-1]
    _send(stack, "pulse stay")
    stuffed = {b: {"answer": {"type": "static_select", "selected_option": {"value": v}}}
               for b, v in (("q_burnout", "5"), ("seg_role", "licensed"), ("seg_tenure", "lt1"))}
    stuffed["comment"] = {"answer": {"type": "plain_text_input", "value": "Stuffed"}}
    for uid in TEAM_A:
        r, _ = _answer(stack, uid, None, values=stuffed)
        assert r.status == 200 and r.json["response_action"] == "update", r.body
    uid = TEAM_B[0]
    pulse_view = click_and_wait(stack, uid, "start_checkin", message=fake.dm_messages(uid)[-1])
    checkin_view = click_and_wait(stack, uid, "start_checkin", message=checkin_dm)
    meta = {**json.loads(checkin_view["private_metadata"]),
            "k": json.loads(pulse_view["private_metadata"])["k"]}
    swapped = {**checkin_view, "private_metadata": json.dumps(meta)}
    scores = _scores(checkin_view, "4")
    for view, comment, outcome in ((swapped, "Swapped into pulse", "update"),
                                   (checkin_view, "my check-in", "update"),
                                   (swapped, "again", "already")):
        r = stack.sender.submit(uid, view, answers={**scores, "comment": comment})
        assert r.status == 200 and outcome in json.dumps(r.json).lower(), r.body
    pview = click_and_wait(stack, TEAM_B[1], "start_checkin",
                           message=fake.dm_messages(TEAM_B[1])[-1])
    forged = [({**pview, "private_metadata": json.dumps({"k": tok, "l": "en"})}, "forged",
               "update") for tok in ("x" * 50, "y" * 5000, "", pview["private_metadata"][:40])]
    for view, comment, outcome in forged + [(pview, x, "errors") for x in (
            "nul\x00byte", "\U0001f600" * 3000, " \n\t ")]:
        r = stack.sender.submit(TEAM_B[1], view, answers={"comment": comment})
        assert r.status == 200 and r.json["response_action"] == outcome, r.body
    assert "closed" in _reply(stack, "pulse close")
    r = stack.sender.submit(TEAM_B[1], pview, answers={"comment": "too late"})
    assert r.status == 200 and "closed" in json.dumps(r.json).lower(), r.body
    fake.wait_for(lambda: _posts(fake, "stay pulse 1"), timeout=10)
    post = _posts(fake, "stay pulse 1")[0]
    assert "Swapped into pulse" in post and "Stuffed" in post and "forged" not in post
    with db.session() as s:
        stay, checkin = (s.scalar(select(Round.id).where(Round.kind == k))
                         for k in ("stay", "checkin"))
    assert [_count(db, m, m.round_id == rid) for m, rid in (
        (models.Response, stay), (models.AnswerCount, stay), (models.Comment, stay),
        (SealedBallot, checkin))] == [0, 0, len(TEAM_A) + 1, 1]


def test_offers_to_the_wrong_people_or_twice_at_once(stack, fake, db):
    _start(stack)
    c, team = stack.candor, fake.team_id
    assert "yourself" in _reply(stack, f"pulse exit <@{ADMIN}>")
    for who in ("UDELETED01", "UBOTUSER01", "U0NOSUCH01", fake.bot_user_id):
        assert "can't find" in _reply(stack, f"pulse exit <@{who}>"), who
    for junk in ("<@UA0000001> <@UA0000002>", "<!channel>", "<@ua0000001>", "@everyone",
                 "<#CTEAMA0001>", "<@UA0000001|x> " + "y" * 500):
        reply = _reply(stack, f"pulse exit {junk}")
        assert "Usage" in reply or "isn't a person" in reply, junk
    stack.sender.click(TEAM_A[6], "toggle_pause", value="pause")
    fake.wait_for(lambda: people.is_paused(c, team, TEAM_A[6]))
    assert "paused" in _reply(stack, f"pulse exit <@{TEAM_A[6]}>")
    assert "anonymous exit check-in" in _offer(stack, TEAM_A[0])
    assert "already" in _offer(stack, TEAM_A[0])
    barrier = threading.Barrier(2)  # two admins offering one leaver at the same moment

    def offer(admin: str) -> str:
        try:
            barrier.wait()
            return pulses.offer_exit(c, team, admin, TEAM_A[1])
        except Exception as e:  # a refusal or a lost race is fine; a double is not
            return type(e).__name__

    with ThreadPoolExecutor(2) as ex:
        assert len(list(ex.map(offer, (ADMIN, "UADMIN0002")))) == 2
    # Deactivated after the roster was cached (a usual leaver): asked afresh, refused,
    # so no offer counts that no DM could carry.
    fake.add_user(TEAM_A[7], "a7", "Ana Alpha7", deleted=True)
    assert "can't find" in _offer(stack, TEAM_A[7])
    with db.session() as s:
        got = sorted(s.execute(select(Delivery.user_id, Delivery.status)).all())
    raced = [g for g in got if g[0] == TEAM_A[1]]  # never two offers, two tickets or two DMs
    assert len(raced) <= 1 and len(fake.dm_messages(TEAM_A[1])) == len(raced), got
    assert [g for g in got if g not in raced] == [(TEAM_A[0], "sent")]
    assert _exit_pools(db) == [(1, "open", len(got))]


def test_pulses_beside_a_check_in_break_nothing(stack, fake, db):
    """Numbering, digest, owed posts once each, status, a close tick with a pool waiting;
    a pulse's round id in a digest button, summary, action section or digest finds nothing."""
    now = _start(stack)
    c, team = stack.candor, fake.team_id
    assert "Round 1 is open" in _send(stack, "send now")
    checkin_dm = {uid: fake.dm_messages(uid)[-1] for uid in TEAM_A + TEAM_B}
    _send(stack, "pulse stay")
    stay_dm = {uid: fake.dm_messages(uid)[-1] for uid in TEAM_A + TEAM_B}
    for uid in TEAM_A[:3]:  # an exit pool that will wait, under k
        _offer(stack, uid)
        _answer(stack, uid, "EXIT-SECRET leaving for the pay")
    for uid in TEAM_A + TEAM_B:
        for dm, answers in ((stay_dm[uid], {}), (checkin_dm[uid], None)):
            view = click_and_wait(stack, uid, "start_checkin", message=dm)
            text_ = "STAY-TEXT colleagues" if answers == {} else "CHECKIN-TEXT rota"
            r = stack.sender.submit(uid, view, answers={**_scores(view, "2"), "comment": text_})
            assert r.json["response_action"] == "update", r.body
    now.t += pulses.OFFER_DAYS + timedelta(hours=1)  # all three due at once
    assert len(Clock(c).close_due()) == 2
    fake.wait_for(lambda: len(_posts(fake)) >= 2, timeout=10)
    Clock(c).close_due()
    digests.publish_owed(c)
    posts, (digest,), (stay,) = (_posts(fake, m) for m in ("", "Round 1 digest", "pulse 1"))
    assert len(posts) == 2 and "EXIT-SECRET" not in digest + stay  # each posted once
    assert "STAY-TEXT" in stay and "CHECKIN-TEXT" not in stay and "STAY-TEXT" not in digest
    status = _reply(stack, "status")
    assert "isn't posted yet" not in status and "stay" not in status.lower()
    with db.session() as s:
        rid = s.scalar(select(Round.id).where(Round.kind == "stay"))
    for call, *args in ((digests.build, rid), (summary_data, rid), (loop.section_items, rid),
                        (summary_publish, ADMIN, json.dumps({"r": rid, "c": []}))):
        with pytest.raises(ServiceError):
            call(c, team, *args)
    n = len(fake.views_opened)
    assert stack.sender.click(ADMIN, DETAILS_ACTION, value=str(rid)).status == 200
    fake.wait_for(lambda: len(fake.views_opened) > n)
    assert "no longer available" in json.dumps(fake.last_opened_view(ADMIN))
    csv = io.StringIO()
    digests.export_csv(c, team, csv)
    assert "(everyone)" not in csv.getvalue()  # no pulse label or round in the export
    assert {line.split(",")[0] for line in csv.getvalue().splitlines()[1:]} == {"1"}
    assert "Round 2 is open" in _reply(stack, "send now")
    assert _count(db, SealedBallot) == 3 and len(_posts(fake)) == 2  # pool still sealed


def test_database_and_log_readers_learn_no_size_order_time_or_id(stack, fake, db, caplog):
    """Sealed exit ballots (kept for weeks) and comments are one size; an answer changes
    no other row; no leaver id but in their offer; the logs hold no id and no answer."""
    caplog.set_level(logging.DEBUG)
    now = _start(stack)
    for uid in TEAM_A[:K]:
        _offer(stack, uid)

    def rows(*names: str, what: str = "*") -> list:
        with db.engine.connect() as conn:
            return [sorted(tuple(map(str, r)) for r in conn.execute(
                text(f"SELECT {what} FROM {n}"))) for n in names]

    def sizes(table: str) -> set:
        return {len(r[0]) for r in rows(table, what="sealed")[0]}

    watched = ("rounds", "deliveries", "team_counts", "workspaces", "people")
    before = rows(*watched)
    texts = ["No.", "x" * COMMENT_MAX, "Ok " * 10, "é" * COMMENT_MAX, "LOGSECRET\nlines"]
    for uid, t in zip(TEAM_A[:K], texts, strict=True):
        now.t += timedelta(hours=5)
        assert _answer(stack, uid, t)[0].json["response_action"] == "update"
    assert rows(*watched) == before and len(sizes("sealed_ballots")) == 1
    now.t += pulses.OFFER_DAYS
    assert len(Clock(stack.candor).close_due()) == 1
    assert len(sizes("comments")) == 1
    dump = json.dumps(rows("rounds", "team_counts", "comments", "responses", "answer_counts"))
    assert not [uid for uid in TEAM_A if uid in dump]
    assert _count(db, SealedBallot) == _count(db, Participation) == 0
    assert rows("team_counts", what="team_label") == [[("(everyone)",)]]
    with db.session() as s:  # its times are the offers': first, and last + 14 days
        pool = s.scalar(select(Round).where(Round.kind == "exit"))
    assert (pool.opened_at, pool.closes_at) == (START, START + pulses.OFFER_DAYS)
    fake.wait_for(lambda: _posts(fake, POOL), timeout=10)
    logged = "\n".join(f"{r.getMessage()} {r.__dict__}" for r in caplog.records
                       if r.name.split(".")[0] in ("candor", "bot", "storage"))
    assert "exit check-in offered" in logged and "ballot sealed" in logged
    assert "LOGSECRET" not in logged and not [u for u in TEAM_A[:K] if u in logged]


OLD, NEW, T = "old-master-secret-" + "a" * 28, "new-master-secret-" + "b" * 28, "TPULSE0001"


def _ops(db, database_url, secret: str, old: str = "", days: int = 40) -> Candor:
    c = Candor.build(load_settings(DATABASE_URL=database_url, CANDOR_SECRET_KEY=secret,
                                   CANDOR_OLD_SECRET_KEYS=old), db=db)
    c.now = lambda: START + timedelta(days=days)
    return c


def test_purge_rotation_and_weekly_review_keep_a_waiting_pool_whole(db, database_url):
    n = K - 1  # an exit pool opened on START, its offers run out, n answers sealed
    with db.session() as s:
        ws = workspaces.ensure(s, T)
        ws.min_score_n, ws.min_comment_n = K, K
        rnd = Round(team_id=T, kind="exit", number=1, seed=pulses.EXIT_SEED, status="open",
                    opened_at=START, closes_at=START + pulses.OFFER_DAYS, question_keys=[],
                    invited=n + 1, published=[])
        s.add(rnd)
        s.flush()
        rid = rnd.id
        s.add_all([Delivery(team_id=T, round_id=rid, user_id=f"UL{i:08d}", attempts=1,
                            team_label="(everyone)", status="sent", send_after=START)
                   for i in range(n + 1)])
        for i in range(n):
            BallotBox(Keyring(OLD)).cast(s, Ticket(rid, "(everyone)", f"{i:032x}"),
                                         Ballot("(everyone)", {}, f"ROTATED answer {i}"))
    both = _ops(db, database_url, NEW, OLD)
    out = operations.purge(both, days=0)  # never touches an open pool, however old
    assert sum(out.values()) == 0
    # Rotation isn't held up by a pool with no live offer, and re-seals its ballots.
    report = operations.rotate_keys(both)
    assert (report.rotated["sealed_ballots"], report.unreadable["sealed_ballots"]) == (n, 0)
    for week in range(3):  # the weekly review: deferred, sealed, never destroyed
        c = _ops(db, database_url, NEW, days=40 + 7 * week)
        with pytest.raises(ServiceError):
            ballots.close_round(c, T, rid)
        assert _count(db, Round, Round.closes_at == c.now() + ballots.EXIT_REVIEW) == 1
    assert (_count(db, SealedBallot), _count(db, models.Comment)) == (n, 0)
    new_only = _ops(db, database_url, NEW, days=70)
    assert operations.verify_current_key(new_only) == 0
    with db.session() as s:  # one more answer, under the new key alone
        new_only.box.cast(s, Ticket(rid, "(everyone)", "f" * 32),
                          Ballot("(everyone)", {}, f"ROTATED answer {n}"))
    assert ballots.close_round(new_only, T, rid).kind == "exit"
    with db.session() as s:  # all there, now as comments
        got = sorted(new_only.box.read_comments(s, rid)), maintenance.count_sealed(s)
    assert got == ([f"ROTATED answer {i}" for i in range(K)], K)
