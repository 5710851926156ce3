"""Admin modals over signed HTTP: the question bank, custom questions, support
resources, and App Home's admin buttons (privacy and schedule forms)."""

from __future__ import annotations

import json

from sqlalchemy import select

from analytics.questions import default_bank
from storage import workspaces
from storage.models import QuestionRow
from tests.builders import ADMIN, NOBODY, click_and_wait


def text_of(x) -> str:
    return json.dumps(x, ensure_ascii=False)


def open_by_command(stack, user, text):
    fake = stack.fake
    before = len(fake.views_opened)
    r = stack.sender.slash(user, text)
    assert r.status == 200 and not (r.json or {}).get("text"), r.body
    fake.wait_for(lambda: len(fake.views_opened) > before)
    return fake.last_opened_view(user)


def bank(stack) -> list[QuestionRow]:
    with stack.candor.db.session() as s:
        return list(s.scalars(select(QuestionRow).where(QuestionRow.team_id == stack.fake.team_id)
                              .order_by(QuestionRow.position, QuestionRow.id)))


def menu(stack, view, key, op):
    """Pick `op` in question `key`'s menu and wait for the modal to be redrawn."""
    fake = stack.fake
    old = fake.view(view["id"])["hash"]
    # An option dict lets a test craft choices the menu doesn't offer.
    choice = {"text": {"type": "plain_text", "text": op}, "value": f"{op}:{key}"}
    r = stack.sender.click(ADMIN, "question_menu", value=choice, view=view,
                           block_id=f"q_{key}" if f"q_{key}" in text_of(view) else None)
    assert r.status == 200
    fake.wait_for(lambda: fake.view(view["id"])["hash"] != old)
    return fake.view(view["id"])


def test_question_bank_modal(stack, fake):
    view = open_by_command(stack, ADMIN, "questions")
    assert view["callback_id"] == "admin_questions"
    text = text_of(view)
    assert "wording can't be edited" in text and "published research" in text
    assert "required — always asked, can't be disabled" in text
    keys = [b["block_id"][2:] for b in view["blocks"] if b.get("block_id", "").startswith("q_")]
    assert keys == [q.key for q in default_bank()]
    assert keys[:7] == ["burnout", "support", "supervision_quality", "supervision_access",
                        "intent_to_stay", "intent_to_leave", "workload"]
    # Required items offer no Disable.
    burnout = next(b for b in view["blocks"] if b.get("block_id") == "q_burnout")
    assert [o["value"] for o in burnout["accessory"]["options"]] == ["up:burnout", "down:burnout"]

    view = menu(stack, view, "supervision_access", "disable")
    assert not next(q for q in bank(stack) if q.key == "supervision_access").enabled
    assert "enable:supervision_access" in text_of(view)
    view = menu(stack, view, "supervision_access", "enable")
    assert next(q for q in bank(stack) if q.key == "supervision_access").enabled

    view = menu(stack, view, "intent_to_stay", "down")
    assert [q.key for q in bank(stack)][:6] == ["burnout", "support", "supervision_quality",
                                               "supervision_access", "intent_to_leave",
                                               "intent_to_stay"]
    view = menu(stack, view, "burnout", "up")  # already first: nothing moves
    assert bank(stack)[0].key == "burnout"

    # A crafted "disable" of a required item is refused in the modal itself.
    view = menu(stack, view, "intent_to_stay", "disable")
    assert "can't be disabled" in view["blocks"][0]["text"]["text"]
    assert all(q.enabled for q in bank(stack) if q.required)
    view = menu(stack, view, "no_such_key", "disable")
    assert "isn't in this workspace's bank" in view["blocks"][0]["text"]["text"]


