"""The staff summary and the leaders' App Home are published artefacts: they
may show nothing the round's digest didn't. Every figure in them must be a
figure of the digest post, no team is named, comments appear only when the
digest quoted them and a leader picked them, and a round too small to open
gives staff nothing but that."""

from __future__ import annotations

import json
import re

from storage.models import Round, StaffSummary
from tests.builders import ADMIN, TEAM_A, TEAM_B, click_and_wait, open_round

STAFF = "CSTAFF0001"
FIGURES = re.compile(r"\d+ of \d+|\d+%")


def _dump(x) -> str:
    return json.dumps(x, ensure_ascii=False)


def _answer(stack, fake, uids, comment: str | None = None):
    for n, uid in enumerate(uids):
        view = click_and_wait(stack, uid, "start_checkin", message=fake.dm_messages(uid)[-1])
        answers = {b["block_id"]: (1 + n % 5 if b["block_id"] == "q_burnout" else 2 + n % 3)
                   for b in view["blocks"] if b.get("block_id", "").startswith("q_")}
        if comment and any(b.get("block_id") == "comment" for b in view["blocks"]):
            answers["comment"] = f"{comment} {n}"
        stack.sender.submit(uid, view, answers=answers)


def _round(stack, fake, uids, comment=None) -> str:
    """A round answered by `uids`, closed; returns the digest post's text."""
    s = stack.sender
    s.slash(ADMIN, "digest channel <#CLEADERS01|leaders>")
    fake.wait_for(lambda: fake.responses_for(ADMIN))
    fake.add_channel(STAFF, "staff", members=[ADMIN, *TEAM_A])  # candor isn't in it yet
    s.slash(ADMIN, f"summary channel <#{STAFF}|staff>")
    open_round(stack, "<#CTEAMA0001|team-alpha>", "<#CTEAMB0001|team-beta>")
    _answer(stack, fake, uids, comment)
    s.slash(ADMIN, "close now")
    fake.wait_for(lambda: fake.channel_messages("CLEADERS01"), timeout=15)
    return _dump(fake.channel_messages("CLEADERS01")[0])


def _leader_home(stack, fake, images: list | None = None) -> str:
    """The leaders' view as text; its images go to `images` (if given)."""
    n = len(fake.calls_to("views.publish"))
    stack.sender.app_home_opened(ADMIN)
    fake.wait_for(lambda: len(fake.calls_to("views.publish")) > n)
    blocks = fake.home_view(ADMIN)["blocks"]
    start = next(i for i, b in enumerate(blocks) if "candor · leaders" in _dump(b))
    end = next(i for i, b in enumerate(blocks[start:], start) if b["type"] == "divider")
    view = blocks[start:end]
    if images is not None:
        images += [b for b in view if b["type"] == "image"]
    return _dump([b for b in view if b["type"] != "image"])


def _heatmap_recorded(db) -> bool:
    with db.session() as s:
        return s.query(Round).filter(Round.heatmap_file_id.is_not(None)).count() > 0


def _publish(stack, fake) -> str:
    """Open, (pick nothing), confirm; returns the staff channel's post."""
    s = stack.sender
    n = len(fake.views_opened)
    s.slash(ADMIN, "summary")
    fake.wait_for(lambda: len(fake.views_opened) > n)
    view = fake.last_opened_view(ADMIN)
    if view["callback_id"] == "staff_summary_pick":
        n = len(fake.views_opened)
        s.submit(ADMIN, view, answers={})
        fake.wait_for(lambda: len(fake.views_opened) > n)
        view = fake.last_opened_view(ADMIN)
    assert view["callback_id"] == "staff_summary_confirm"
    s.submit(ADMIN, view)
    fake.wait_for(lambda: fake.channel_messages(STAFF), timeout=10)
    return _dump(fake.channel_messages(STAFF)[0])


def test_staff_summary_and_home_show_only_digest_figures(stack, fake, db):
    digest = _round(stack, fake, TEAM_A + TEAM_B, comment="rota is unfair")
    fake.wait_for(lambda: _heatmap_recorded(db))  # the images go up just after the post
    images: list = []
    summary, home = _publish(stack, fake), _leader_home(stack, fake, images)
    # App Home's one image is the heatmap already posted under the digest, to the
    # same people (digest-channel members), named by its id: nothing new is shown.
    posted = [f for f in fake.files if f["channel"] == "CLEADERS01"
              and f["name"].startswith("candor-teams")]
    assert [i["slack_file"] for i in images] == [{"id": posted[0]["id"]}]
    assert images[0]["alt_text"] == posted[0]["alt_txt"]
    heat = set(FIGURES.findall(images[0]["alt_text"]))
    assert heat <= set(FIGURES.findall(digest)), heat - set(FIGURES.findall(digest))
    for artefact in (summary, home):
        figures = set(FIGURES.findall(artefact))
        assert figures, artefact
        assert figures <= set(FIGURES.findall(digest)), figures - set(FIGURES.findall(digest))
        assert "team-alpha" not in artefact and "team-beta" not in artefact
    assert "rota is unfair" not in summary  # quoted by the digest, but not picked
    assert "rota is unfair" in digest
    print(f"[privacy] staff summary figures {sorted(set(FIGURES.findall(summary)))} "
          "all appear in the digest")


def test_comments_below_the_comment_threshold_never_reach_staff(stack, fake, db):
    digest = _round(stack, fake, TEAM_A[:6], comment="my supervisor never shows")
    summary = _publish(stack, fake)  # no comment picker: nothing to pick from
    assert "my supervisor never shows" not in digest + summary
    assert "In your words" not in summary


def test_a_round_too_small_to_open_gives_staff_nothing(stack, fake, db):
    _round(stack, fake, TEAM_A[:3])
    with db.session() as s:
        assert s.query(Round).one().unopened
    stack.sender.slash(ADMIN, "summary")
    fake.wait_for(lambda: any("too few answers to open" in r.get("text", "")
                              for r in fake.responses_for(ADMIN)))
    home = _leader_home(stack, fake)
    assert "No digest has been published yet" in home and "%" not in home
    with db.session() as s:
        assert s.query(StaffSummary).count() == 0
    assert fake.channel_messages(STAFF) == []
