"""Settings setters against a real database: validated, and per workspace."""

from __future__ import annotations

import logging
from types import SimpleNamespace

import pytest

from bot.context import utcnow
from bot.services import people
from bot.services import settings as sc
from bot.services.errors import Invalid
from storage import workspaces

A, B = "TAAAA0001", "TBBBB0001"


@pytest.fixture
def c(db):
    return SimpleNamespace(db=db, now=utcnow, log=logging.getLogger("test"))


def keys(c, team):
    with c.db.session() as s:
        workspaces.ensure(s, team)
        return [(q.key, q.enabled) for q in workspaces.questions(s, team)]


def test_question_changes_touch_one_workspace(c):
    keys(c, B)
    sc.change_question(c, A, "disable", "workload")
    sc.change_question(c, A, "down", "burnout")
    assert keys(c, A)[:2] == [("support", True), ("burnout", True)]
    assert ("workload", False) in keys(c, A)
    assert keys(c, B)[0] == ("burnout", True) and ("workload", True) in keys(c, B)
    with pytest.raises(Invalid, match="can't be disabled"):
        sc.change_question(c, A, "disable", "burnout")
    with pytest.raises(Invalid):
        sc.change_question(c, A, "delete", "support")


def test_custom_questions(c):
    assert sc.add_question(c, A, "Do you feel safe at work?", "", "yesno", None) == "custom_1"
    assert sc.add_question(c, A, "Would you recommend us?", "¿Nos recomendarías?",
                           "likelihood11", "Culture") == "custom_2"
    assert sc.add_question(c, B, "Do you feel safe at work?", None, "yesno", None) == "custom_1"
    with c.db.session() as s:
        q = {x.key: x for x in workspaces.questions(s, A)}
    assert q["custom_2"].theme == "culture" and q["custom_2"].position > q["custom_1"].position
    bad = [("Hi", None, "yesno", None, "text_en"), ("x" * 151, None, "yesno", None, "text_en"),
           ("Fine question here", "y" * 151, "yesno", None, "text_es"),
           ("Fine question here", None, "burnout5", None, "scale"),
           ("Fine question here", None, None, None, "scale"),
           ("Fine question here", None, "yesno", "two words", "theme"),
           ("do you feel SAFE at work?", None, "yesno", None, "text_en")]
    for en, es, scale, theme, field in bad:
        with pytest.raises(Invalid) as e:
            sc.add_question(c, A, en, es, scale, theme)
        assert e.value.field == field, (en, e.value)
    with c.db.session() as s:
        held = len(workspaces.question_rows(s, A))  # the bank as seeded, plus the two above
    for n in range(sc.MAX_BANK - held):
        sc.add_question(c, A, f"Question number {n}?", None, "yesno", None)
    with pytest.raises(Invalid, match="at most"):
        sc.add_question(c, A, "One too many?", None, "yesno", None)


def test_thresholds_and_resources(c):
    with pytest.raises(Invalid) as e:
        sc.set_thresholds(c, A, scores=2)
    assert e.value.field == "scores" and "Usage" in str(e.value) and "Usage" not in e.value.short
    with pytest.raises(Invalid):
        sc.set_thresholds(c, A, scores=11)
    sc.set_thresholds(c, A, scores=11, comments=11)
    with c.db.session() as s:
        assert (workspaces.ensure(s, A).min_score_n, workspaces.ensure(s, B).min_score_n) == (11, 5)
    assert "988" not in sc.set_resources(c, A, "  EAP: 555-0100  ")
    assert "988" in sc.set_resources(c, A, "")
    with pytest.raises(Invalid):
        sc.set_resources(c, A, "x" * (sc.RESOURCES_MAX + 1))


def test_pause_is_idempotent_and_scoped(c):
    people.set_paused(c, A, "U0000001", True)
    people.set_paused(c, A, "U0000001", True)
    assert people.is_paused(c, A, "U0000001") and not people.is_paused(c, B, "U0000001")
    people.set_paused(c, A, "U0000001", False)
    people.set_paused(c, A, "U0000001", False)
    assert not people.is_paused(c, A, "U0000001")