def test_add_custom_question(stack, fake):
    listing = open_by_command(stack, ADMIN, "questions")
    form = click_and_wait(stack, ADMIN, "add_question", view=listing)
    assert form["callback_id"] == "admin_add_question"
    assert "not validated" in text_of(form)

    # Invalid: too short wording keeps the form open with a field error.
    r = stack.sender.submit(ADMIN, form, answers={"text_en": "Hm", "scale": "agreement5"})
    assert r.json["response_action"] == "errors" and "text_en" in r.json["errors"]
    # A crafted scale Slack would never send is refused too.
    bad = {"text_en": {"value": {"type": "plain_text_input", "value": "I feel heard here."}},
           "scale": {"value": {"type": "static_select",
                               "selected_option": {"value": "burnout5"}}}}
    r = stack.sender.submit(ADMIN, form, values=bad)
    assert r.json["response_action"] == "errors" and "scale" in r.json["errors"]

    r = stack.sender.submit(ADMIN, form, answers={
        "text_en": "  I have enough time   for documentation. ", "scale": "frequency5",
        "theme": "workload"})
    assert r.status == 200 and not r.body.strip(), r.body  # closes the form
    fake.wait_for(lambda: "enough time for documentation" in text_of(fake.view(listing["id"])))
    q = bank(stack)[-1]
    assert (q.key, q.scale, q.theme, q.validated, q.builtin, q.required, q.enabled) == (
        "custom_1", "frequency5", "workload", False, False, False, True)
    # No Spanish given: the English is stored for Spanish and marked as such.
    assert q.text_es == q.text_en == "I have enough time for documentation."
    assert "no Spanish wording given" in q.source
    redrawn = text_of(fake.view(listing["id"]))
    assert "not validated · custom" in redrawn and "no Spanish wording given" in redrawn

    form = click_and_wait(stack, ADMIN, "add_question", view=fake.view(listing["id"]))
    stack.sender.submit(ADMIN, form, answers={"text_en": "My team would recommend this job.",
                                              "text_es": "Mi equipo recomendaría este trabajo.",
                                              "scale": "likelihood11"})
    fake.wait_for(lambda: len(bank(stack)) == len(default_bank()) + 2)
    q = bank(stack)[-1]
    assert (q.key, q.scale, q.theme, q.text_es) == (
        "custom_2", "likelihood11", None, "Mi equipo recomendaría este trabajo.")
    # The same wording twice is refused.
    form = click_and_wait(stack, ADMIN, "add_question", view=fake.view(listing["id"]))
    r = stack.sender.submit(ADMIN, form, answers={"text_en": "my team would recommend this job.",
                                                  "scale": "yesno"})
    assert r.json["response_action"] == "errors" and "already" in r.json["errors"]["text_en"]


def test_non_admin_cannot_use_admin_modals(stack, fake):
    listing = open_by_command(stack, ADMIN, "questions")
    stack.sender.click(NOBODY, "question_menu", value="disable:support", block_id="q_support",
                       view=listing)
    fake.wait_for(lambda: "only candor admins" in text_of(fake.view(listing["id"])))
    form = click_and_wait(stack, NOBODY, "add_question", view=listing)
    assert "only candor admins" in text_of(form)
    r = stack.sender.submit(NOBODY, listing | {"callback_id": "admin_add_question"},
                            values={"text_en": {"value": {"type": "plain_text_input",
                                                          "value": "Sneaky question?"}}})
    assert r.json["response_action"] == "update" and "only candor admins" in text_of(r.json)
    for action in ("open_questions", "open_resources", "open_privacy", "open_schedule"):
        assert "only candor admins" in text_of(click_and_wait(stack, NOBODY, action))
    for callback in ("admin_privacy", "admin_schedule", "admin_resources"):
        r = stack.sender.submit(NOBODY, {"type": "modal", "callback_id": callback, "blocks": []})
        assert r.status == 200 and "only candor admins" in text_of(r.json)
    # Nothing changed: the bank is still the default one.
    assert [(q.key, q.enabled) for q in bank(stack)] == [(q.key, q.enabled) for q in default_bank()]


def test_resources_modal(stack, fake):
    view = open_by_command(stack, ADMIN, "resources")
    assert view["callback_id"] == "admin_resources" and "988" in text_of(view)
    r = stack.sender.submit(ADMIN, view, answers={"text": "x" * 1501})
    assert r.json["response_action"] == "errors" and "1500" in r.json["errors"]["text"]
    r = stack.sender.submit(ADMIN, view, answers={"text": "Call our EAP on 1-800-555-0100."})
    assert r.json["response_action"] == "update" and "1-800-555-0100" in text_of(r.json)
    with stack.candor.db.session() as s:
        assert workspaces.ensure(s, fake.team_id).resources_text == "Call our EAP on 1-800-555-0100."
    # The form opens pre-filled; emptying it restores the 988 default.
    view = click_and_wait(stack, ADMIN, "open_resources")
    assert "1-800-555-0100" in text_of(view)
    r = stack.sender.submit(ADMIN, view, answers={"text": "   "})
    assert "988" in text_of(r.json)
    with stack.candor.db.session() as s:
        assert workspaces.ensure(s, fake.team_id).resources_text is None


