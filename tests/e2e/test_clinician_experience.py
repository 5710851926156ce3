"""The clinician's side over signed HTTP: pause and resume, language, App Home,
and support after a hard answer that leaves no trace."""

from __future__ import annotations

import json
import logging

from sqlalchemy import select

from bot.services import outbox, settings
from storage.models import Base, Pause
from tests.builders import ADMIN, NOBODY, TEAM_A, TEAM_B, click_and_wait

SPANISH = TEAM_A[0]  # es-ES in the seeded fake


def text_of(x) -> str:
    return json.dumps(x, ensure_ascii=False)


def say(stack, user, text):
    r = stack.sender.slash(user, text)
    assert r.status == 200, r.body
    return (r.json or {}).get("text", "")


def dump(db) -> dict[str, set[tuple]]:
    """Every row of every table, as an attacker with the database would see it."""
    with db.engine.connect() as c:
        return {t.name: {tuple(map(str, row)) for row in c.execute(select(t))}
                for t in Base.metadata.sorted_tables}


def diff(before, after) -> dict[str, tuple[set, set]]:
    return {name: (before[name] - after[name], after[name] - before[name])
            for name in before if before[name] != after[name]}


def pauses(stack) -> set[str]:
    with stack.candor.db.session() as s:
        return set(s.scalars(select(Pause.user_id)))


def open_round(stack, fake, channel="CTEAMB0001"):
    say(stack, ADMIN, f"audience add {channel}")
    fake.wait_for(lambda: fake.responses_for(ADMIN))
    n = len(fake.responses_for(ADMIN))
    say(stack, ADMIN, "send now")
    fake.wait_for(lambda: len(fake.responses_for(ADMIN)) > n)
    assert "is open" in fake.responses_for(ADMIN)[-1]["text"], fake.responses_for(ADMIN)[-1]
    outbox.deliver_due(stack.candor)


def test_pause_and_resume_by_command_record_only_a_pause_row(stack, db):
    say(stack, ADMIN, "privacy")  # creates the workspace row first
    before = dump(db)
    assert "Your check-ins are paused" in say(stack, NOBODY, "pause")
    assert diff(before, dump(db)) == {"pauses": (set(), {(stack.fake.team_id, NOBODY)})}
    assert "paused" in say(stack, NOBODY, "pause")  # twice is fine
    assert "on again" in say(stack, NOBODY, "resume")
    assert dump(db) == before
    assert "on again" in say(stack, NOBODY, "resume")
    # Spanish locale, Spanish replies.
    assert "en pausa" in say(stack, SPANISH, "pause")
    assert "activos otra vez" in say(stack, SPANISH, "resume")
    assert "takes no arguments" in say(stack, NOBODY, "pause please")
    assert pauses(stack) == set()


def test_app_home_toggle_and_paused_people_are_not_invited(stack, fake):
    uid = TEAM_B[2]
    say(stack, ADMIN, "schedule weekly tuesday 10:00")
    stack.sender.app_home_opened(uid)
    home = fake.wait_for(lambda: fake.home_view(uid))
    text = text_of(home)
    assert "Your check-ins are *on*" in text and "Next check-in:* Tuesday" in text
    assert "open_questions" not in text  # not an admin

    r = stack.sender.click(uid, "toggle_pause", view=home)
    assert r.status == 200
    home = fake.wait_for(lambda: "resume" in text_of(fake.home_view(uid)) and fake.home_view(uid))
    assert "*paused*" in text_of(home) and "none while your check-ins are paused" in text_of(home)
    assert pauses(stack) == {uid}
    # A crafted value changes nothing.
    stack.sender.click(uid, "toggle_pause", value="explode", view=home)
    assert pauses(stack) == {uid}

    open_round(stack, fake)
    assert fake.dm_messages(uid) == []  # paused: not invited
    assert all(fake.dm_messages(u) for u in TEAM_B if u != uid)

    stack.sender.click(uid, "toggle_pause", view=home)
    fake.wait_for(lambda: '"value": "pause"' in text_of(fake.home_view(uid)))
    assert pauses(stack) == set()


