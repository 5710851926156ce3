"""Admin settings commands over signed HTTP: schedule, questions max, privacy,
plus channel mentions in both forms. Each refusal shows correct usage."""

from __future__ import annotations

from datetime import date

import pytest

from storage import workspaces
from storage.models import Workspace
from tests.builders import ADMIN, NOBODY


def say(stack, user, text):
    r = stack.sender.slash(user, text)
    assert r.status == 200, r.body
    return (r.json or {}).get("text", "")


def ws(stack) -> Workspace:
    with stack.candor.db.session() as s:
        return workspaces.ensure(s, stack.fake.team_id)


@pytest.mark.parametrize("text", [
    "schedule", "schedule weekly tuesday 10:00", "schedule window 4", "schedule reminder off",
    "schedule off", "questions", "questions max 6", "privacy", "privacy scores 7",
    "privacy comments 12", "resources",
])
def test_non_admins_are_refused_and_nothing_changes(stack, text):
    before = ws(stack)
    assert "only candor admins" in say(stack, NOBODY, text)
    after = ws(stack)
    assert (after.schedule_every, after.window_days, after.reminder_on, after.max_questions,
            after.min_score_n, after.min_comment_n) == (
        before.schedule_every, before.window_days, before.reminder_on, before.max_questions,
        before.min_score_n, before.min_comment_n)
    assert stack.fake.views_opened == []


def test_schedule_show_set_and_refuse(stack):
    shown = say(stack, ADMIN, "schedule")
    assert "not scheduled" in shown and "Next round:* none" in shown

    reply = say(stack, ADMIN, "schedule weekly TUE 9:05")
    assert "weekly on Tuesday at 09:05" in reply and "Next round:*" in reply
    w = ws(stack)
    assert (w.schedule_every, w.schedule_weekday, w.schedule_time, w.schedule_anchor) == (
        "weekly", 1, "09:05", None)

    reply = say(stack, ADMIN, "schedule biweekly friday 16:30")
    w = ws(stack)
    anchor = date.fromisoformat(w.schedule_anchor)
    assert anchor.weekday() == 4 and anchor >= stack.candor.now().date()
    assert f"{anchor:%d %B %Y}" in reply  # the next send date is the anchor itself

    assert "monthly on Monday" in say(stack, ADMIN, "schedule monthly mon 08:00")
    assert "stays open 5 days" in say(stack, ADMIN, "schedule window 5")
    assert ws(stack).window_days == 5
    assert "Reminders are off" in say(stack, ADMIN, "schedule reminder off")
    assert ws(stack).reminder_on is False
    assert "Reminders are on" in say(stack, ADMIN, "schedule reminder ON")
    assert "reminder on" in say(stack, ADMIN, "schedule")

    for bad, why in [("schedule weekly saturday 10:00", "isn't a weekday"),
                     ("schedule weekly tuesday 25:00", "isn't a time"),
                     ("schedule weekly tuesday 10", "isn't a time"),
                     ("schedule daily tuesday 10:00", "Usage"),
                     ("schedule window 0", "from 1 to 14"),
                     ("schedule window 15", "from 1 to 14"),
                     ("schedule window three", "whole number"),
                     ("schedule reminder maybe", "Usage"),
                     ("schedule weekly", "Usage")]:
        reply = say(stack, ADMIN, bad)
        assert why in reply and "/candor schedule" in reply, (bad, reply)
    assert ws(stack).schedule_every == "monthly" and ws(stack).window_days == 5

    assert "Scheduled rounds are off" in say(stack, ADMIN, "schedule off")
    assert ws(stack).schedule_every is None


def test_questions_max(stack):
    assert "up to 7 questions" in say(stack, ADMIN, "questions max 7")
    assert ws(stack).max_questions == 7
    for bad in ("questions max 2", "questions max 11", "questions max x", "questions min 4"):
        reply = say(stack, ADMIN, bad)
        # Escaped: Slack would read a bare <n> as a link and drop it.
        assert "/candor questions max &lt;n&gt;" in reply and "<n>" not in reply, reply
    assert ws(stack).max_questions == 7


def test_privacy_show_and_set(stack):
    shown = say(stack, ADMIN, "privacy")
    assert "Scores: 5" in shown and "Comments: 10" in shown
    assert "work out one person's answers" in shown and "bigger crowd" in shown

    assert "comments need 10+" in say(stack, ADMIN, "privacy scores 7")
    assert ws(stack).min_score_n == 7
    # Never below 3; comments never below scores.
    assert "from 3 to 100" in say(stack, ADMIN, "privacy scores 2")
    reply = say(stack, ADMIN, "privacy comments 6")
    assert "between the score minimum (7)" in reply and "Usage" in reply
    reply = say(stack, ADMIN, "privacy scores 12")
    assert "`/candor privacy comments 12`" in reply
    assert (ws(stack).min_score_n, ws(stack).min_comment_n) == (7, 10)
    assert "comments need 12+" in say(stack, ADMIN, "privacy comments 12")
    assert "Scores: 12" in say(stack, ADMIN, "privacy scores 12")
    assert "Usage" in say(stack, ADMIN, "privacy everything 5")


def test_channel_mentions_escaped_and_raw(stack, fake):
    say(stack, ADMIN, "digest channel <#CLEADERS01|leaders>")
    fake.wait_for(lambda: fake.responses_for(ADMIN))
    assert ws(stack).digest_channel == "CLEADERS01"
    say(stack, ADMIN, "digest channel CTEAMA0001")
    fake.wait_for(lambda: len(fake.responses_for(ADMIN)) >= 2)
    assert ws(stack).digest_channel == "CTEAMA0001"
    say(stack, ADMIN, "audience add <#CTEAMB0001>")
    fake.wait_for(lambda: len(fake.responses_for(ADMIN)) >= 3)
    assert "Removed" in say(stack, ADMIN, "audience remove CTEAMB0001")
    assert "isn't a channel" in say(stack, ADMIN, "digest channel #leaders")
    assert "isn't a channel" in say(stack, ADMIN, "audience add <@UADMIN0001>")


def test_settings_are_per_workspace(stack, fake):
    say(stack, ADMIN, "privacy comments 20")
    say(stack, ADMIN, "schedule weekly wed 10:00")
    with stack.candor.db.session() as s:
        other = workspaces.ensure(s, "T0OTHER001")
        assert (other.min_comment_n, other.schedule_every) == (10, None)
    assert ws(stack).min_comment_n == 20
