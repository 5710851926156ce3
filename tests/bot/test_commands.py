"""The /candor parser: pure, and it only ever raises UsageError."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.commands import Command, UsageError, parse


@pytest.mark.parametrize("text,name,args", [
    ("", "help", {}),
    ("HELP", "help", {}),
    ("pause", "pause", {}),
    ("resume", "resume", {}),
    ("resources", "resources", {}),
    ("schedule", "schedule.show", {}),
    ("schedule off", "schedule.off", {}),
    ("schedule weekly tuesday 10:00", "schedule.set", {"every": "weekly", "weekday": 1, "time": "10:00"}),
    ("schedule Biweekly FRI 7:05", "schedule.set", {"every": "biweekly", "weekday": 4, "time": "07:05"}),
    ("schedule monthly mon 23:59", "schedule.set", {"every": "monthly", "weekday": 0, "time": "23:59"}),
    ("schedule window 3", "schedule.window", {"days": 3}),
    ("schedule reminder Off", "schedule.reminder", {"on": False}),
    ("questions", "questions.edit", {}),
    ("questions max 10", "questions.max", {"n": 10}),
    ("privacy", "privacy.show", {}),
    ("privacy scores 3", "privacy.scores", {"n": 3}),
    ("privacy comments 12", "privacy.comments", {"n": 12}),
    ("digest channel <#C0123ABCD|leaders>", "digest.channel", {"channel": "C0123ABCD", "name": "leaders"}),
    ("digest channel C0123ABCD", "digest.channel", {"channel": "C0123ABCD", "name": None}),
    ("audience add <#G0123ABCD>", "audience.add", {"channel": "G0123ABCD", "name": None}),
    ("pulse", "pulse.show", {}),
    ("pulse Stay", "pulse.stay", {}),
    ("pulse close", "pulse.close", {}),
    ("pulse exit <@U0123ABCD|sam>", "pulse.exit", {"user": "U0123ABCD"}),
    ("pulse exit <@W0123ABCD>", "pulse.exit", {"user": "W0123ABCD"}),
    ("pulse exit U0123ABCD", "pulse.exit", {"user": "U0123ABCD"}),
])
def test_parses(text, name, args):
    assert parse(text) == Command(name, args)


@pytest.mark.parametrize("text,says", [
    ("schedule weekly saturday 10:00", "isn't a weekday"),
    ("schedule weekly tu 10:00", "isn't a weekday"),
    ("schedule weekly t 10:00", "isn't a weekday"),
    ("schedule weekly tuesday 24:00", "isn't a time"),
    ("schedule weekly tuesday 10:0", "isn't a time"),
    ("schedule weekly tuesday １０:００", "isn't a time"),  # full-width digits
    ("schedule window 0", "from 1 to 14"),
    ("schedule window ٣", "whole number"),  # Arabic-Indic digit
    ("schedule reminder yes", "/candor schedule reminder on|off"),
    ("questions max 2", "from 3 to 10"),
    ("questions max 11", "from 3 to 10"),
    ("privacy scores 2", "from 3 to 100"),
    ("privacy comments 101", "from 3 to 100"),
    ("pause now", "takes no arguments"),
    ("resources edit", "takes no arguments"),
    ("digest channel #leaders", "isn't a channel"),
    ("frobnicate", "I don't know"),
    ("pulse exit @sam", "isn't a person"),
    ("pulse exit <#C0123ABCD>", "isn't a person"),
    ("pulse exit", "/candor pulse exit @person"),
    ("pulse stay now", "/candor pulse stay"),
])
def test_usage_errors_show_correct_usage(text, says):
    with pytest.raises(UsageError) as e:
        parse(text)
    assert says in str(e.value)
    assert "`/candor" in str(e.value)


def test_admin_only_groups():
    assert not parse("pause").admin_only and not parse("resume").admin_only
    assert not parse("help").admin_only
    for text in ("schedule", "questions", "privacy", "resources", "questions max 4", "pulse",
                 "pulse exit U0123ABCD"):
        assert parse(text).admin_only, text


WORDS = st.sampled_from([
    "schedule", "weekly", "biweekly", "monthly", "tuesday", "fri", "sat", "10:00", "25:61",
    "window", "reminder", "on", "off", "questions", "max", "privacy", "scores", "comments",
    "resources", "pause", "resume", "audience", "add", "digest", "channel", "<#C123ABC|x>",
    "C123ABC", "<#C123ABC", "<@U123ABC>", "pulse", "exit", "stay", "0", "3", "14", "9999", "-1", "٣", "１",
])


@settings(max_examples=400, deadline=None)
@given(st.one_of(st.lists(WORDS, max_size=5).map(" ".join), st.text(max_size=60)))
def test_parser_never_raises_anything_but_usage_error(text):
    try:
        cmd = parse(text)
    except UsageError as e:
        assert str(e)
    else:
        assert isinstance(cmd, Command) and cmd.name