def test_spanish_speaker_gets_spanish_dm_modal_and_home(stack, fake):
    say(stack, ADMIN, "schedule weekly tuesday 10:00")
    say(stack, ADMIN, "questions max 10")
    settings.add_question(stack.candor, fake.team_id, "Do you feel safe at work?",
                                   "¿Te sientes segura o seguro en el trabajo?", "yesno", None)
    open_round(stack, fake, "CTEAMA0001")
    dm = fake.dm_messages(SPANISH)[-1]
    assert "Tu chequeo está listo" in text_of(dm["blocks"]) and "Comenzar chequeo" in text_of(dm)
    modal = click_and_wait(stack, SPANISH, "start_checkin", message=dm)
    assert modal["title"]["text"] == "Chequeo" and "Enviar" in text_of(modal["submit"])
    assert "Disfruto mi trabajo" in text_of(modal)
    assert "¿Te sientes segura o seguro en el trabajo?" in text_of(modal)
    assert "safe at work" not in text_of(modal) and '"Sí"' in text_of(modal)

    stack.sender.app_home_opened(SPANISH)
    home = text_of(fake.wait_for(lambda: fake.home_view(SPANISH)))
    for part in ("Cómo candor te mantiene anónimo", "Pausar mis chequeos", "Próximo chequeo:* martes",
                 "a las 10:00", "Apoyo:", "evaluación de desempeño"):
        assert part in home, part
    assert "Pause my check-ins" not in home
    # And an English speaker on the same workspace gets English.
    stack.sender.app_home_opened(TEAM_A[3])
    english = text_of(fake.wait_for(lambda: fake.home_view(TEAM_A[3])))
    assert "Pause my check-ins" in english and "Next check-in:* Tuesday" in english


def _submit(stack, fake, uid, burnout):
    view = click_and_wait(stack, uid, "start_checkin", message=fake.dm_messages(uid)[-1])
    ids = {b.get("block_id") for b in view["blocks"]}
    answers = {k: 3 for k in ids if k and k.startswith("q_")}  # every item the round asks
    answers["q_burnout"] = burnout
    r = stack.sender.submit(uid, view, answers=answers)
    assert r.status == 200 and r.json["response_action"] == "update", r.body
    return r.json["view"]


def test_support_after_a_hard_answer_leaves_no_trace(stack, fake, db, caplog):
    eap = "Call the Riverbend EAP on 1-800-555-0199, any hour."
    view = click_and_wait(stack, ADMIN, "open_resources")
    stack.sender.submit(ADMIN, view, answers={"text": eap})
    open_round(stack, fake)
    caplog.set_level(logging.INFO)
    for name in ("candor.submit", "candor.services", "candor.listeners"):
        caplog.set_level(logging.DEBUG, logger=name)

    changes, sealed_sizes, logs, reply_sizes = {}, {}, {}, {}
    # Every ballot stays sealed until close: the before/after diff is exactly
    # one sealed ballot and one spent ticket, whatever the answer.
    for uid, burnout in zip(TEAM_B, (5, 4, 2, 1), strict=False):
        before = dump(db)
        caplog.clear()
        reply = _submit(stack, fake, uid, burnout)
        thanks = text_of(reply)
        reply_sizes[burnout] = len(json.dumps(reply))
        logs[burnout] = [(r.name, r.levelno, r.getMessage()) for r in caplog.records]
        change = diff(before, dump(db))
        assert set(change) == {"sealed_ballots", "participation"}, change
        assert all(not gone and len(new) == 1 for gone, new in change.values())
        changes[burnout] = change
        (sealed,) = change["sealed_ballots"][1]
        sealed_sizes[burnout] = len(sealed[-1])
        # Everyone sees the support text, so the reply is the same for all.
        assert eap in thanks and "Support is available" in thanks

    # The same shape of change whatever the answer, and nothing in the logs
    # that differs by it or mentions support.
    assert len(set(sealed_sizes.values())) == 1, sealed_sizes
    assert len(set(reply_sizes.values())) == 1, reply_sizes
    assert len({tuple(len(v[1]) for v in c.values()) for c in changes.values()}) == 1
    assert len({tuple(r for r in rec) for rec in logs.values()}) == 1, logs
    blob = text_of(logs)
    for needle in ("support", "988", "Riverbend", "resources", *TEAM_B):
        assert needle not in blob, needle

    # The thank-you is the same for a moderate answer (3) too.
    thanks = text_of(_submit(stack, fake, TEAM_A[1], 3))
    assert eap in thanks
