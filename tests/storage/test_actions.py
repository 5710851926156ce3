"""Action rows: the reminder claim is taken once, status moves are recorded,
summary DMs are found only for closed rounds, a round has one summary."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from storage import actions
from storage.models import ActionRow, Delivery, Round, StaffSummary

NOW = datetime(2026, 3, 2, 9, 0)
T = "T0000LOOP1"


def _round(s, number: int, status: str) -> Round:
    r = Round(team_id=T, number=number, status=status, opened_at=NOW, closes_at=NOW,
              closed_at=NOW if status == "closed" else None, question_keys=[], published=[])
    s.add(r)
    s.flush()
    return r


def _action(s, due: date, status: str = "planned", team: str = T) -> ActionRow:
    return actions.add(s, ActionRow(team_id=team, text="Protect supervision time",
                                    answers="measure:supervision", owner_id="UOWNER0001",
                                    created_by="ULEAD00001", due_on=due, status=status,
                                    created_at=NOW))


def test_the_reminder_is_claimed_once(db):
    with db.session() as s:
        soon, later = _action(s, date(2026, 3, 4)), _action(s, date(2026, 4, 1))
        done = _action(s, date(2026, 3, 3), status="done")
        ids = (soon.id, later.id, done.id)
    with db.session() as s:
        due = [a.id for a in actions.due_for_reminder(s, date(2026, 3, 5))]
        assert due == [ids[0]]
        assert actions.claim_reminder(s, ids[0], NOW)
    with db.session() as s:
        assert not actions.claim_reminder(s, ids[0], NOW)  # a second clock loses
        assert actions.due_for_reminder(s, date(2026, 3, 5)) == []
        actions.release_reminder(s, ids[0])
        assert [a.id for a in actions.due_for_reminder(s, date(2026, 3, 5))] == [ids[0]]


def test_status_moves_are_recorded_and_scoped_to_the_workspace(db):
    with db.session() as s:
        aid = _action(s, date(2026, 4, 1)).id
    with db.session() as s:
        assert actions.set_status(s, "TOTHER0001", aid, "dropped", "UX", NOW) is None
        assert actions.set_status(s, T, aid, "in_progress", "UOWNER0001", NOW) == "planned"
        assert actions.set_status(s, T, aid, "in_progress", "UOWNER0001", NOW) == "in_progress"
        assert actions.set_status(s, T, aid, "done", "UOWNER0001", NOW + timedelta(days=1)) \
            == "in_progress"
    with db.session() as s:
        assert actions.moves_since(s, T, None) == {aid: ["planned", "in_progress", "done"]}
        assert actions.moves_since(s, T, NOW) == {aid: ["done"]}
        assert actions.listed(s, T, open_only=True) == []
        assert actions.get(s, "TOTHER0001", aid) is None


def test_summary_dms_only_for_closed_rounds_and_one_summary_per_round(db):
    with db.session() as s:
        closed, still_open = _round(s, 1, "closed"), _round(s, 2, "open")
        for r in (closed, still_open):
            s.add(Delivery(team_id=T, round_id=r.id, user_id="UA1", team_label="a",
                           kind="prompt", status="sent", send_after=NOW))
        rid, oid = closed.id, still_open.id
    with db.session() as s:
        assert actions.invited(s, rid) == [("UA1", "a")]
        row = StaffSummary(round_id=rid, team_id=T, text="t", blocks=[], channel=None,
                           published_by="ULEAD00001", published_at=NOW)
        assert actions.add_summary(s, row)
        actions.queue_summary_dms(s, T, rid, actions.invited(s, rid), NOW)
        actions.queue_summary_dms(s, T, oid, [("UA1", "a")], NOW)
    with db.session() as s:
        again = StaffSummary(round_id=rid, team_id=T, text="t2", blocks=[], channel=None,
                             published_by="ULEAD00001", published_at=NOW)
        assert not actions.add_summary(s, again)
        due = actions.summary_due_ids(s, NOW, 10)
        assert len(due) == 1 and s.get(Delivery, due[0]).round_id == rid
        assert actions.summary_due_ids(s, NOW - timedelta(seconds=1), 10) == []
        assert actions.summary_progress(s, rid) == {"pending": 1}


def test_the_staff_channel_setting(db):
    with db.session() as s:
        assert actions.staff_channel(s, T) is None
        actions.set_staff_channel(s, T, "CSTAFF0001")
    with db.session() as s:
        assert actions.staff_channel(s, T) == "CSTAFF0001"
        actions.set_staff_channel(s, T, None)
    with db.session() as s:
        assert actions.staff_channel(s, T) is None
