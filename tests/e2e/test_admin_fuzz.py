"""Whatever an admin or anyone else types or submits, the bot answers 200 with
something to show: never a 500, never silence on a command."""

from __future__ import annotations

import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.builders import ADMIN, NOBODY

WORDS = st.sampled_from([
    "schedule", "weekly", "biweekly", "monthly", "tuesday", "fri", "sun", "10:00", "7:5",
    "window", "reminder", "on", "off", "questions", "max", "privacy", "scores", "comments",
    "resources", "pause", "resume", "audience", "list", "remove", "channel", "<#CTEAMA0001|a>",
    "CTEAMA0001", "<#C999>", "0", "3", "12", "99999", "-4", "٣", "help", "status",
])
FUZZ = settings(max_examples=30, deadline=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture])


@FUZZ
@given(user=st.sampled_from([ADMIN, NOBODY]),
       text=st.one_of(st.lists(WORDS, min_size=1, max_size=4).map(" ".join), st.text(max_size=40)))
def test_commands_never_500(stack, user, text):
    r = stack.sender.slash(user, text)
    assert r.status == 200, (text, r.body)
    if r.body.strip():  # an empty ack only when a modal opened
        assert r.json and r.json.get("text"), (text, r.body)
    else:
        assert stack.fake.last_opened_view(user) is not None, text


VALUE = st.one_of(st.none(), st.text(max_size=8), st.sampled_from(["3", "5", "10", "100", "0"]))


@FUZZ
@given(callback=st.sampled_from(["admin_privacy", "admin_schedule", "admin_resources",
                                 "admin_add_question"]),
       values=st.dictionaries(st.sampled_from(["scores", "comments", "every", "weekday", "time",
                                               "window", "reminder", "text", "text_en", "scale",
                                               "theme"]), VALUE, max_size=6))
def test_modal_submissions_never_500(stack, callback, values):
    state = {k: {"value": {"type": "plain_text_input", "value": v}} for k, v in values.items()}
    view = {"id": "VFUZZ", "type": "modal", "callback_id": callback, "blocks": [
        {"type": "input", "block_id": k, "element": {"type": "plain_text_input", "action_id": "value"},
         "label": {"type": "plain_text", "text": k}} for k in values]}
    published = len(stack.fake.calls_to("views.publish"))
    r = stack.sender.submit(ADMIN, view, values=state, apply=False)
    assert r.status == 200, r.body
    body = r.json or {}
    assert body.get("response_action") in (None, "errors", "update"), json.dumps(body)
    if body.get("response_action") == "update":  # saved: App Home is redrawn after the ack
        stack.fake.wait_for(lambda: len(stack.fake.calls_to("views.publish")) > published)
