"""Tenant isolation: a signed request from workspace B (team_id T_B) can neither
read nor change workspace A's configuration, rounds or results.

FakeSlack serves one team (A); B's requests are forged by overriding the
team in otherwise valid, correctly signed payloads, which is exactly what a
second workspace's Slack would send.
"""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select, text

from bot.processes.stack import LocalStack
from storage.models import Audience, Delivery, Participation, Round, SealedBallot, Workspace
from tests.builders import ADMIN, TEAM_A, click_and_wait, open_round

T_B = "TBBBBBBB02"
B_ADMIN = "UBADMIN001"  # a CANDOR_ADMINS admin, acting in workspace B


@pytest.fixture
def stack(db, database_url, fake):
    fake.add_user(B_ADMIN, "badmin", "Bea Badmin")
    s = LocalStack(database_url, fake, db=db, admins=B_ADMIN)
    s.start()
    yield s
    s.stop()


def _snapshot(db) -> str:
    """Everything of workspace A, as a reader would dump it."""
    out = {}
    with db.engine.connect() as c:
        for table in ("workspaces", "audiences", "rounds", "deliveries", "participation",
                      "sealed_ballots", "responses", "answer_counts", "comments", "team_counts",
                      "questions"):
            order = "team_id" if table != "rounds" else "id"
            rows = c.execute(text(f"SELECT * FROM {table} ORDER BY {order}")).all()
            out[table] = sorted(json.dumps([str(v) for v in r]) for r in rows
                                if "TBBBBBBB02" not in json.dumps([str(v) for v in r]))
    return json.dumps(out, sort_keys=True)


def _not_invited(view) -> bool:
    dump = json.dumps(view, ensure_ascii=False)
    return "wasn't sent to you" in dump or "no se te envió" in dump


def _open_round_in_a(stack, fake):
    return open_round(stack)


def _b_slash(stack, user, text_):
    r = stack.sender.slash(user, text_, team_id=T_B)
    assert r.status == 200, r.body
    return r


def _b_payload(stack, payload: dict):
    payload = {**payload, "team": {"id": T_B, "domain": "bee"}}
    payload["user"] = {**payload["user"], "team_id": T_B}
    r = stack.sender.post_payload(payload)
    assert r.status == 200, r.body
    return r


def test_workspace_b_cannot_read_or_change_a(stack, fake, db):
    rid = _open_round_in_a(stack, fake)
    fake.wait_for(lambda: fake.dm_messages(TEAM_A[0]))
    # One real answer in A, so there is something to protect.
    view = click_and_wait(stack, TEAM_A[1], "start_checkin", message=fake.dm_messages(TEAM_A[1])[-1])
    r = stack.sender.submit(TEAM_A[1], view, answers={
        b["block_id"]: 3 for b in view["blocks"] if b.get("block_id", "").startswith("q_")})
    assert r.json["response_action"] == "update"
    before = _snapshot(db)

    # B's admin reads B's configuration, never A's.
    text_ = _b_slash(stack, B_ADMIN, "audience list").json["text"]
    assert "No audience channels" in text_ and "CTEAMA0001" not in text_
    text_ = _b_slash(stack, B_ADMIN, "status").json["text"]
    assert "No round is open" in text_ and "Round 1 is open" not in text_
    # ... and cannot change A's.
    _b_slash(stack, B_ADMIN, "close now")
    fake.wait_for(lambda: fake.responses_for(B_ADMIN))
    assert "no open round" in fake.responses_for(B_ADMIN)[-1]["text"].lower()
    _b_slash(stack, B_ADMIN, "audience remove CTEAMA0001")
    n_before = len(fake.responses_for(B_ADMIN))
    _b_slash(stack, B_ADMIN, "digest preview")
    fake.wait_for(lambda: len(fake.responses_for(B_ADMIN)) > n_before, timeout=5)
    assert "Round 1" not in fake.responses_for(B_ADMIN)[-1]["text"]

    # A's admin forging B's team id is not B's admin (admin rights are per workspace).
    r = _b_slash(stack, ADMIN, "status")
    assert "only candor admins" in r.json["text"]

    # An invited member of A clicks A's round button, and submits a ballot with
    # A's round id in private_metadata, but through workspace B.
    msg = fake.dm_messages(TEAM_A[0])[-1]
    before_views = len(fake.views_opened)
    _b_payload(stack, {
        "type": "block_actions", "user": {"id": TEAM_A[0], "name": "a0"},
        "trigger_id": fake.issue_trigger(TEAM_A[0]), "api_app_id": fake.app_id,
        "actions": [{"action_id": "start_checkin", "block_id": "b", "type": "button",
                     "value": str(rid), "action_ts": "1.0"}],
        "container": {"type": "message", "message_ts": msg["ts"], "channel_id": msg.get("channel")},
    })
    fake.wait_for(lambda: len(fake.views_opened) > before_views)
    assert _not_invited(fake.last_opened_view(TEAM_A[0]))

    # A view that B's Slack opened: B's team on the view too (bolt reads
    # view.app_installed_team_id first, as Slack Connect requires).
    forged_view = dict(view, private_metadata=json.dumps({"r": rid}), team_id=T_B,
                       app_installed_team_id=T_B)
    forged_view["state"] = {"values": {
        b["block_id"]: {"answer": {"type": "static_select",
                                   "selected_option": {"value": "1"}}}
        for b in view["blocks"] if b.get("block_id", "").startswith("q_")}}
    for who in (TEAM_A[0], TEAM_A[1], B_ADMIN):
        r = _b_payload(stack, {"type": "view_submission", "user": {"id": who, "name": who},
                               "api_app_id": fake.app_id, "view": forged_view,
                               "trigger_id": fake.issue_trigger(who)})
        assert r.json["response_action"] == "update"
        assert _not_invited(r.json), r.body

    assert _snapshot(db) == before, "workspace B changed workspace A's rows"
    with db.session() as s:
        assert s.get(Round, rid).status == "open"
        assert s.scalar(select(func.count()).select_from(Audience)
                        .where(Audience.team_id == fake.team_id)) == 1
        assert s.scalar(select(func.count()).select_from(Participation)) == 1
        assert s.scalar(select(func.count()).select_from(SealedBallot)) == 1
        assert s.scalar(select(func.count()).select_from(Delivery)
                        .where(Delivery.team_id == T_B)) == 0
        b_ws = s.get(Workspace, T_B)
        assert b_ws is None or b_ws.digest_channel is None
