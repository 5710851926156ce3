from __future__ import annotations

import pytest

from bot.stack import LocalStack
from tests.fakeslack import FakeSlack

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


@pytest.fixture
def fake():
    with FakeSlack() as f:
        seed(f)
        yield f


@pytest.fixture
def stack(db, database_url, fake):
    s = LocalStack(database_url, fake, db=db)
    s.start()
    yield s
    s.stop()


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

    from bot import delivery
    from storage.models import Round

    fake, s = stack.fake, stack.sender
    for ch in channels or ("<#CTEAMA0001|team-alpha>",):
        n = len(fake.responses_for(ADMIN))
        s.slash(ADMIN, f"audience add {ch}")
        fake.wait_for(lambda n=n: any("Added" in r.get("text", "")
                                      for r in fake.responses_for(ADMIN)[n:]))
    s.slash(ADMIN, "send now")
    fake.wait_for(lambda: "is open" in fake.responses_for(ADMIN)[-1].get("text", ""))
    delivery.deliver_due(stack.candor)
    with stack.candor.db.session() as ss:
        return ss.scalar(select(Round.id).where(Round.team_id == fake.team_id,
                                                Round.status == "open"))
