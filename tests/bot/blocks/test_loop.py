"""The loop's Block Kit builders: pure, escaped, within Slack's limits, and
never claiming that an action caused a change."""

from __future__ import annotations

import json
from datetime import date

from bot.blocks.loop import (
    COMMIT_ACTION,
    STATUS_ACTION,
    ActionItem,
    SummaryData,
    actions_section,
    commit_button,
    commit_modal,
    form_values,
    leader_blocks,
    reminder_message,
    sparkline,
    summary_blocks,
)
from bot.testing.fakeslack.blockkit import validate_blocks, validate_view


def _dump(x) -> str:
    return json.dumps(x, ensure_ascii=False)


ITEM = ActionItem(id=7, text="Fix <caseloads> & rota", answers_label="Measure: Caseload",
                  owner_id="UOWNER0001", due_on=date(2026, 3, 6), status="in_progress",
                  note="ask <!channel>", moved=("planned", "in_progress"), measure="workload")


def test_commit_button_carries_the_action_within_slacks_limits():
    b = commit_button("x" * 5000, "workload")
    assert b["action_id"] == COMMIT_ACTION and len(b["value"]) <= 2000
    assert json.loads(b["value"]) == {"t": "x" * 300, "a": "workload"}


def test_actions_section_escapes_and_states_change_without_cause():
    blocks = actions_section([ITEM], {"workload": "54% favourable now, no real change vs round 1"})
    text = _dump(blocks)
    assert "&lt;caseloads&gt; &amp; rota" in text and "<caseloads>" not in text
    assert "Planned → In progress" in text and "its measure: 54% favourable" in text
    assert "doesn't show that the action caused it" in text
    assert "its measure:" not in _dump(actions_section([ITEM], {}))  # no figure, no claim
    assert "No actions committed yet" in _dump(actions_section([], {}))
    assert validate_blocks(blocks, 50, "/blocks") == []


def test_reminder_status_buttons_are_valid_block_kit():
    blocks, text = reminder_message(ITEM)
    assert validate_blocks(blocks, 50, "/blocks") == []
    ids = [e["action_id"] for b in blocks if b["type"] == "actions" for e in b["elements"]]
    assert ids and all(STATUS_ACTION.match(i) for i in ids)
    assert "action_status.in_progress" not in ids  # not its own status
    assert "&lt;!channel&gt;" in _dump(blocks)


def test_commit_modal_is_valid_and_prefilled():
    view = commit_modal("Review caseloads", [("theme:workload", "Comments about workload")],
                        "theme:workload", date(2026, 3, 2), "{}")
    assert validate_view(view) == []
    answers = next(b for b in view["blocks"] if b.get("block_id") == "answers")
    assert answers["element"]["initial_option"]["value"] == "theme:workload"


def test_form_values_reads_every_element_kind():
    view = {"state": {"values": {
        "text": {"value": {"type": "plain_text_input", "value": "a"}},
        "owner": {"value": {"type": "users_select", "selected_user": "U1"}},
        "due": {"value": {"type": "datepicker", "selected_date": "2026-03-02"}},
        "answers": {"value": {"type": "static_select", "selected_option": {"value": "x"}}},
        "comments": {"value": {"type": "checkboxes", "selected_options": [{"value": "1"}]}},
        "junk": {"value": "not a dict"},
    }}}
    assert form_values(view) == {"text": "a", "owner": "U1", "due": "2026-03-02",
                                 "answers": "x", "comments": ["1"]}


def test_sparkline_marks_gaps():
    assert sparkline([0.0, None, 0.5, 1.0]) == "▁·▅█"


def test_staff_summary_holds_only_what_it_is_given_escaped():
    d = SummaryData(round_number=3, dates="2–5 Mar", response="12 of 13 people invited answered",
                    findings=("54% of you reported symptoms of burnout",), actions=(ITEM,),
                    comments=("more <b>time</b>",), min_n=5)
    blocks, text = summary_blocks(d)
    dump = _dump(blocks)
    assert "You said, we did" in text and "&lt;b&gt;time&lt;/b&gt;" in dump
    assert "<@UOWNER0001>" in dump and "at least 5 people" in dump
    assert validate_blocks(blocks, 50, "/blocks") == []
    none = _dump(summary_blocks(SummaryData(3, "x", None, (), ()))[0])
    assert "What you said" not in none and "Leaders are deciding" in none


def test_leader_blocks_offer_commit_and_summary():
    blocks = leader_blocks(2, "13 of 13", [], [ITEM], [("Balance caseloads", "workload")])
    assert validate_blocks(blocks, 100, "/blocks") == []
    dump = _dump(blocks)
    assert "open_staff_summary" in dump and dump.count(COMMIT_ACTION) == 2
    assert "open_staff_summary" not in _dump(leader_blocks(None, None, [], [], []))
