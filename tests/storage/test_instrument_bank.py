"""A workspace's bank against the bank file: seeding, bringing an older bank
up to date without losing history, modules on and off, and the
organisation's name (storage and the admin settings behind the commands)."""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import datetime
from types import SimpleNamespace

import pytest

from analytics.instruments import load_bank
from analytics.questions import active_modules, default_bank
from analytics.scoring import scale
from analytics.segments import ROLES, TENURES
from bot.commands import MAX_QUESTIONS, UsageError, parse
from bot.i18n import t
from bot.services import settings
from bot.services.errors import Invalid
from storage import workspaces
from storage.ballot_box import MAX_COMMENT_BYTES, Ballot, BallotBox
from storage.keys import Keyring

TEAM = "T0BANK"


class _Slack:
    def __init__(self, name):
        self.name = name

    def auth_test(self):
        return {"ok": True, "team": self.name}


def _c(db, name="Riverbend Community Mental Health"):
    slack = _Slack(name)
    return SimpleNamespace(db=db, client=slack, client_for=lambda team, kind="client": slack)


def _rows(db):
    with db.session() as s:
        return {r.key: (r.enabled, r.text_en) for r in workspaces.question_rows(s, TEAM)}


def test_new_workspace_gets_the_core_bank(db):
    with db.session() as s:
        workspaces.ensure(s, TEAM)
    rows = _rows(db)
    assert list(rows) == [q.key for q in default_bank()]
    assert {k for k, (on, _) in rows.items() if on} == {q.key for q in default_bank() if q.enabled}
    assert rows["support"][1] == "My organization really cares about my well-being."


def test_an_older_bank_is_brought_up_to_date_keeping_history(db):
    with db.session() as s:
        workspaces.ensure(s, TEAM)
        # What a workspace made before the split holds: the old items and stem.
        for r in workspaces.question_rows(s, TEAM):
            if r.key == "supervision_quality":
                r.key, r.text_en = "supervision", "I get the clinical supervision and support I need."
            elif r.key == "supervision_access":
                s.delete(r)
            elif r.key == "burnout":
                r.text_en = "Using your own definition of burnout, which statement …"
    with db.session() as s:
        added = workspaces.sync_bank(s, TEAM)
    assert set(added) == {"supervision_quality", "supervision_access"}
    rows = _rows(db)
    assert rows["supervision"][0] is False  # retired: kept, not asked
    assert rows["supervision_quality"][0] and rows["supervision_access"][0]
    assert rows["burnout"][1].startswith("Overall, based on your definition of burnout")
    with db.session() as s:
        assert workspaces.sync_bank(s, TEAM) == []  # idempotent


def test_organisation_name_defaults_to_slacks_and_can_be_set(db):
    c = _c(db)
    assert "Riverbend Community Mental Health" in settings.organization_text(c, TEAM)
    assert _rows(db)["support"][1] == (
        "Riverbend Community Mental Health really cares about my well-being.")
    settings.set_organization(c, TEAM, "  Riverbend   CMHC ")
    assert _rows(db)["support"][1] == "Riverbend CMHC really cares about my well-being."
    # An admin's name is never replaced by Slack's.
    settings.organization_text(_c(db, "Something Else"), TEAM)
    assert _rows(db)["support"][1].startswith("Riverbend CMHC")
    with pytest.raises(Invalid):
        settings.set_organization(c, TEAM, "<@U123>")


def test_modules_on_and_off(db, monkeypatch):
    c = _c(db)
    bank = load_bank()
    waiting = replace(bank, modules=(replace(bank.module("proqol_sts"), todo="wording", items=()),))
    monkeypatch.setattr(settings, "load_bank", lambda: waiting)
    with pytest.raises(Invalid, match="can't be turned on yet"):  # a module without its wording
        settings.set_module(c, TEAM, "proqol_sts", True)
    monkeypatch.undo()
    with pytest.raises(Invalid, match="no module"):
        settings.set_module(c, TEAM, "mbi", True)
    assert "is on" in settings.set_module(c, TEAM, "cbi_work", True)
    rows = _rows(db)
    assert all(rows[f"cbi_work_{n}"][0] for n in range(1, 8)) and rows["cbi_work"][0]
    with db.session() as s:
        assert active_modules(workspaces.questions(s, TEAM)) == ["cbi_work"]
    assert "`cbi_work`" in settings.modules_text(c, TEAM)
    settings.set_module(c, TEAM, "cbi_work", False)
    rows = _rows(db)
    assert "cbi_work_1" in rows and not rows["cbi_work_1"][0]  # kept for history
    with db.session() as s:
        assert active_modules(workspaces.questions(s, TEAM)) == []
    settings.set_module(c, TEAM, "cbi_work", True)  # back on: no duplicate rows
    assert sum(k.startswith("cbi_work") for k in _rows(db)) == 8


def test_commands_parse():
    assert parse("modules").name == "modules.list"
    assert parse("modules on CBI_work").args == {"module": "cbi_work"}
    assert parse("modules off psych_safety").name == "modules.off"
    assert parse("organization").name == "organization.show"
    assert parse("organization Riverbend CMHC").args == {"name": "Riverbend CMHC"}
    with pytest.raises(UsageError):
        parse("modules toggle cbi_work")


def test_proqol_modules_turn_on_with_their_items_and_scores(db):
    c = _c(db)
    reply = settings.set_module(c, TEAM, "proqol_sts", True)
    assert "is on" in reply and "Center for Victims of Torture" in reply
    settings.set_module(c, TEAM, "proqol_cs", True)
    rows = _rows(db)
    for m in ("proqol_sts", "proqol_cs"):
        keys = load_bank().module(m).items + (m,)
        assert len(keys) == 11 and all(rows[k][0] for k in keys)
    assert rows["proqol_11"][1] == 'Because of my helping, I have felt "on edge" about various things.'
    with db.session() as s:
        assert active_modules(workspaces.questions(s, TEAM)) == ["proqol_sts", "proqol_cs"]
    listing = settings.modules_text(c, TEAM)
    assert "`proqol_sts`" in listing and "not available yet" not in listing
    # Every module on still fits the bank's limit (the questions modal's 100 blocks).
    for m in load_bank().modules:
        settings.set_module(c, TEAM, m.key, True)
    assert len(_rows(db)) <= settings.MAX_BANK


def test_proqol_answer_labels_match_the_bank_in_the_catalog():
    for sc in ("proqol_sts5", "proqol_cs5"):
        # The modal shows the catalog's words: they must be the form's answers.
        assert tuple(t("en", f"scale.{sc}.{v}") for v in scale(sc).values) == scale(sc).labels
        assert t("es", f"scale.{sc}.5") == "Muy a menudo"


def test_the_widest_proqol_ballot_fits_one_sealed_block():
    """A module round's ballot, with the most core questions a round can ask
    (the longest keys), the longest role and tenure and the longest comment
    allowed, still seals into one padded block (else the comment is refused)."""
    box = BallotBox(Keyring("x" * 40), k=5, rng=random.Random(1))
    core = sorted((q.key for q in default_bank()), key=len, reverse=True)[:MAX_QUESTIONS[1]]
    for m in ("proqol_sts", "proqol_cs"):
        keys = core + list(load_bank().module(m).items) + [m]
        ballot = Ballot("c" * 80, dict.fromkeys(keys, 50), "x" * (MAX_COMMENT_BYTES - 2),
                        max(ROLES, key=len), max(TENURES, key=len))
        assert box.seal_ballot(ballot, datetime(2026, 3, 2))