def test_privacy_form_from_app_home(stack, fake):
    stack.sender.app_home_opened(ADMIN)
    home = fake.wait_for(lambda: fake.home_view(ADMIN))
    view = click_and_wait(stack, ADMIN, "open_privacy", view=home)
    assert view["callback_id"] == "admin_privacy"
    for answers, field in [({"scores": "2", "comments": "10"}, "scores"),
                           ({"scores": "8", "comments": "6"}, "comments"),
                           ({"scores": "five", "comments": "10"}, "scores"),
                           ({"scores": "5", "comments": "-1"}, "comments")]:
        r = stack.sender.submit(ADMIN, view, answers=answers)
        assert r.json["response_action"] == "errors" and field in r.json["errors"], answers
    r = stack.sender.submit(ADMIN, view, answers={"scores": "8", "comments": "15"})
    assert r.json["response_action"] == "update" and "comments need 15+" in text_of(r.json)
    fake.wait_for(lambda: "comments need 15+" in text_of(fake.home_view(ADMIN)))


def test_schedule_form_from_app_home(stack, fake):
    view = click_and_wait(stack, ADMIN, "open_schedule")
    assert view["callback_id"] == "admin_schedule"
    r = stack.sender.submit(ADMIN, view, answers={"every": "weekly"})  # no weekday
    assert r.json["response_action"] == "errors" and "weekday" in r.json["errors"]
    r = stack.sender.submit(ADMIN, view, answers={"every": "weekly", "weekday": "2",
                                                  "window": "30"})
    assert r.json["response_action"] == "errors" and "window" in r.json["errors"]
    r = stack.sender.submit(ADMIN, view, answers={"every": "biweekly", "weekday": "3",
                                                  "time": "07:45", "window": "4",
                                                  "reminder": "off"})
    assert r.json["response_action"] == "update", r.body
    assert "biweekly on Thursday at 07:45" in text_of(r.json)
    with stack.candor.db.session() as s:
        w = workspaces.ensure(s, fake.team_id)
        assert (w.schedule_every, w.schedule_weekday, w.schedule_time, w.window_days,
                w.reminder_on) == ("biweekly", 3, "07:45", 4, False)
        assert w.schedule_anchor is not None
    # The form reopens with the saved values; "not scheduled" turns it off.
    view = click_and_wait(stack, ADMIN, "open_schedule")
    assert view["blocks"][1]["element"]["initial_option"]["value"] == "biweekly"
    stack.sender.submit(ADMIN, view, answers={"every": "off"})
    with stack.candor.db.session() as s:
        assert workspaces.ensure(s, fake.team_id).schedule_every is None


def test_app_home_admin_summary(stack, fake):
    stack.sender.slash(ADMIN, "audience add <#CTEAMA0001|team-alpha>")
    fake.wait_for(lambda: fake.responses_for(ADMIN))
    stack.sender.slash(ADMIN, "schedule weekly tuesday 10:00")
    stack.sender.app_home_opened(ADMIN)
    home = fake.wait_for(lambda: fake.home_view(ADMIN))
    text = text_of(home)
    enabled = f"{sum(q.enabled for q in default_bank())} of {len(default_bank())} enabled"
    for part in ("Audiences:* <#CTEAMA0001>", "weekly on Tuesday at 10:00", "Digest channel:* not set",
                 "scores need 5+", enabled, "Last round:* none closed yet"):
        assert part in text, part
    ids = {e["action_id"] for b in home["blocks"] if b["type"] == "actions" for e in b["elements"]}
    assert {"open_questions", "open_resources", "open_privacy", "open_schedule",
            "toggle_pause"} <= ids
    # Non-admins see only the clinician part.
    stack.sender.app_home_opened(NOBODY)
    nobody = text_of(fake.wait_for(lambda: fake.home_view(NOBODY)))
    assert "open_questions" not in nobody and "toggle_pause" in nobody
