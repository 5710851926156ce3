"""The digest over Slack: automatic at close, `digest now`, `digest preview`,
channel membership, and what a re-post may reveal."""

from __future__ import annotations

import json

from bot.services import outbox
from tests.builders import ADMIN, NOBODY, TEAM_A, TEAM_B, click_and_wait

INVITED = TEAM_A + TEAM_B


def _round(stack, fake, answer=INVITED, burnout=lambda n: 1 + n % 5):
    s = stack.sender
    s.slash(ADMIN, "audience add <#CTEAMA0001|team-alpha>")
    s.slash(ADMIN, "audience add CTEAMB0001")
    fake.wait_for(lambda: sum("Added" in r.get("text", "") for r in fake.responses_for(ADMIN)) >= 2)
    s.slash(ADMIN, "send now")
    fake.wait_for(lambda: any("is open" in r.get("text", "") for r in fake.responses_for(ADMIN)))
    outbox.deliver_due(stack.candor)
    for n, uid in enumerate(answer):
        view = click_and_wait(stack, uid, "start_checkin", message=fake.dm_messages(uid)[-1])
        answers = {b["block_id"]: "3" for b in view["blocks"] if b.get("block_id", "").startswith("q_")}
        answers["q_burnout"] = str(burnout(n))
        answers["comment"] = "My caseload is crushing me and documentation never ends"
        assert s.submit(uid, view, answers=answers).status == 200


def _last_text(fake, user=ADMIN):
    fake.wait_for(lambda: fake.responses_for(user))
    return fake.responses_for(user)[-1].get("text", "")


def test_digest_is_posted_when_a_round_closes(stack, fake):
    stack.sender.slash(ADMIN, "digest channel <#CLEADERS01|leaders>")
    _round(stack, fake)
    stack.sender.slash(ADMIN, "close now")
    fake.wait_for(lambda: fake.channel_messages("CLEADERS01"), timeout=10)
    msg = fake.channel_messages("CLEADERS01")[0]
    assert "13 of 13 invited (100%)" in msg["text"]
    assert "Burnout" in json.dumps(msg["blocks"])
    fake.wait_for(lambda: fake.files, timeout=10)
    chart = fake.files[-1]
    assert chart["content"][:8] == b"\x89PNG\r\n\x1a\n" and chart["alt_txt"]
    # team-beta has 5 respondents (>= 5), team-alpha 8: both shown.
    assert "team-beta" in msg["text"] and "team-alpha" in msg["text"]


def test_small_team_and_its_complement_are_hidden(stack, fake):
    stack.sender.slash(ADMIN, "digest channel <#CLEADERS01|leaders>")
    _round(stack, fake, answer=TEAM_A + TEAM_B[:3])  # team-beta: 3 < 5
    stack.sender.slash(ADMIN, "close now")
    fake.wait_for(lambda: fake.channel_messages("CLEADERS01"), timeout=10)
    text = fake.channel_messages("CLEADERS01")[0]["text"]
    # With only two teams, showing the total and team-alpha would give team-beta
    # by subtraction: team-alpha's row must be hidden too.
    assert "11 of 13" in text
    assert "team-alpha: 8" not in text and "team-beta: 3" not in text


def test_digest_now_and_preview_and_refusals(stack, fake):
    s = stack.sender
    s.slash(ADMIN, "digest now")
    assert "no digest channel" in _last_text(fake).lower()
    s.slash(ADMIN, "digest channel <#CLEADERS01|leaders>")
    _round(stack, fake)
    s.slash(ADMIN, "close now")
    fake.wait_for(lambda: fake.channel_messages("CLEADERS01"), timeout=10)
    n = len(fake.responses_for(ADMIN))
    s.slash(ADMIN, "digest preview")
    fake.wait_for(lambda: len(fake.responses_for(ADMIN)) > n)
    preview = fake.responses_for(ADMIN)[-1]
    assert preview.get("response_type") == "ephemeral" and preview.get("blocks")
    s.slash(ADMIN, "digest now")
    fake.wait_for(lambda: len(fake.channel_messages("CLEADERS01")) >= 2, timeout=10)
    # A re-post of the same round says exactly what the first one said.
    first, second = fake.channel_messages("CLEADERS01")[0], fake.channel_messages("CLEADERS01")[-1]
    assert first["text"] == second["text"]
    r = s.slash(NOBODY, "digest now")
    assert "only candor admins" in r.json["text"]


def test_joins_a_public_channel_and_explains_a_private_one(stack, fake):
    s = stack.sender
    fake.add_channel("CPUBLIC001", "public-leads", members=[ADMIN])
    s.slash(ADMIN, "digest channel <#CPUBLIC001|public-leads>")
    _round(stack, fake)
    s.slash(ADMIN, "close now")
    fake.wait_for(lambda: fake.channel_messages("CPUBLIC001"), timeout=10)
    assert fake.calls_to("conversations.join")
    fake.add_channel("CPRIV00002", "private-leads", members=[ADMIN], is_private=True)
    s.slash(ADMIN, "digest channel CPRIV00002")
    fake.wait_for(lambda: any("invite me" in r.get("text", "").lower()
                              for r in fake.responses_for(ADMIN)))


def test_a_digest_posted_before_a_500_is_not_posted_twice(stack, fake):
    """Slack answered 500 after it had posted: candor finds the post (by its
    metadata) instead of failing, so neither it nor the admin posts again."""
    _round(stack, fake)
    stack.sender.slash(ADMIN, "digest channel <#CLEADERS01|leaders>")
    fake.wait_for(lambda: "Digests will be posted" in _last_text(fake))
    fake.inject("chat.postMessage", status=500, count=1, after_effect=True)
    stack.sender.slash(ADMIN, "close now")
    fake.wait_for(lambda: fake.files, timeout=8)  # the chart follows a successful post
    digests = [m for m in fake.channel_messages("CLEADERS01") if m.get("blocks")]
    assert len(digests) == 1
