"""Builders shared by the test suites: a seeded fake workspace, digest inputs,
and the steps an admin or clinician takes over signed HTTP. Fixtures that
use them live in tests/conftest.py."""

from __future__ import annotations

import random
from collections import Counter
from datetime import date, datetime, timedelta

from analytics.digest import Digest, QuestionInfo, RoundInfo, Thresholds, build_digest
from bot.testing.fakeslack import FakeSlack

TEAM_A = [f"UA{i:07d}" for i in range(8)]
TEAM_B = [f"UB{i:07d}" for i in range(5)]
ADMIN = "UADMIN0001"
NOBODY = "UNOBODY001"


def seed(fake: FakeSlack) -> None:
    fake.add_user(ADMIN, "admin", "Alex Admin", is_admin=True)
    fake.add_user(NOBODY, "nobody", "Nora Nobody")
    for i, uid in enumerate(TEAM_A):
        fake.add_user(uid, f"a{i}", f"Ana Alpha{i}", tz="America/Los_Angeles",
                      locale="es-ES" if i == 0 else "en-US")
    for i, uid in enumerate(TEAM_B):
        fake.add_user(uid, f"b{i}", f"Ben Beta{i}", tz=None)
    fake.add_user("UDELETED01", "gone", "Gone Person", deleted=True)
    fake.add_user("UBOTUSER01", "zap", "Zap", is_bot=True)
    fake.add_channel("CTEAMA0001", "team-alpha",
                     members=[*TEAM_A, "UDELETED01", "UBOTUSER01", fake.bot_user_id])
    fake.add_channel("CTEAMB0001", "team-beta", members=[*TEAM_B, TEAM_A[1]])
    fake.add_channel("CLEADERS01", "leaders", members=[ADMIN, fake.bot_user_id])
    fake.add_channel("CPRIVATE01", "secret", members=[ADMIN], is_private=True)


class FrozenTime:
    """An injectable clock (Candor.now) that moves only when a test moves it."""

    def __init__(self, t: datetime | None = None):
        from bot.context import utcnow

        self.t = t or utcnow()

    def __call__(self) -> datetime:
        return self.t


def click_and_wait(stack, uid, action_id, **kw) -> dict:
    """Click, then wait for the modal the bot opens in reply (it opens after
    the ack, as Slack requires), and return it."""
    fake = stack.fake
    before = len(fake.views_opened)
    r = stack.sender.click(uid, action_id, **kw)
    assert r.status == 200, r.body
    fake.wait_for(lambda: len(fake.views_opened) > before)
    return fake.last_opened_view(uid)


def open_round(stack, *channels: str) -> int:
    """An admin adds the audience and sends a round over signed HTTP; the
    invitations are delivered. Returns the round id."""
    from sqlalchemy import select

    from bot.services import outbox
    from storage.models import Round

    fake, s = stack.fake, stack.sender
    for ch in channels or ("<#CTEAMA0001|team-alpha>",):
        n = len(fake.responses_for(ADMIN))
        s.slash(ADMIN, f"audience add {ch}")
        fake.wait_for(lambda n=n: any("Added" in r.get("text", "")
                                      for r in fake.responses_for(ADMIN)[n:]))
    s.slash(ADMIN, "send now")
    fake.wait_for(lambda: "is open" in fake.responses_for(ADMIN)[-1].get("text", ""))
    outbox.deliver_due(stack.candor)
    with stack.candor.db.session() as ss:
        return ss.scalar(select(Round.id).where(Round.team_id == fake.team_id,
                                                Round.status == "open"))


# -- digest inputs ---------------------------------------------------------------

QS = [
    QuestionInfo("burnout", "Burnout", "burnout5", "wellbeing"),
    QuestionInfo("support", "Support", "agreement5", "leadership"),
    QuestionInfo("supervision", "Supervision", "agreement5", "supervision"),
    QuestionInfo("workload", "Workload", "agreement5", "workload"),
    QuestionInfo("intent_to_stay", "Intent to stay", "likelihood5", "culture"),
]


def make_round(rid: int, teams: dict[str, dict[str, list[int]]], invited=None):
    """teams: team -> question -> list of answers (one per respondent)."""
    start = date(2026, 1, 5) + timedelta(weeks=2 * rid)
    resp = {t: max((len(v) for v in qs.values()), default=0) for t, qs in teams.items()}
    info = RoundInfo(rid, rid, start, start + timedelta(days=6),
                     invited or {t: n + 2 for t, n in resp.items()}, resp)
    rows = [
        (rid, t, q, v, c)
        for t, qs in teams.items() for q, vals in qs.items() for v, c in Counter(vals).items()
    ]
    return info, rows


def mixed(n: int, seed: int, lo=1, hi=5) -> list[int]:
    r = random.Random(seed)
    return [r.randint(lo, hi) for _ in range(n)]


def team(n: int, seed: int, burnout=None) -> dict[str, list[int]]:
    return {
        "burnout": burnout if burnout is not None else mixed(n, seed),
        "support": mixed(n, seed + 1),
        "supervision": mixed(n, seed + 2),
        "workload": mixed(n, seed + 3),
        "intent_to_stay": mixed(n, seed + 4),
    }


def build(rounds, comments=None, thresholds=Thresholds(), published=frozenset(), rng=1) -> Digest:
    """rounds: list of (RoundInfo, rows), oldest first; the last is current."""
    infos = [r for r, _ in rounds]
    rows = [row for _, rs in rounds for row in rs]
    return build_digest(infos[-1], infos[-2::-1], rows, comments or {}, QS, thresholds,
                        published=published, rng=rng)


def burnout_answers(flagged: int, n: int) -> list[int]:
    return [4] * flagged + [1] * (n - flagged)


# ---------------------------------------------------------------------------


def as_marketplace_app(fake, c) -> None:
    """Slack and candor both treat the app as Marketplace-listed, so
    conversations.history is Tier 3 (50 a minute) rather than Tier 1: for
    tests that recover many rows and aren't about the tier itself."""
    from bot.slackapi.client import Pacer

    fake.marketplace()
    for client in (c.reader, c.client):
        if client is not None:
            client.pacer.buckets["conversations.history"] = Pacer(
                {"h": (50 / 60, 5)}).buckets["h"]
